"""What goes with a headline: the kicker links to its region, the type shows once."""

import pytest

from articles.models import Article
from tests.helpers.html import find, parse, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0  # these tests are about the page, not its cached copy


def ancestors(node):
    while node.parentNode is not None and node.parentNode.nodeType == node.ELEMENT_NODE:
        node = node.parentNode
        yield node


def headline_links(page, article) -> list[tuple[str, str]]:
    """(href, text) of each link in the headlines naming ``article``."""
    return [
        (a.getAttribute("href"), text_of(a))
        for h in find(page, "h1", "headline") + find(page, "h2", "headline")
        + find(page, "h3", "headline")
        if article.headline in text_of(h)
        for a in h.getElementsByTagName("a")
    ]  # fmt: skip


@pytest.fixture
def kenyan_story(make_article, make_region):
    kenya = make_region("Kenya")
    story = make_article("Water bill passes", primary_region=kenya, regions=[kenya])
    make_article("An older story")  # so the story is also a card below the lead
    return story


@pytest.mark.parametrize("page_name", ["article", "home", "section", "region", "search"])
def test_kicker_links_to_its_region_beside_the_headline_link(client, kenyan_story, page_name):
    region = kenyan_story.primary_region
    url = {
        "article": kenyan_story.get_absolute_url(),
        "home": "/",
        "section": kenyan_story.section.get_absolute_url(),
        "region": region.get_absolute_url(),
        "search": "/search/?q=water",
    }[page_name]
    page = parse(client.get(url))

    links = headline_links(page, kenyan_story)
    assert (region.get_absolute_url(), "KENYA") in links
    if page_name != "article":  # a listing links the headline too, in a link of its own
        assert (kenyan_story.get_absolute_url(), "Water bill passes") in links
    nested = [a for a in page.getElementsByTagName("a")
              if any(parent.tagName == "a" for parent in ancestors(a))]  # fmt: skip
    assert nested == []


def test_typed_kicker_that_is_not_a_place_links_nowhere(client, make_article, make_region):
    article = make_article("Talks resume", kicker="Analysis", primary_region=make_region("Iraq"))
    page = parse(client.get(article.get_absolute_url()))

    assert text_of(find(page, "h1", "headline")[0]) == "ANALYSIS: Talks resume"
    assert headline_links(page, article) == []


def test_kicker_without_a_region_is_plain_text(client, make_article):
    article = make_article("Talks resume", kicker="Explainer")
    page = parse(client.get(article.get_absolute_url()))

    assert text_of(find(page, "h1", "headline")[0]) == "EXPLAINER: Talks resume"
    assert headline_links(page, article) == []


@pytest.fixture
def column(make_article, make_section):
    opinion = make_section("Opinion")
    make_article("An older story", section=opinion)
    return make_article("Cities need shade", section=opinion, kind=Article.Kind.OPINION)


def test_opinion_piece_in_the_opinion_section_says_opinion_once(client, column):
    page = parse(client.get(column.get_absolute_url()))

    dateline = text_of(find(page, "p", "dateline")[0])
    assert dateline.startswith("Opinion · ")
    assert dateline.lower().count("opinion") == 1


def test_opinion_card_in_the_opinion_section_says_opinion_once(client, column):
    page = parse(client.get(column.section.get_absolute_url()))

    card = next(c for c in find(page, "article", "card") if column.headline in text_of(c))
    meta = text_of(find(card, "p", "meta")[0])
    assert meta.startswith("Opinion · ")
    assert meta.lower().count("opinion") == 1


def test_opinion_piece_in_another_section_names_both(client, make_article):
    article = make_article("Cities need shade", kind=Article.Kind.OPINION)
    page = parse(client.get(article.get_absolute_url()))

    assert text_of(find(page, "p", "dateline")[0]).startswith("World · Opinion · ")
