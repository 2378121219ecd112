"""sitemap.xml, the Google News sitemap and robots.txt, parsed as XML crawlers read them."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import sitemaps
from articles.models import Article, Page

pytestmark = pytest.mark.django_db

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"sm": SITEMAP_NS, "news": NEWS_NS}


def xml(client, url) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def locations(root) -> dict[str, str | None]:
    return {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }


def every_url(client) -> dict[str, str | None]:
    """Every URL of every file the sitemap index names, with its lastmod."""
    index = xml(client, "/sitemap.xml")
    assert index.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    found = {}
    for part in index.findall("sm:sitemap/sm:loc", NS):
        child = xml(client, part.text.removeprefix("http://testserver"))
        assert child.tag == f"{{{SITEMAP_NS}}}urlset"
        found |= locations(child)
    return found


@pytest.fixture
def site(make_article, make_region, make_author, make_section):
    kenya, writer = make_region("Kenya"), make_author("Jo Writer")
    empty_region, idle_writer = make_region("Nowhere"), make_author("Idle Writer")
    now = timezone.now()
    live = make_article("Live", regions=[kenya], authors=[writer],
                        updated_at=now - timedelta(minutes=5))  # fmt: skip
    hidden = [
        make_article("Draft", status=Article.Status.DRAFT, regions=[empty_region],
                     authors=[idle_writer]),
        make_article("Scheduled", publish_at=now + timedelta(days=1), regions=[empty_region],
                     authors=[idle_writer]),
    ]  # fmt: skip
    return {"live": live, "hidden": hidden, "region": kenya, "author": writer,
            "empty_region": empty_region, "idle_writer": idle_writer,
            "empty_section": make_section("Empty")}  # fmt: skip


def test_sitemap_lists_published_articles_sections_regions_and_authors(client, site):
    urls = every_url(client)
    base = "http://testserver"
    live = site["live"]
    assert parse_datetime(urls[base + live.get_absolute_url()]) == live.updated_at
    assert base + site["region"].get_absolute_url() in urls
    assert base + site["author"].get_absolute_url() in urls
    assert base + live.section.get_absolute_url() in urls
    assert base + site["empty_section"].get_absolute_url() in urls
    for hidden in site["hidden"]:
        assert base + hidden.get_absolute_url() not in urls
    # Regions and authors with nothing published have no page worth crawling yet.
    assert base + site["empty_region"].get_absolute_url() not in urls
    assert base + site["idle_writer"].get_absolute_url() not in urls


def test_section_lastmod_is_its_newest_published_article(client, site):
    urls = every_url(client)
    section_url = "http://testserver" + site["live"].section.get_absolute_url()
    lastmod = parse_datetime(urls[section_url])
    assert abs(lastmod - site["live"].publish_at) < timedelta(seconds=1)


def test_sitemap_index_splits_articles_into_files_of_at_most_the_file_size(
    client, site, make_article, monkeypatch
):
    for _ in range(4):
        make_article()
    monkeypatch.setattr(sitemaps, "ARTICLES_PER_FILE", 3)
    index = xml(client, "/sitemap.xml")
    parts = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    article_files = [part for part in parts if "/sitemap-articles-" in part]
    highest = Article.objects.order_by("-pk").first().pk
    assert len(article_files) == -(-highest // 3) > 1
    listed = {}
    for part in article_files:
        urls = locations(xml(client, part.removeprefix("http://testserver")))
        assert len(urls) <= 3
        listed |= urls
    published = Article.objects.published()
    assert {f"http://testserver{a.get_absolute_url()}" for a in published} == set(listed)


@pytest.mark.parametrize("past", [None, 1, 10**20])
def test_sitemap_file_past_the_last_article_is_not_found(client, site, past):
    last = -(-Article.objects.order_by("-pk").first().pk // sitemaps.ARTICLES_PER_FILE)
    assert client.get(f"/sitemap-articles-{last}.xml").status_code == 200
    number = 0 if past is None else last + past
    assert client.get(f"/sitemap-articles-{number}.xml").status_code == 404


def test_news_sitemap_has_recent_articles_with_publication_and_language(
    client, make_article, settings
):
    settings.LANGUAGE_CODE = "en-gb"
    now = timezone.now()
    recent = make_article("Fresh news", publish_at=now - timedelta(hours=3))
    make_article("Old news", publish_at=now - timedelta(days=3))
    make_article("Not yet", publish_at=now + timedelta(hours=3))
    make_article("Draft news", status=Article.Status.DRAFT)
    root = xml(client, "/sitemap-news.xml")
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    [url] = root.findall("sm:url", NS)
    assert url.findtext("sm:loc", namespaces=NS) == f"http://testserver{recent.get_absolute_url()}"
    news = url.find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == settings.SITE_NAME
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Fresh news"
    published = parse_datetime(news.findtext("news:publication_date", namespaces=NS))
    assert abs(published - recent.publish_at) < timedelta(seconds=1)


def test_news_sitemap_titles_with_markup_stay_xml(client, make_article, make_region):
    make_article("Tom & Jerry <b>return</b>", primary_region=make_region("Iraq"))
    root = xml(client, "/sitemap-news.xml")
    assert root.findtext("sm:url/news:news/news:title", namespaces=NS) == (
        "IRAQ: Tom & Jerry <b>return</b>"
    )


def test_news_sitemap_drops_control_characters_xml_cannot_hold(client, make_article):
    make_article("Storm\x0b warning\x01")
    root = xml(client, "/sitemap-news.xml")
    assert root.findtext("sm:url/news:news/news:title", namespaces=NS) == "Storm warning"


def test_news_sitemap_holds_at_most_a_thousand(client, make_article, monkeypatch):
    from articles import sitemaps

    monkeypatch.setattr(sitemaps, "NEWS_MAX_ITEMS", 2)
    for _ in range(3):
        make_article()
    assert len(xml(client, "/sitemap-news.xml").findall("sm:url", NS)) == 2


def test_robots_txt_names_both_sitemaps_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines
    assert "Disallow: /admin/" in lines and "Disallow: /preview/" in lines
    for line in lines:
        if line.startswith("Sitemap: "):
            assert client.get(line.split(" ", 1)[1]).status_code == 200


def test_published_pages_are_in_the_sitemap_and_unpublished_ones_are_not(client):
    about = Page.objects.create(title="About", slug="about", published=True)
    Page.objects.create(title="Draft", slug="draft-page")
    urls = every_url(client)
    assert parse_datetime(urls["http://testserver/about/"]) == about.updated_at
    assert not [url for url in urls if "draft-page" in url]
    about.title = "About us"
    about.save()  # a cached index and pages file show the change at once
    assert parse_datetime(every_url(client)["http://testserver/about/"]) == about.updated_at
