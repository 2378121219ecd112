"""The home page shows each story once: the lead, the section blocks, then "Latest" goes on
with the stories not shown above it, page after page."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.helpers.html import find, parse, text_of
from tests.helpers.queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0  # these tests are about the page, not its cached copy


@pytest.fixture
def busy_site(make_article, make_section, make_photo):
    """Three sections of stories, most with a photo, more than two pages of them."""
    photo = make_photo()
    sections = [None, make_section("Business", position=1), make_section("Sport", position=2)]
    now = timezone.now()
    for n in range(40):
        section = sections[n % 3]
        make_article(
            f"Story {n:02}",
            lead_photo=photo if n % 4 else None,
            publish_at=now - timedelta(hours=n + 1),
            **({"section": section} if section else {}),
        )
    return Article.objects.published()


def article_links(response) -> Counter:
    """How many times each article is linked in the page's main content."""
    urls = {article.get_absolute_url() for article in Article.objects.all()}
    main = parse(response).getElementsByTagName("main")[0]
    hrefs = [a.getAttribute("href") for a in main.getElementsByTagName("a")]
    return Counter(href for href in hrefs if href in urls)


def test_home_page_links_each_article_at_most_once(client, busy_site, settings):
    response = client.get("/")
    links = article_links(response)

    page = parse(response)
    assert find(page, "section", "lead-story") and len(find(page, "section", "section-block")) == 3
    assert find(page, "section", "latest")  # there is more below the section blocks
    # The lead, four stories in each of three sections, and a full page of the rest.
    assert len(links) == 1 + 3 * 4 + settings.ARTICLES_PER_PAGE
    assert [url for url, times in links.items() if times > 1] == []


def test_latest_page_two_goes_on_where_page_one_stopped(client, busy_site):
    first, second = article_links(client.get("/")), article_links(client.get("/?page=2"))

    assert second  # page 2 has stories
    assert not set(first) & set(second)
    assert set(first) | set(second) == {article.get_absolute_url() for article in busy_site}


def test_latest_lists_newest_first_after_the_stories_above(client, busy_site):
    page = parse(client.get("/"))
    above = {
        text_of(h)
        for block in find(page, "section", "lead-story") + find(page, "section", "section-block")
        for h in block.getElementsByTagName("h2") + block.getElementsByTagName("h3")
    }
    latest = [text_of(h) for h in find(find(page, "section", "latest")[0], "h3", "headline")]
    newest_not_above = [article.headline for article in busy_site if article.headline not in above]
    assert latest == newest_not_above[: len(latest)]


def test_home_page_without_more_stories_has_no_empty_latest_list(client, make_article):
    make_article("The only story")
    page = parse(client.get("/"))

    assert text_of(find(page, "section", "lead-story")[0]).count("The only story") == 1
    assert find(page, "section", "latest") == []
    assert "Nothing has been published yet" not in text_of(page.getElementsByTagName("main")[0])


def test_empty_site_says_nothing_is_published(client, db):
    main = parse(client.get("/")).getElementsByTagName("main")[0]
    assert "Nothing has been published yet" in text_of(main)


def test_home_page_two_costs_the_same_queries_as_page_one(client, busy_site):
    client.get("/")  # the section menu is cached for the whole site after the first page
    assert count_queries(client, "/?page=2") == count_queries(client, "/") <= 8
