"""Costs that do not grow with the archive: 50 articles cost what 300 do."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import sitemaps
from articles.models import Article, Byline, TaggedRegion
from tests.helpers.html import find, parse, text_of
from tests.helpers.queries import count_queries, sqlite_steps

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's bounded search")


def public_urls(section, region, authors) -> list[str]:
    newest = Article.objects.published().first()
    return [
        "/",
        newest.get_absolute_url(),
        "/?page=2",
        section.get_absolute_url(),
        section.get_absolute_url() + "?page=2",
        region.get_absolute_url(),
        authors[0].get_absolute_url(),
        "/rss/",
        "/atom/",
        section.get_absolute_url() + "rss/",
        region.get_absolute_url() + "rss/",
        authors[0].get_absolute_url() + "atom/",
        "/sitemap.xml",
        "/sitemap-sections.xml",
        "/sitemap-regions.xml",
        "/sitemap-authors.xml",
        "/sitemap-articles-1.xml",
        "/sitemap-news.xml",
        "/search/?q=storm+archive",
        "/search/?q=storm&section=" + str(section.pk),
        "/corrections/",
        "/section/",
        "/region/",
    ]


@override_settings(LISTING_MAX_PAGES=3, SEARCH_WINDOW=50)
def test_public_page_queries_do_not_grow_with_the_archive(client, grow_archive, section):
    region, authors = grow_archive(50)  # 25 in the section: two pages
    urls = public_urls(section, region, authors)
    for url in urls:  # the site's navigation is cached after the first page
        count_queries(client, url)
    small = {url: count_queries(client, url) for url in urls}
    grow_archive(250)
    large = {url: count_queries(client, url) for url in urls}
    assert large == small
    assert max(large.values()) <= 9


def test_listings_and_feeds_do_not_read_article_bodies(client, grow_archive, section):
    region, authors = grow_archive(30)
    listings = [section, region, authors[0]]
    for url in ["/", "/rss/", *(listing.get_absolute_url() for listing in listings),
                section.get_absolute_url() + "rss/"]:  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert b"Archived story" in response.content, url  # the cards are there
        assert not [q for q in queries if '"articles_article"."body_text"' in q["sql"]], url
        assert not [q for q in queries if "search_document" in q["sql"]], url


def test_article_page_does_not_read_the_search_document(client, make_article):
    article = make_article("A story with its own page")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert b"A story with its own page" in response.content
    assert not [q for q in queries if "search_document" in q["sql"]]


@override_settings(LISTING_MAX_PAGES=2)
def test_lists_go_no_deeper_than_the_page_limit_and_say_where_older_articles_are(
    client, grow_archive, section
):
    grow_archive(100)  # 50 in the section, more than two pages of 20 hold
    url = section.get_absolute_url()
    last = parse(client.get(url + "?page=2"))
    assert len(find(last, "h3", "headline")) == 20
    nav = find(last, "nav", "pagination")[0]
    assert "Page 2 of the first 2" in text_of(nav)
    assert client.get(url + "?page=3").status_code == 404
    # The way on: this section's articles in search, from the day of the oldest shown.
    in_section = Article.objects.published().filter(section=section).order_by("-publish_at")
    oldest_shown, next_older = in_section[39], in_section[40]
    day = timezone.localdate(oldest_shown.publish_at).isoformat()
    href = find(nav, "a", "older-in-search")[0].getAttribute("href")
    assert href == f"/search/?section={section.slug}&date_to={day}"
    older = parse(client.get(href))
    assert next_older.display_headline in [text_of(h) for h in find(older, "h3", "headline")]


@override_settings(LISTING_MAX_PAGES=2, SEARCH_WINDOW=100)
def test_searchs_last_page_links_to_the_same_search_from_the_oldest_day_shown(client, grow_archive):
    grow_archive(60)  # every one has "storm": more than two pages of results
    last = parse(client.get("/search/", {"q": "storm", "page": "2"}))
    assert "Page 2 of the first 2" in text_of(find(last, "nav", "pagination")[0])
    # Alike but for their dates, the stories rank newest first: page 2 ends with the 40th.
    oldest = Article.objects.published().order_by("-publish_at")[39]
    assert text_of(find(last, "h3", "headline")[-1]).endswith(oldest.headline)
    day = timezone.localdate(oldest.publish_at).isoformat()
    href = find(last, "a", "older-in-search")[0].getAttribute("href")
    assert href == f"/search/?q=storm&date_to={day}"


@on_sqlite
@override_settings(SEARCH_WINDOW=10)
def test_sqlite_search_looks_through_the_newest_articles_and_says_so(client, grow_archive):
    grow_archive(30)
    page = parse(client.get("/search/", {"q": "storm"}))
    headlines = {text_of(h) for h in find(page, "h3", "headline")}
    newest = Article.objects.published().order_by("-publish_at")[:10]
    assert headlines == {article.display_headline for article in newest}
    note = find(page, "p", "search-window")[0]
    assert "Searched the newest 10 articles" in text_of(note)


@on_sqlite
@override_settings(LISTING_MAX_PAGES=3, SEARCH_WINDOW=50)
def test_public_pages_do_no_more_database_work_with_a_larger_archive(
    client, grow_archive, section, monkeypatch
):
    monkeypatch.setattr(sitemaps, "ARTICLES_PER_FILE", 20)  # the first file is full at once
    region, authors = grow_archive(100)  # every page shown is full already
    urls = public_urls(section, region, authors)
    for url in urls:  # the site's navigation is cached after the first page
        sqlite_steps(client, url)

    def steps(url: str) -> int:
        # The least of three: SQLite's step count wobbles by a thousand or so between
        # identical requests, which is all a small page (a feed) costs.
        return min(sqlite_steps(client, url) for _ in range(3))

    small = {url: steps(url) for url in urls}
    grow_archive(300)
    large = {url: steps(url) for url in urls}
    grown = {url: (small[url], large[url]) for url in urls if large[url] > small[url] * 1.2 + 2}
    assert grown == {}


def steps_of(work) -> int:
    """SQLite's VM steps (in hundreds) for ``work()``: they count the rows it reads."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    connection.ensure_connection()
    connection.connection.set_progress_handler(count, 100)
    try:
        work()
    finally:
        connection.connection.set_progress_handler(None, 100)
    return steps


@on_sqlite
def test_an_articles_sidebar_and_neighbours_cost_the_same_however_many_came_after_it(
    grow_archive, section
):
    """The parts of an article page read a few rows by index from the article's place,
    not every article published since (nor all of its section and region)."""
    region, _ = grow_archive(40)
    article = Article.objects.published().order_by("publish_at")[20]

    def parts():
        assert len(article.sidebar_links()) == 5
        assert all(article.neighbours())

    parts()  # connections and statements warm
    before = steps_of(parts)
    newer = Article.objects.bulk_create(
        Article(
            headline=f"Newer story {i}",
            slug=f"newer-{i}",
            section=section,
            primary_region=region,
            status=Article.Status.PUBLISHED,
            publish_at=article.publish_at + timedelta(minutes=i + 1),
        )
        for i in range(400)
    )
    TaggedRegion.objects.bulk_create(TaggedRegion(content_object=a, tag=region) for a in newer)
    after = steps_of(parts)
    assert after <= before * 1.2 + 2, (before, after)


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's stored search document"
)


def plan_of(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on a table of thousands
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@on_postgresql
def test_postgresql_search_matches_and_ranks_from_the_stored_document(
    client, grow_archive, make_article
):
    grow_archive(300)
    make_article("Hailstones fall on the desert")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")  # statistics, as a live database has
    with override_settings(PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
        page = parse(client.get("/search/", {"q": "hailstones"}))
    assert len(find(page, "h3", "headline")) == 1  # the one article with the word
    # The regions whose names match, then the ranked window (its length is the count);
    # the page's cards are fetched by key.
    matching = [q["sql"] for q in queries if "@@" in q["sql"] and q["sql"].startswith("SELECT")]
    names, window = matching
    assert names.startswith('SELECT "articles_region"."id"')
    assert "ts_rank" in window and "to_tsvector" not in window  # no article parsed again
    # The stored document's index answers the match (whether the planner prefers it to
    # the published-articles index depends on the statistics of so small a table).
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery("hailstones", config=settings.SEARCH_CONFIG)
    document = Article.objects.filter(search_document=query)
    assert "article_search_idx" in plan_of(*document.query.sql_with_params())


@on_postgresql
def test_postgresql_search_document_follows_every_edit(make_article):
    from articles import search

    article = make_article("Quiet morning", body="<p>Nothing to report.</p>")
    published = Article.objects.published()
    assert list(search.search(published, "thunder")) == []
    article.headline = "Thunder at dawn"
    article.save()
    assert list(search.search(published, "thunder")) == [article]
    Article.objects.filter(pk=article.pk).update(body_text="Hailstones in the valley.")
    assert list(search.search(published, "hailstones")) == [article]


@on_postgresql
def test_postgresql_quotes_are_matched_through_their_index(make_article):
    """The expression search matches quotes by is the one their GIN index holds (the plan
    of a small table may still prefer another path; this asks only whether it can)."""
    from django.contrib.postgres.search import SearchQuery

    from articles import search
    from articles.models import Quote

    make_article("Quoted")
    config = settings.SEARCH_CONFIG
    quoted = Quote.objects.annotate(document=search.quote_document(config)).filter(
        document=SearchQuery("budget", config=config)
    )
    sql, params = quoted.query.sql_with_params()
    assert "quote_search_idx" in plan_of(sql, params)


@on_postgresql
@pytest.mark.parametrize(
    ("link", "listing", "index"),
    [(TaggedRegion, "tag", "region_articles_idx"), (Byline, "author", "author_articles_idx")],
)
def test_postgresql_a_listings_articles_are_read_from_an_index_of_their_keys(
    grow_archive, link, listing, index
):
    """Whether a region or author has a published article (their sitemaps, and the
    sitemap index that counts them) is read from an index of their articles' keys, which
    stops at the first: the plain index on the listing alone had PostgreSQL gather every
    row of theirs first. (A small table's plan may prefer another path for the whole
    query; this asks whether the index can answer its part.)"""
    grow_archive(40)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")  # as for a large listing
    owner = link.objects.values_list(f"{listing}_id", flat=True).first()
    article = {"tag": "content_object_id", "author": "article_id"}[listing]
    keys = link.objects.filter(**{f"{listing}_id": owner}).order_by().values(article)
    assert f"Index Only Scan using {index}" in plan_of(*keys.query.sql_with_params())


@on_postgresql
@override_settings(SEARCH_WINDOW=10, PAGE_CACHE_SECONDS=0)
def test_postgresql_search_ranks_only_the_newest_matches_and_says_so(
    client, grow_archive, make_article
):
    grow_archive(30)  # every one has the common word "storm"
    rare = make_article("Hailstones fall on the desert")
    oldest = Article.objects.order_by("publish_at").first().publish_at
    Article.objects.filter(pk=rare.pk).update(publish_at=oldest - timedelta(days=1))
    # A rare word is found however old its article: the index finds every match.
    page = parse(client.get("/search/", {"q": "hailstones"}))
    assert [text_of(h) for h in find(page, "h3", "headline")] == [rare.headline]
    assert not find(page, "p", "search-window")
    # A common word: only the newest ten matches are ranked, and the reader is told.
    with CaptureQueriesContext(connection) as queries:
        page = parse(client.get("/search/", {"q": "storm"}))
    headlines = {text_of(h) for h in find(page, "h3", "headline")}
    newest = Article.objects.published().order_by("-publish_at")[:10]
    assert headlines == {article.display_headline for article in newest}
    assert "Ranked the newest 10 matches" in text_of(find(page, "p", "search-window")[0])
    assert text_of(find(page, "h2", "section-title")[0]).startswith("At least 10 results")
    (ranking,) = [q["sql"] for q in queries if "ts_rank" in q["sql"]]
    # One query ranks the window, cut by date: the newest ten matches, a few numbers each.
    assert ranking.endswith("ORDER BY 3 DESC, 1 DESC LIMIT 10")  # publish time, key


@on_sqlite
def test_sitemaps_find_regions_and_authors_without_articles_by_index(
    client, grow_archive, make_region, make_author
):
    """A region or author with no published article is found out from its own (no) rows,
    not by reading every published article in search of one of theirs."""
    grow_archive(50)
    make_region("Unvisited")
    make_author("Never published")
    urls = ["/sitemap.xml", "/sitemap-regions.xml", "/sitemap-authors.xml"]

    def steps(url: str) -> int:
        with override_settings(PAGE_CACHE_SECONDS=0):
            return steps_of(lambda: client.get(url))

    for url in urls:  # the site's navigation is cached after the first page
        steps(url)
    small = {url: steps(url) for url in urls}
    grow_archive(400)
    large = {url: steps(url) for url in urls}
    assert {url: (small[url], large[url]) for url in urls if large[url] > small[url] + 2} == {}


@on_postgresql
def test_postgresql_keeps_a_long_articles_search_document_in_its_row(make_article):
    """Ranking reads each match's stored document: kept (compressed) in the row, not in
    TOAST chunks that cost a lookup of their own per match (migration 0018)."""
    import random

    words = random.Random(7).choices(
        [f"{a}{b}{c}" for a in "bcdfglmnprst" for b in "aeiou" for c in "klmnrst"], k=500
    )
    article = make_article("Long read", body=f"<p>{' '.join(words)}</p>")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(search_document), reltoastrelid::regclass::text "
            "FROM articles_article, pg_class WHERE relname = 'articles_article' AND id = %s",
            [article.pk],
        )
        size, toast = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {toast}")  # noqa: S608 - a relation's name
        assert size > 2000  # a document TOAST would have moved out of a 2 kB row
        assert cursor.fetchone()[0] == 0


@on_postgresql
def test_postgresql_pages_query_without_parallel_workers(db):
    """A page's few-row queries would wait for workers to start (DATABASE_PARALLEL_WORKERS)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
