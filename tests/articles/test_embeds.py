"""Embeds: which addresses each provider accepts, the click-to-load card, and the CSP."""

from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError

from articles import embeds
from articles.models import Embed, TextBlock
from tests.helpers.html import find, parse, text_of

YOUTUBE = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
SPOTIFY_ID = "4uLU6hMCjMI75M1A2tKUQC"
DID = "did:plc:abcdefghijklmnopqrstuvwx"

# (address an editor pastes, provider, the player's address; "" for a link card)
GOOD = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=4", "YouTube", YOUTUBE),
    ("https://youtu.be/dQw4w9WgXcQ", "YouTube", YOUTUBE),
    ("https://youtube.com/shorts/dQw4w9WgXcQ", "YouTube", YOUTUBE),
    ("https://m.youtube.com/live/dQw4w9WgXcQ", "YouTube", YOUTUBE),
    ("https://vimeo.com/76979871", "Vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://x.com/someone/status/1460323737035677698", "X (Twitter)",
     "https://platform.twitter.com/embed/Tweet.html?id=1460323737035677698&dnt=true"),
    ("https://twitter.com/someone/status/20?s=20", "X (Twitter)",
     "https://platform.twitter.com/embed/Tweet.html?id=20&dnt=true"),
    (f"https://bsky.app/profile/{DID}/post/3kabcdefgh2xy", "Bluesky",
     f"https://embed.bsky.app/embed/{DID}/app.bsky.feed.post/3kabcdefgh2xy"),
    ("https://bsky.app/profile/someone.bsky.social/post/3kabcdefgh2xy", "Bluesky", ""),
    ("https://mastodon.example/@someone/111222333444555666", "Mastodon", ""),
    ("https://framed.example/@someone/42", "Mastodon", "https://framed.example/@someone/42/embed"),
    ("https://www.instagram.com/p/C1a2B3c4D5e/", "Instagram",
     "https://www.instagram.com/p/C1a2B3c4D5e/embed/"),
    ("https://instagram.com/reel/C1a2B3c4D5e", "Instagram",
     "https://www.instagram.com/reel/C1a2B3c4D5e/embed/"),
    ("https://www.tiktok.com/@someone/video/7234567890123456789", "TikTok",
     "https://www.tiktok.com/player/v1/7234567890123456789"),
    ("https://soundcloud.com/some-band/a-song", "SoundCloud",
     "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fsome-band%2Fa-song"
     "&visual=false"),
    (f"https://open.spotify.com/intl-de/track/{SPOTIFY_ID}?si=x", "Spotify",
     f"https://open.spotify.com/embed/track/{SPOTIFY_ID}"),
    (f"https://open.spotify.com/episode/{SPOTIFY_ID}", "Spotify",
     f"https://open.spotify.com/embed/episode/{SPOTIFY_ID}"),
    ("https://datawrapper.dwcdn.net/Ab1Cd/3/", "Datawrapper", "https://datawrapper.dwcdn.net/Ab1Cd/3/"),
    ("https://www.datawrapper.de/_/Ab1Cd/", "Datawrapper", "https://datawrapper.dwcdn.net/Ab1Cd/"),
    ("https://public.flourish.studio/visualisation/1234567/", "Flourish",
     "https://flo.uri.sh/visualisation/1234567/embed"),
    ("https://www.documentcloud.org/documents/2345678-council-minutes", "DocumentCloud",
     "https://embed.documentcloud.org/documents/2345678-council-minutes/?embed=1"),
    ("https://www.google.com/maps/place/Harbour+Square/@41.38,2.17,15z", "Google Maps",
     "https://www.google.com/maps?q=Harbour+Square&output=embed"),
    ("https://www.google.com/maps/@41.38,2.17,12z", "Google Maps",
     "https://www.google.com/maps?ll=41.38%2C2.17&z=12&output=embed"),
    ("https://www.google.com/maps/embed?pb=!1m18!1m12", "Google Maps",
     "https://www.google.com/maps/embed?pb=!1m18!1m12"),
    ("https://maps.app.goo.gl/AbCdEf123", "Google Maps", ""),
]  # fmt: skip

# Addresses on a provider's host that are not a video, post, chart…
NOT_EMBEDDABLE = [
    ("https://www.youtube.com/@somechannel", "YouTube"),
    ("https://vimeo.com/channels/staffpicks", "Vimeo"),
    ("https://x.com/someone", "X (Twitter)"),
    ("https://bsky.app/profile/someone.bsky.social", "Bluesky"),
    ("https://www.instagram.com/someone/", "Instagram"),
    ("https://www.tiktok.com/@someone", "TikTok"),
    ("https://soundcloud.com/some-band", "SoundCloud"),
    ("https://open.spotify.com/user/someone", "Spotify"),
    ("https://www.datawrapper.de/pricing", "Datawrapper"),
    ("https://public.flourish.studio/", "Flourish"),
    ("https://www.documentcloud.org/app", "DocumentCloud"),
    ("https://www.google.com/search?q=maps", "Google Maps"),
]

UNKNOWN = [
    "https://example.org/watch?v=dQw4w9WgXcQ",
    "javascript:alert(1)//youtube.com",
    "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "http://mastodon.example/@someone/42",  # Mastodon's addresses are https
    "https://mastodon.example/@someone/not-a-post",
    "http://[::1",
    "",
]


@pytest.fixture(autouse=True)
def framed_mastodon(settings):
    settings.EMBED_MASTODON_INSTANCES = ["framed.example"]


@pytest.mark.parametrize(("url", "provider", "player"), GOOD)
def test_embed_addresses_of_supported_providers_give_their_player(url, provider, player):
    found = embeds.parse(url)
    assert (found.provider, found.player_url) == (provider, player)


def test_every_provider_is_tested_and_every_player_is_in_frame_src(settings):
    assert {provider for _, provider, _ in GOOD} == {p.name for p in embeds.PROVIDERS}
    allowed = set(embeds.frame_sources(settings.EMBED_MASTODON_INSTANCES))
    for url, _, player in GOOD:
        if player:
            origin = "://".join(urlsplit(player)[:2])
            assert origin in allowed, url


@pytest.mark.parametrize(("url", "provider"), NOT_EMBEDDABLE)
def test_a_provider_address_that_is_not_embeddable_is_refused_naming_the_provider(url, provider):
    with pytest.raises(ValidationError) as error:
        embeds.parse(url)
    assert f"This {provider} address does not point at something to embed" in str(error.value)


@pytest.mark.parametrize("url", UNKNOWN)
def test_other_addresses_cannot_be_embedded_and_the_error_names_the_providers(url):
    with pytest.raises(ValidationError) as error:
        embeds.parse(url)
    assert error.value.messages == [
        "This address cannot be embedded. Supported: YouTube, Vimeo, X (Twitter), Bluesky, "
        "Mastodon, Instagram, TikTok, SoundCloud, Spotify, Datawrapper, Flourish, "
        "DocumentCloud, Google Maps."
    ]


# --- The public page ------------------------------------------------------------------------


def third_party_sources(page) -> list[str]:
    """Every src, srcset, data or poster attribute that points off the site."""
    found = []
    for element in page.getElementsByTagName("*"):
        for name in ("src", "srcset", "data", "poster"):
            value = element.getAttribute(name)
            if value and "//" in value:
                found.append(value)
    return found


@pytest.mark.django_db
def test_article_page_shows_click_to_load_cards_and_requests_nothing_third_party(
    client, make_article
):
    article = make_article(
        blocks=[
            TextBlock(text="<p>Watch the session.</p>"),
            Embed(url="https://youtu.be/dQw4w9WgXcQ"),
            Embed(url="https://mastodon.example/@someone/42"),
        ]
    )

    page = parse(client.get(article.get_absolute_url()))

    video, post = find(page, "figure", "embed")
    assert text_of(find(video, "strong", "embed-provider")[0]) == "YouTube"
    assert "connects you to YouTube" in text_of(video)
    assert video.getAttribute("data-player") == YOUTUBE
    link = find(video, "a", "embed-link")[0]
    assert link.getAttribute("href") == "https://youtu.be/dQw4w9WgXcQ"
    button = find(video, "button", "embed-load")[0]
    assert button.hasAttribute("hidden")  # shown by the script; without it the link works
    # A link card: no player and no button, only the way to the original.
    assert not post.hasAttribute("data-player") and not find(post, "button")
    assert find(post, "a")[0].getAttribute("href") == "https://mastodon.example/@someone/42"
    scripts = [s.getAttribute("src") for s in page.getElementsByTagName("script")]
    assert "/static/js/embeds.js" in scripts
    assert page.getElementsByTagName("iframe") == []
    assert third_party_sources(page) == []


@pytest.mark.django_db
def test_an_embed_no_longer_supported_is_a_plain_link(client, make_article):
    article = make_article(blocks=[Embed(url="https://gone.example/v/1", provider="Gone")])
    page = parse(client.get(article.get_absolute_url()))
    (card,) = find(page, "figure", "embed")
    assert find(card, "a")[0].getAttribute("href") == "https://gone.example/v/1"
    assert not card.hasAttribute("data-player")


@pytest.mark.django_db
def test_csp_frame_src_names_exactly_the_players_and_scripts_stay_our_own(client, make_article):
    article = make_article(blocks=[Embed(url="https://youtu.be/dQw4w9WgXcQ")])
    response = client.get(article.get_absolute_url())
    policy = {
        name: values
        for name, *values in (
            part.split() for part in response["Content-Security-Policy"].split(";")
        )
    }
    assert policy["frame-src"] == [
        "https://datawrapper.dwcdn.net",
        "https://embed.bsky.app",
        "https://embed.documentcloud.org",
        "https://flo.uri.sh",
        "https://open.spotify.com",
        "https://platform.twitter.com",
        "https://player.vimeo.com",
        "https://w.soundcloud.com",
        "https://www.google.com",
        "https://www.instagram.com",
        "https://www.tiktok.com",
        "https://www.youtube-nocookie.com",
    ]
    assert policy["script-src"] == ["'self'"]


def test_named_mastodon_servers_join_frame_src():
    sources = embeds.frame_sources(["Social.Example"])
    assert "https://social.example" in sources
    assert "https://social.example" not in embeds.frame_sources()
