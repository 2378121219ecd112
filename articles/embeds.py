"""Which addresses an article may embed, and the player each one plays in.

The interface is one function: ``parse(url)`` returns an ``Embeddable`` (the provider's
name and the address of its player, for an iframe) or raises ``ValidationError`` naming
the providers we support. A provider whose posts can only be embedded with its own
script gets no player (``player_url`` is empty): readers get a link card, because no
third-party script ever runs on our pages.

To support another provider, add a ``Provider`` to ``PROVIDERS``: its name, the hosts its
addresses use, the origins its players are served from (the Content-Security-Policy's
``frame-src`` is built from them, see ``frame_sources``), and a function from a parsed
address to the player's address ("" for a link card, None when the address is not one
it can show).
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote_plus, urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Embeddable:
    provider: str
    player_url: str  # "" when readers get a link to the original instead of a player
    shape: str = "video"


@dataclass(frozen=True)
class Provider:
    name: str
    hosts: frozenset[str]  # empty: any host, recognised by the shape of the path
    player: Callable  # (SplitResult) -> str | None
    origins: tuple[str, ...] = ()  # where its players come from
    shape: str = "video"  # video, post, audio or chart: the player's proportions


def _segments(address) -> list[str]:
    return [part for part in address.path.split("/") if part]


_YOUTUBE_ID = re.compile(r"[\w-]{11}")
_VIMEO_ID = re.compile(r"\d{1,12}")
_NUMBER = re.compile(r"\d{1,25}")
_SLUG = re.compile(r"[\w.-]{1,100}")
_MAP_DATA = re.compile(r"[\w!.:*%-]{1,2000}")


def _youtube(address) -> str | None:
    path = _segments(address) or [""]
    if address.hostname == "youtu.be":
        video = path[0]
    elif path[0] == "watch":
        video = parse_qs(address.query).get("v", [""])[0]
    elif path[0] in ("embed", "shorts", "live") and len(path) > 1:
        video = path[1]
    else:
        return None
    # The privacy-enhanced host: no cookies until the reader plays the video.
    return (
        f"https://www.youtube-nocookie.com/embed/{video}" if _YOUTUBE_ID.fullmatch(video) else None
    )


def _vimeo(address) -> str | None:
    path = _segments(address)
    video = path[-1] if path else ""
    return f"https://player.vimeo.com/video/{video}?dnt=1" if _VIMEO_ID.fullmatch(video) else None


def _x(address) -> str | None:
    # x.com/<user>/status/<id>: the page X's own script would put in an iframe.
    path = _segments(address)
    if len(path) >= 3 and path[1] == "status" and _NUMBER.fullmatch(path[2]):
        return f"https://platform.twitter.com/embed/Tweet.html?id={path[2]}&dnt=true"
    return None


def _bluesky(address) -> str | None:
    # bsky.app/profile/<handle or DID>/post/<key>. Bluesky's player wants the account's
    # DID; a handle would need a look-up on Bluesky's servers, so it gets a link card.
    path = _segments(address)
    if len(path) != 4 or path[0] != "profile" or path[2] != "post":
        return None
    account, post = path[1], path[3]
    if not re.fullmatch(r"[a-z2-7]{13}", post):
        return None
    if re.fullmatch(r"did:plc:[a-z2-7]{24}", account):
        return f"https://embed.bsky.app/embed/{account}/app.bsky.feed.post/{post}"
    return "" if _SLUG.fullmatch(account) else None


def mastodon_instances() -> frozenset[str]:
    """The Mastodon servers whose players may be framed (``EMBED_MASTODON_INSTANCES``)."""
    return frozenset(host.lower() for host in getattr(settings, "EMBED_MASTODON_INSTANCES", []))


def _mastodon(address) -> str | None:
    # Any server: https://<server>/@<user>/<id>. Its player is <that address>/embed, on
    # the post's own server, so frames are allowed only for the servers the site names;
    # a post elsewhere gets a link card rather than a frame-src open to every host.
    path = _segments(address)
    if not (
        len(path) == 2
        and address.scheme == "https"
        and path[0].startswith("@")
        and _SLUG.fullmatch(path[0][1:])
        and _NUMBER.fullmatch(path[1])
    ):
        return None
    host = address.hostname.lower()
    return f"https://{host}/{path[0]}/{path[1]}/embed" if host in mastodon_instances() else ""


def _instagram(address) -> str | None:
    path = _segments(address)
    if len(path) >= 2 and path[0] in ("p", "reel", "tv") and re.fullmatch(r"[\w-]{5,40}", path[1]):
        return f"https://www.instagram.com/{path[0]}/{path[1]}/embed/"
    return None


def _tiktok(address) -> str | None:
    path = _segments(address)
    if len(path) == 3 and path[0].startswith("@") and path[1] == "video":
        video = path[2]
    elif len(path) >= 2 and path[0] in ("embed", "player") and _NUMBER.fullmatch(path[-1]):
        video = path[-1]
    else:
        return None
    return f"https://www.tiktok.com/player/v1/{video}" if _NUMBER.fullmatch(video) else None


def _soundcloud(address) -> str | None:
    # soundcloud.com/<artist>/<track> or /<artist>/sets/<playlist>; the player takes the
    # address itself.
    path = _segments(address)
    if not 2 <= len(path) <= 3 or not all(_SLUG.fullmatch(part) for part in path):
        return None
    if len(path) == 3 and path[1] != "sets":
        return None
    track = quote(f"https://soundcloud.com/{'/'.join(path)}", safe="")
    return f"https://w.soundcloud.com/player/?url={track}&visual=false"


_SPOTIFY_KINDS = {"track", "album", "playlist", "episode", "show", "artist"}


def _spotify(address) -> str | None:
    path = _segments(address)
    if path and path[0].startswith("intl-"):
        path = path[1:]
    if path and path[0] == "embed":
        path = path[1:]
    if len(path) == 2 and path[0] in _SPOTIFY_KINDS and re.fullmatch(r"[A-Za-z0-9]{22}", path[1]):
        return f"https://open.spotify.com/embed/{path[0]}/{path[1]}"
    return None


def _datawrapper(address) -> str | None:
    # datawrapper.dwcdn.net/<id>/<version>/, or the chart's page www.datawrapper.de/_/<id>/
    path = _segments(address)
    if path and path[0] == "_":
        path = path[1:]
    if not path or not re.fullmatch(r"[A-Za-z0-9]{5}", path[0]):
        return None
    version = f"{path[1]}/" if len(path) > 1 and _NUMBER.fullmatch(path[1]) else ""
    return f"https://datawrapper.dwcdn.net/{path[0]}/{version}"


def _flourish(address) -> str | None:
    # public.flourish.studio/visualisation/<id>/ (or story), and its player flo.uri.sh
    path = _segments(address)
    if len(path) >= 2 and path[0] in ("visualisation", "story") and _NUMBER.fullmatch(path[1]):
        return f"https://flo.uri.sh/{path[0]}/{path[1]}/embed"
    return None


def _documentcloud(address) -> str | None:
    # www.documentcloud.org/documents/<id>-<slug>
    path = _segments(address)
    if len(path) >= 2 and path[0] == "documents":
        found = re.fullmatch(r"(\d{1,12})(-[\w-]{0,200})?(\.html)?", path[1])
        if found:
            return f"https://embed.documentcloud.org/documents/{found[1]}{found[2] or ''}/?embed=1"
    return None


def _google_maps(address) -> str | None:
    # A map shared from Google Maps: its embed address as is, a search (?q=), a place or
    # a position (/@lat,lng,zoom). Short maps.app.goo.gl links hide where they point
    # (finding out is a request to Google), so they get a link card.
    if address.hostname == "maps.app.goo.gl":
        return "" if _segments(address) else None
    path, query = _segments(address), parse_qs(address.query)
    if path[:1] != ["maps"]:
        return None
    if path[1:2] == ["embed"]:
        shared = query.get("pb", [""])[0]
        return (
            f"https://www.google.com/maps/embed?pb={shared}"
            if _MAP_DATA.fullmatch(shared)
            else None
        )
    if query.get("q"):
        return f"https://www.google.com/maps?{urlencode({'q': query['q'][0], 'output': 'embed'})}"
    place = unquote_plus(path[2]) if path[1:2] == ["place"] and len(path) > 2 else ""
    position = next((part for part in path if part.startswith("@")), "")
    found = re.fullmatch(r"@(-?\d{1,3}\.\d+),(-?\d{1,3}\.\d+)(?:,(\d{1,2}(?:\.\d+)?)z)?", position)
    if place:
        return f"https://www.google.com/maps?{urlencode({'q': place, 'output': 'embed'})}"
    if found:
        zoom = round(float(found[3] or 14))
        where = {"ll": f"{found[1]},{found[2]}", "z": zoom, "output": "embed"}
        return f"https://www.google.com/maps?{urlencode(where)}"
    return None


def _hosts(*names: str) -> frozenset[str]:
    """Each name with and without its "www."."""
    return frozenset(name for bare in names for name in (bare, f"www.{bare}"))


PROVIDERS = [
    Provider(
        "YouTube",
        _hosts("youtube.com", "m.youtube.com", "youtu.be", "youtube-nocookie.com"),
        _youtube,
        ("https://www.youtube-nocookie.com",),
    ),
    Provider(
        "Vimeo", _hosts("vimeo.com", "player.vimeo.com"), _vimeo, ("https://player.vimeo.com",)
    ),
    Provider(
        "X (Twitter)",
        _hosts("x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"),
        _x,
        ("https://platform.twitter.com",),
        "post",
    ),
    Provider("Bluesky", _hosts("bsky.app"), _bluesky, ("https://embed.bsky.app",), "post"),
    # Any server: recognised by its path, framed only for EMBED_MASTODON_INSTANCES.
    Provider("Mastodon", frozenset(), _mastodon, (), "post"),
    Provider(
        "Instagram", _hosts("instagram.com"), _instagram, ("https://www.instagram.com",), "post"
    ),
    Provider("TikTok", _hosts("tiktok.com"), _tiktok, ("https://www.tiktok.com",), "post"),
    Provider(
        "SoundCloud", _hosts("soundcloud.com"), _soundcloud, ("https://w.soundcloud.com",), "audio"
    ),
    Provider(
        "Spotify", _hosts("open.spotify.com"), _spotify, ("https://open.spotify.com",), "audio"
    ),
    Provider(
        "Datawrapper",
        _hosts("datawrapper.de", "datawrapper.dwcdn.net"),
        _datawrapper,
        ("https://datawrapper.dwcdn.net",),
        "chart",
    ),
    Provider(
        "Flourish",
        _hosts("public.flourish.studio", "flo.uri.sh"),
        _flourish,
        ("https://flo.uri.sh",),
        "chart",
    ),
    Provider(
        "DocumentCloud",
        _hosts("documentcloud.org", "embed.documentcloud.org"),
        _documentcloud,
        ("https://embed.documentcloud.org",),
        "document",
    ),
    Provider(
        "Google Maps",
        _hosts("google.com", "maps.google.com", "maps.app.goo.gl"),
        _google_maps,
        ("https://www.google.com",),
        "chart",
    ),
]


def supported() -> str:
    return ", ".join(provider.name for provider in PROVIDERS)


def frame_sources(mastodon: Iterable[str] = ()) -> list[str]:
    """Every origin a player may come from: the CSP's ``frame-src`` (see settings)."""
    origins = {origin for provider in PROVIDERS for origin in provider.origins}
    origins.update(f"https://{host.lower()}" for host in mastodon)
    return sorted(origins)


def _provider_for(host: str, address) -> Provider | None:
    for provider in PROVIDERS:
        if host in provider.hosts:
            return provider
    for provider in PROVIDERS:
        if not provider.hosts and provider.player(address) is not None:
            return provider
    return None


def parse(url: str) -> Embeddable:
    """The provider and player of an address we can embed; ValidationError otherwise."""
    try:
        address = urlsplit((url or "").strip())
        host = (address.hostname or "").lower()
    except ValueError:  # e.g. a malformed IPv6 host
        address, host = None, ""
    provider = None
    if address is not None and host and address.scheme in ("http", "https"):
        provider = _provider_for(host, address)
    if provider is None:
        raise ValidationError(
            f"This address cannot be embedded. Supported: {supported()}.", code="embed_provider"
        )
    player = provider.player(address)
    if player is None:
        raise ValidationError(
            f"This {provider.name} address does not point at something to embed; "
            "paste the address of the video, post or chart itself.",
            code="embed_address",
        )
    return Embeddable(provider.name, player, provider.shape)
