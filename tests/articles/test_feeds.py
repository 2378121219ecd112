"""RSS and Atom feeds, read with feedparser as feed readers read them."""

from datetime import UTC, datetime, timedelta

import feedparser
import html5lib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Byline
from tests.helpers.html import text_of

pytestmark = pytest.mark.django_db

KINDS = ["rss", "atom"]


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, f"{url}: {feed.get('bozo_exception')}"
    return feed


def feed_urls(section, region, author) -> list[str]:
    return [
        url + kind + "/"
        for url in ["/", section.get_absolute_url(), region.get_absolute_url(),
                    author.get_absolute_url()]
        for kind in KINDS
    ]  # fmt: skip


@pytest.fixture
def feed_site(reference_article, make_photo):
    """The reference article, its lead photo large and with renditions."""
    photo = make_photo(renditions=True, size=(1800, 1000), photographer="Rami Haddad",
                       agency="Meridian", caption="Rubble in the old city")  # fmt: skip
    Article.objects.filter(pk=reference_article.pk).update(lead_photo=photo)
    reference_article.refresh_from_db()
    return reference_article


def test_every_feed_parses_without_errors(client, feed_site):
    article = feed_site
    region, author = article.primary_region, article.author_list[0]
    for url in feed_urls(article.section, region, author):
        feed = read(client, url)
        assert feed.entries, url
        assert feed.version in ("rss20", "atom10"), url


@pytest.mark.parametrize("kind", KINDS)
def test_feed_item_carries_kicker_standfirst_authors_times_categories_and_photo(
    client, feed_site, kind
):
    article = feed_site
    feed = read(client, f"/{kind}/")
    entry = next(e for e in feed.entries if e.link.endswith(article.get_absolute_url()))
    assert entry.title == "IRAQ: Vice President says funds will be audited"
    assert entry.summary == "Every contract will be published online."
    assert [a.name for a in entry.authors] == ["Amira Khalil", "Leila Farouk"]
    published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
    assert abs(published - article.publish_at) < timedelta(seconds=1)
    updated = datetime(*entry.updated_parsed[:6], tzinfo=UTC)
    assert abs(updated - article.updated_at) < timedelta(seconds=1)
    assert {tag.term for tag in entry.tags} == {"World", "Iraq", "Syria"}
    [media] = entry.media_content
    assert media["url"].startswith("http://testserver/media/renditions/")
    assert media["url"].endswith("-1600.jpg")
    assert (media["type"], media["width"], media["height"]) == ("image/jpeg", "1600", "889")
    assert int(media["filesize"]) > 0
    assert entry.media_credit[0]["content"] == "Rami Haddad/Meridian"
    [enclosure] = entry.enclosures
    assert enclosure.href == media["url"]
    assert enclosure.type == "image/jpeg" and enclosure.length == media["filesize"]


@pytest.mark.parametrize("kind", KINDS)
def test_feed_item_carries_the_whole_body_with_quotes_photos_and_embeds_as_links(
    client, feed_site, kind
):
    article = feed_site
    article.embeds.create(ordering=1000, url="https://youtu.be/dQw4w9WgXcQ", provider="YouTube")
    article.text_blocks.create(ordering=5, text='<p>See <a href="/corrections/">fixes</a>.</p>')
    entry = next(
        e for e in read(client, f"/{kind}/").entries if e.link.endswith(article.get_absolute_url())
    )
    [content] = entry.content
    assert content.type == "text/html"
    body = html5lib.parse(content.value, treebuilder="dom", namespaceHTMLElements=False)
    paragraphs = [text_of(p) for p in body.getElementsByTagName("p")]
    assert paragraphs[:2] == ["See fixes.", "First paragraph about the register."]
    assert "Last paragraph." in paragraphs
    quotes = [
        [text_of(p) for p in quote.getElementsByTagName("p")]
        for quote in body.getElementsByTagName("blockquote")
    ]
    assert quotes == [
        ["Every dinar belongs to the people.", "— Karim al-Naseri, Iraq's Vice President"],
        ["A list is only a beginning.", "— Samira Yousef, coalition director"],
    ]
    [image] = body.getElementsByTagName("img")
    assert image.getAttribute("src").startswith("http://testserver/media/")
    assert image.getAttribute("alt") == "Surveyors"
    links = {a.getAttribute("href"): text_of(a) for a in body.getElementsByTagName("a")}
    assert links["http://testserver/corrections/"] == "fixes"
    read_more = article.read_mores.get().target
    assert links[f"http://testserver{read_more.get_absolute_url()}"] == (
        "IRAQ: Kurdish gas deal signed"
    )
    assert links["https://youtu.be/dQw4w9WgXcQ"] == "YouTube: https://youtu.be/dQw4w9WgXcQ"
    for absent in ("iframe", "script", "style"):
        assert body.getElementsByTagName(absent) == [], absent


def test_atom_authors_link_to_their_pages(client, feed_site):
    url = feed_site.get_absolute_url()
    entry = next(e for e in read(client, "/atom/").entries if e.link.endswith(url))
    author_url = feed_site.author_list[0].get_absolute_url()
    assert entry.authors[0].href == f"http://testserver{author_url}"


@pytest.mark.parametrize("kind", KINDS)
def test_feeds_list_only_published_articles(client, make_article, kind):
    now = timezone.now()
    live = make_article("Live story")
    make_article("Draft story", status=Article.Status.DRAFT)
    make_article("In review", status=Article.Status.REVIEW)
    make_article("Scheduled story", publish_at=now + timedelta(hours=1))
    titles = [entry.title for entry in read(client, f"/{kind}/").entries]
    assert titles == [live.headline]


def test_section_region_and_author_feeds_hold_only_their_articles(
    client, make_article, make_section, make_region, make_author
):
    sport, kenya, writer = make_section("Sport"), make_region("Kenya"), make_author("A Writer")
    in_all = make_article("In all three", section=sport, regions=[kenya], authors=[writer])
    make_article("In none")
    for url in [sport.get_absolute_url(), kenya.get_absolute_url(), writer.get_absolute_url()]:
        for kind in KINDS:
            entries = read(client, f"{url}{kind}/").entries
            assert [entry.title for entry in entries] == [in_all.headline], url + kind


def test_feed_of_unknown_section_is_not_found(client):
    assert client.get("/section/nowhere/rss/").status_code == 404


def test_control_characters_pasted_into_names_do_not_break_feeds(
    client, make_article, make_region, make_author
):
    region = make_region("Delta\x0b region")
    author = make_author("Ann\x01 Writer")
    article = make_article(
        "Storm\x1f warning",
        standfirst="Winds\x0c rise.",
        primary_region=region,
        regions=[region],
        authors=[author],
    )
    article.section.name = "World\x08"
    article.section.save()

    for url in feed_urls(article.section, region, author):
        entry = read(client, url).entries[0]
        assert "Storm warning" in entry.title, url
        assert "Winds rise." in entry.summary, url


def test_editor_markup_in_standfirst_is_text_in_the_feed(client, make_article):
    make_article("Plain", standfirst="Use <b>bold</b> & <script>x</script> carefully")
    entry = read(client, "/rss/").entries[0]
    assert (
        entry.summary
        == "Use &lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt; carefully"
    )


def test_feed_queries_do_not_grow_with_items(
    client, make_article, make_region, make_author, make_photo, section
):
    region, author = make_region("Chad"), make_author()

    def add(n):
        for _ in range(n):
            article = make_article(primary_region=region, regions=[region, make_region()],
                                   authors=[author], lead_photo=make_photo())  # fmt: skip
            Byline.objects.create(article=article, author=make_author(), position=1)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            read(client, url)
        return len(captured)

    urls = feed_urls(section, region, author)
    add(1)
    before = {url: queries(url) for url in urls}
    add(10)
    after = {url: queries(url) for url in urls}
    assert after == before
    # Articles, bylines, regions, the listing itself, and one per kind of body block.
    assert max(after.values()) <= 9


def page_feed_links(client, url) -> dict[str, str]:
    document = html5lib.parse(client.get(url).content, treebuilder="dom",
                              namespaceHTMLElements=False)  # fmt: skip
    return {
        link.getAttribute("href"): link.getAttribute("type")
        for link in document.getElementsByTagName("link")
        if link.getAttribute("rel") == "alternate"
    }


def test_pages_link_their_feeds(client, reference_article):
    article = reference_article
    region, author, section = article.primary_region, article.author_list[0], article.section
    latest = {"/rss/": "application/rss+xml", "/atom/": "application/atom+xml"}
    assert page_feed_links(client, "/") == latest
    for page in (section, region, author):
        url = page.get_absolute_url()
        assert page_feed_links(client, url) == latest | {
            f"{url}rss/": "application/rss+xml",
            f"{url}atom/": "application/atom+xml",
        }
    section_url = section.get_absolute_url()
    assert f"{section_url}rss/" in page_feed_links(client, article.get_absolute_url())
    for feed_url in page_feed_links(client, article.get_absolute_url()):
        read(client, feed_url)
