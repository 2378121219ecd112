"""Page cache keys cannot be multiplied: only the parameters a page reads make another
copy, each spelt one way, and the page made is the same bytes as without the rest."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache

from articles import views

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_pages(make_article, monkeypatch):
    """A home page and listings with two pages of one article each, newest first."""
    monkeypatch.setattr(views.ArticleListView, "paginate_by", 1)
    return [make_article(f"Story {n}") for n in range(2)]


def made(responses) -> int:
    """How many of these answers were made by the site rather than served from the cache."""
    return sum(response["X-Page-Cache"] == "miss" for response in responses)


def test_a_thousand_tracking_tags_make_the_page_once(client, make_article):
    make_article()
    responses = [client.get(f"/?utm_source={n}") for n in range(1000)]
    assert made(responses) == 1
    assert all(response.status_code == 200 for response in responses)


def test_page_with_a_tracking_tag_shares_the_pages_entry(client, two_pages, section):
    listing = f"/section/{section.slug}/"
    first = client.get(f"{listing}?page=2&utm_x=1")
    second = client.get(f"{listing}?page=2")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit-local")
    assert two_pages[1].get_absolute_url() in second.content.decode()  # the older story


def test_another_page_number_is_another_page(client, two_pages, section):
    listing = f"/section/{section.slug}/"
    first, second = client.get(f"{listing}?page=1"), client.get(f"{listing}?page=2")
    assert made([first, second]) == 2
    newer, older = (article.get_absolute_url() for article in two_pages)
    assert newer in first.content.decode() and older not in first.content.decode()
    assert older in second.content.decode() and newer not in second.content.decode()


def test_parameters_in_any_order_share_one_entry(client, make_article, section):
    url = make_article("Flood defences hold").get_absolute_url()
    slug = section.slug
    responses = [client.get(f"/search/?q=flood&section={slug}")]
    responses.append(client.get(f"/search/?section={slug}&q=flood"))
    assert made(responses) == 1 and url in responses[1].content.decode()


@pytest.mark.parametrize(
    "variant",
    [
        "?q=caf%C3%A9",  # the canonical spelling, made first
        "?q=caf%c3%a9",
        "?q=café",
        "?q=caf%C3%A9&q=caf%C3%A9",
        "?q=caf%C3%A9&page=",
        "?q=+caf%C3%A9+",
        "?date_to=&q=caf%C3%A9&fbclid=abc&mc_eid=1&_ga=2&ref=home",
    ],
)
def test_spellings_of_one_query_share_one_entry(client, make_article, variant):
    url = make_article("Café culture").get_absolute_url()
    client.get("/search/?q=caf%C3%A9")
    response = client.get(f"/search/{variant}")
    assert response["X-Page-Cache"] == "hit-local"
    assert url in response.content.decode()


def test_dropped_parameters_are_invisible_to_the_page(client, two_pages, section):
    """Links made with {% querystring %} copy every parameter the page was asked with."""
    listing = f"/section/{section.slug}/"
    tagged = client.get(f"{listing}?page=2&utm_source=mail&made_up=1").content
    cache.clear()
    assert client.get(f"{listing}?page=2")["X-Page-Cache"] == "miss"  # made afresh
    assert client.get(f"{listing}?page=2").content == tagged
    assert b"utm_source" not in tagged and b"made_up" not in tagged
    assert b'href="?page=1"' in tagged  # the page links to its neighbour


def test_unread_parameters_on_the_article_page_share_its_entry(client, make_article):
    url = make_article().get_absolute_url()
    responses = [client.get(url), client.get(f"{url}?x=1"), client.get(f"{url}?comment=junk")]
    assert made(responses) == 1


def test_a_notice_the_article_page_shows_is_its_own_entry(client, make_article):
    url = make_article().get_absolute_url()
    plain = client.get(url)
    held = client.get(f"{url}?comment=held")
    assert made([plain, held]) == 2
    assert "awaiting review" in held.content.decode()
    assert "awaiting review" not in plain.content.decode()


def test_empty_page_parameter_is_the_first_page_not_a_404(client, make_article):
    article = make_article()
    response = client.get(f"/comments/article/{article.pk}/?page=")
    assert response.status_code == 200 and article.headline in response.content.decode()


def test_redirect_to_the_slashed_address_keeps_the_page_number(client, two_pages, section):
    response = client.get(f"/section/{section.slug}?page=2&utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == f"/section/{section.slug}/?page=2"


def test_a_signed_in_editor_sees_the_query_string_as_sent(client, two_pages, editor_user, section):
    client.force_login(editor_user)
    response = client.get(f"/section/{section.slug}/?page=2&utm_source=mail")
    assert "X-Page-Cache" not in response
    assert "utm_source=mail" in response.content.decode()  # in the pagination links


def test_no_page_parameter_is_a_tracking_parameter():
    from newsroom.pagecache import query

    names = {name for read in query.PAGE_PARAMETERS.values() for name in read}
    assert names and not any(query.is_tracking(name) for name in names)
    assert all(query.is_tracking(name) for name in ("utm_campaign", "fbclid", "mc_cid", "_ga"))


READS = re.compile(r"""GET(?:\.get\(|\[)\s*["'](\w+)["']""")


def test_every_parameter_the_code_reads_is_a_page_parameter():
    """A view that starts reading a parameter must say so, or the cache would drop it."""
    from articles.forms import SearchForm
    from newsroom.pagecache import query
    from newsroom.redirects.middleware import QUERY_KEYS

    known = {name for read in query.PAGE_PARAMETERS.values() for name in read}
    # Read by name in a variable: the search form's, the redirects', ListView's, sitemaps'.
    read = set(SearchForm.base_fields) | set(QUERY_KEYS) | {"page", "p"}
    for folder in ("articles", "comments", "newsroom", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".txt") and "admin" not in path.name:
                read |= set(READS.findall(path.read_text(encoding="utf-8")))
    assert read <= known, read - known
