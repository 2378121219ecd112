"""Search: the same behaviour on PostgreSQL (full-text) and SQLite (simple match)."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Quote
from tests.helpers.html import parse, text_of

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search only"
)


def results(client, **params) -> list[str]:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return [
        text_of(h)
        for h in parse(response).getElementsByTagName("h3")
        if "headline" in h.getAttribute("class")
    ]


@pytest.fixture
def corpus(make_article, make_region, make_author, make_section):
    iraq, kenya = make_region("Iraq"), make_region("Kenya")
    amira, daniel = make_author("Amira Khalil"), make_author("Daniel Okafor")
    business = make_section("Business")
    now = timezone.now()
    articles = {
        "headline": make_article("Drought grips the northern provinces", primary_region=kenya,
                                 regions=[kenya], authors=[daniel],
                                 publish_at=now - timedelta(days=1)),
        "standfirst": make_article("Farmers count the cost", standfirst="The drought has "
                                   "lasted three seasons.", regions=[kenya], authors=[daniel],
                                   publish_at=now - timedelta(days=2)),
        "body": make_article("Markets and weather", section=business, authors=[amira],
                             body="<p>Traders blame the drought for rising prices.</p>",
                             publish_at=now - timedelta(days=3)),
        "quote": make_article("Funds to be audited", primary_region=iraq, regions=[iraq],
                              authors=[amira], body="<p>Officials spoke.</p>",
                              publish_at=now - timedelta(days=40)),
        "kicker": make_article("A report on water", kicker="Drought watch", authors=[amira],
                               publish_at=now - timedelta(days=5)),
    }  # fmt: skip
    Quote.objects.create(
        article=articles["quote"],
        ordering=100,
        speaker="Karim al-Naseri",
        speaker_role="Vice President",
        text="Every dinar belongs to the people.",
    )
    make_article("Drought draft", status=Article.Status.DRAFT)
    make_article("Drought scheduled", publish_at=now + timedelta(days=1))
    return articles


def test_search_finds_words_in_headline_kicker_standfirst_and_body(client, corpus):
    found = results(client, q="drought")
    assert found[0] in ("KENYA: Drought grips the northern provinces",
                        "DROUGHT WATCH: A report on water")  # fmt: skip
    assert set(found) == {
        "KENYA: Drought grips the northern provinces",
        "DROUGHT WATCH: A report on water",
        "Farmers count the cost",
        "Markets and weather",
    }
    # Headline matches rank above standfirst matches, which rank above body matches.
    assert found.index("Farmers count the cost") < found.index("Markets and weather")


def test_search_finds_quote_speakers_and_their_words(client, corpus):
    assert results(client, q="al-Naseri") == ["IRAQ: Funds to be audited"]
    assert results(client, q="dinar") == ["IRAQ: Funds to be audited"]


def test_search_never_shows_unpublished_articles(client, corpus):
    assert not any("draft" in t or "scheduled" in t for t in results(client, q="drought"))


def test_search_needs_every_word(client, corpus):
    assert results(client, q="drought prices") == ["Markets and weather"]


def test_search_finds_articles_by_their_regions(client, corpus):
    assert set(results(client, q="kenya")) == {
        "KENYA: Drought grips the northern provinces",
        "Farmers count the cost",
    }


def test_search_leaves_out_words_written_with_a_minus(client, corpus):
    assert set(results(client, q="drought -kenya")) == {
        "DROUGHT WATCH: A report on water",
        "Markets and weather",
    }
    assert "Markets and weather" not in results(client, q="drought -prices")


def test_search_filters_by_section_region_author_and_dates(client, corpus):
    business = corpus["body"].section
    assert results(client, q="drought", section=business.slug) == ["Markets and weather"]
    assert set(results(client, q="drought", region=corpus["headline"].primary_region.slug)) == {
        "KENYA: Drought grips the northern provinces",
        "Farmers count the cost",
    }
    amira = corpus["body"].author_list[0]
    assert set(results(client, q="drought", author=amira.slug)) == {
        "Markets and weather",
        "DROUGHT WATCH: A report on water",
    }
    day = timezone.localdate() - timedelta(days=2)
    assert results(client, q="drought", date_from=day, date_to=day) == ["Farmers count the cost"]
    # Filters alone list what they select, newest first.
    assert results(client, author=amira.slug) == [
        "Markets and weather",
        "DROUGHT WATCH: A report on water",
        "IRAQ: Funds to be audited",
    ]


def test_search_highlights_the_match_and_escapes_the_rest(client, make_article):
    make_article(
        "Rain <b>returns</b> to the valley",
        standfirst="After rain, <i>relief</i>.",
        body="<p>Long before the rain came, wells ran dry &amp; crops failed.</p>",
    )
    document = parse(client.get("/search/", {"q": "rain"}))
    result = next(
        a
        for a in document.getElementsByTagName("article")
        if "search-result" in a.getAttribute("class")
    )
    marks = [text_of(mark).lower() for mark in result.getElementsByTagName("mark")]
    assert marks and set(marks) == {"rain"}
    assert not result.getElementsByTagName("b") and not result.getElementsByTagName("i")
    headline = text_of(result.getElementsByTagName("h3")[0])
    assert headline == "Rain <b>returns</b> to the valley"
    snippet = [p for p in result.getElementsByTagName("p") if p.getAttribute("class") == "snippet"]
    assert "wells ran dry & crops failed" in text_of(snippet[0])


def test_search_results_are_paginated_keeping_the_query(client, make_article, settings):
    for i in range(25):
        make_article(f"Harvest report {i}")
    first = parse(client.get("/search/", {"q": "harvest", "section": "world"}))
    links = [a.getAttribute("href") for a in first.getElementsByTagName("a")
             if a.getAttribute("rel") == "next"]  # fmt: skip
    assert links == ["?q=harvest&section=world&page=2"]
    assert len(results(client, q="harvest", section="world", page=2)) == 5


@pytest.mark.parametrize(
    "query",
    [
        "",
        " ",
        "x" * 5000,
        "drought " * 300,
        "'; DROP TABLE articles_article; --",
        '"unclosed phrase',
        "a & | ! ( ) : * <-> \\",
        "-drought",
        "or",
        "🌧️ ☔",
        "%",
        "_",
        "<script>alert(1)</script>",
    ],
)
def test_odd_queries_give_a_normal_page(client, corpus, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


@pytest.mark.parametrize(
    "params",
    [
        {"section": "no-such"},
        {"region": "slug\u0663"},
        {"author": "x" * 500},
        {"date_from": "yesterday"},
        {"date_from": "2024-02-30"},
        {"date_from": "2025-01-02", "date_to": "2025-01-01"},
        {"page": "abc"},
        {"q": "drought", "page": "999"},
    ],
)
def test_odd_filters_give_a_normal_page_or_not_found(client, corpus, params):
    assert client.get("/search/", params).status_code in (200, 404)
    if "page" not in params:
        assert client.get("/search/", params).status_code == 200


def test_too_long_query_says_so(client, corpus):
    document = parse(client.get("/search/", {"q": "x" * 201}))
    assert "at most 200 characters" in text_of(document.getElementsByTagName("main")[0])


def test_search_page_queries_do_not_grow_with_results(client, make_article, make_author):
    author = make_author()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/search/", {"q": "storm"}).status_code == 200
        return len(captured)

    make_article("Storm one", authors=[author])
    before = queries()
    for i in range(15):
        make_article(f"Storm {i}", authors=[author, make_author()])
    assert queries() == before <= 10


@on_postgresql
def test_postgresql_search_stems_words_in_the_configured_language(client, corpus):
    # "droughts" and "audit" are not in the text; their stems are.
    assert "KENYA: Drought grips the northern provinces" in results(client, q="droughts")
    assert results(client, q="audit") == ["IRAQ: Funds to be audited"]


@on_postgresql
def test_postgresql_search_uses_the_gin_index(corpus):
    from articles import search

    window = search.search(Article.objects.all(), "drought").window
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = window.explain()
    assert "article_search_idx" in plan


@override_settings(TIME_ZONE="Asia/Baghdad")
def test_date_filters_are_whole_days_in_the_sites_time_zone_read_from_the_index(
    client, make_article
):
    """23:30 in Baghdad is 20:30 UTC the same day; 00:30 is still the day before in UTC.
    The bounds are moments, so the publish-time index answers them, not each row's date."""
    from zoneinfo import ZoneInfo

    baghdad = ZoneInfo("Asia/Baghdad")
    late = make_article("Late edition", publish_at=datetime(2024, 3, 9, 23, 30, tzinfo=baghdad))
    early = make_article("Early edition", publish_at=datetime(2024, 3, 10, 0, 30, tzinfo=baghdad))
    assert results(client, date_to="2024-03-09") == [late.display_headline]
    assert results(client, date_from="2024-03-10", date_to="2024-03-10") == [early.display_headline]
    with CaptureQueriesContext(connection) as queries:
        results(client, date_from="2024-03-10")
    filtered = [q["sql"] for q in queries if '"publish_at" >=' in q["sql"]]
    assert filtered
    for sql in filtered:  # neither PostgreSQL's ::date nor SQLite's cast per row
        assert "::date" not in sql and "cast_date" not in sql
