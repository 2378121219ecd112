"""Searching published articles: headline, kicker, standfirst, body, quotes and regions.

The body is searched through ``Article.body_text``, the words of its text blocks.

On PostgreSQL this is full-text search in the configured language (``SEARCH_CONFIG``):
a weighted document (headline and kicker > standfirst > body), stored by the database in
``Article.search_document`` (migration 0016), matched through its GIN index, ranked from it
(the newest ``SEARCH_WINDOW`` matches), with the matches of one page of results
highlighted by ``ts_headline``. Elsewhere (SQLite) every word of the query must appear
somewhere, headline matches rank first, and matches are highlighted in Python. Both take
the reader's text as data only: no query syntax can make them fail.

``search()`` finds the results (a queryset, on PostgreSQL a ``Ranked`` sequence of keys
whose slices are articles); ``highlight()`` then decorates the articles of one page
with ``headline_html``, ``standfirst_html`` and ``snippet_html`` (escaped, with <mark>).
"""

import re
from collections.abc import Sequence
from functools import cached_property

from django.conf import settings
from django.db import connections
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Article, Quote, Region, TaggedRegion

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
SNIPPET_WORDS = 30
# Private-use characters mark matches inside database output; text is escaped first and
# only then are these turned into <mark> elements.
START, STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_WORD = re.compile(r"\w+")


def is_postgresql(articles: QuerySet) -> bool:
    return connections[articles.db].vendor == "postgresql"


def search(articles: QuerySet, query: str) -> QuerySet:
    """``articles`` that match ``query``, best first, as cards: on PostgreSQL the best of
    the newest ``SEARCH_WINDOW`` matches, on SQLite the matches among the newest
    ``SEARCH_WINDOW`` articles (see ``window``)."""
    if is_postgresql(articles):
        return _postgres_search(articles, query)
    return _simple_search(articles, query)


def highlight(articles: list[Article], query: str) -> None:
    for article in articles:
        if hasattr(article, "hl_headline"):
            article.headline_html = _marked(article.hl_headline)
            article.standfirst_html = _marked(article.hl_standfirst)
            article.snippet_html = _marked(article.hl_body)
        else:
            terms = _terms(query)
            article.headline_html = _mark_terms(article.headline, terms)
            article.standfirst_html = _mark_terms(article.standfirst, terms)
            article.snippet_html = _mark_terms(_snippet(article.body_text, terms), terms)


# --- PostgreSQL ------------------------------------------------------------------------


def _postgres_matches(articles: QuerySet, query: str) -> tuple[QuerySet, object, list]:
    """``articles`` matching ``query`` (unranked), the tsquery, and the ids matched by a
    quote or region."""
    from django.contrib.postgres.search import SearchQuery

    config = settings.SEARCH_CONFIG
    # websearch_to_tsquery accepts anything a reader types ("quoted phrases", -not, or).
    tsquery = SearchQuery(query, search_type="websearch", config=config)
    # Quotes and regions (the usual kicker) are rows of their own; the articles with a
    # matching quote or region are looked up first so the main query stays an index scan
    # (GIN or primary key).
    quoted = list(_related_matches(articles, tsquery, config))
    # A word written with a minus excludes articles whose quotes or regions have it, too.
    for word in (word for excluded, word in _words(query) if excluded):
        unwanted = SearchQuery(word, search_type="plain", config=config)
        articles = articles.exclude(pk__in=list(_related_matches(articles, unwanted, config)))
    return articles.filter(Q(search_document=tsquery) | Q(pk__in=quoted)), tsquery, quoted


def _postgres_search(articles: QuerySet, query: str) -> "Ranked":
    from django.contrib.postgres.search import SearchRank

    matched, tsquery, quoted = _postgres_matches(articles, query)
    # Bounded: only the newest SEARCH_WINDOW matches are ranked (see ``window``), so a
    # common word costs what a rare one does however large the archive. Ranked from the
    # stored document (``Article.search_document``): no article's text is parsed again.
    window = (
        matched.prefetch_related(None)
        .annotate(
            rank=SearchRank(F("search_document"), tsquery)
            + Case(When(pk__in=quoted, then=Value(0.1)), default=Value(0.0))
        )
        .order_by("-publish_at", "-pk")
        .values_list("pk", "rank", "publish_at")[: settings.SEARCH_WINDOW]
    )
    return Ranked(window, tsquery)


class Ranked(Sequence):
    """PostgreSQL's results, best first: the keys and ranks of the window's matches in
    one query (a few numbers per match: its count is their number), and the articles of
    one page, as highlighted cards, in one more."""

    def __init__(self, window: QuerySet, tsquery):
        self.window, self.tsquery = window, tsquery

    @cached_property
    def keys(self) -> list[int]:
        best_first = sorted(self.window, key=lambda row: (-row[1], -row[2].timestamp(), -row[0]))
        return [pk for pk, _rank, _published in best_first]

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        keys = self.keys[index]
        from django.contrib.postgres.search import SearchHeadline

        marks = {"start_sel": START, "stop_sel": STOP, "config": settings.SEARCH_CONFIG}
        cards = Article.objects.for_listing().annotate(
            hl_headline=SearchHeadline("headline", self.tsquery, highlight_all=True, **marks),
            hl_standfirst=SearchHeadline("standfirst", self.tsquery, highlight_all=True, **marks),
            hl_body=SearchHeadline(
                "body_text",
                self.tsquery,
                max_words=SNIPPET_WORDS,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
                **marks,
            ),
        )
        found = cards.in_bulk(keys)
        return [found[pk] for pk in keys if pk in found]


def quote_document(config: str):
    """A quote's words as PostgreSQL matches them: the expression ``quote_search_idx``
    (migration 0016) indexes, which must stay the same for the index to be used."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("speaker", "speaker_role", "text", config=config)


def _related_matches(articles: QuerySet, tsquery, config):
    """Ids of ``articles`` with a quote (speaker, role, words) or region matching.

    Quotes are matched through their GIN index (``quote_search_idx``, migration 0016): the
    document here must stay the one indexed there.
    """
    from django.contrib.postgres.search import SearchVector

    quotes = (
        Quote.objects.filter(article__in=articles.values("pk"))
        .annotate(document=quote_document(config))
        .filter(document=tsquery)
        .values_list("article_id", flat=True)
    )
    # The few regions whose names match first: the articles tagged with them are then
    # found by the tag's index, never by reading every tag of every article.
    named = Region.objects.annotate(document=SearchVector("name", config=config)).filter(
        document=tsquery
    )
    regions = TaggedRegion.objects.filter(
        tag__in=list(named.values_list("pk", flat=True)), content_object__in=articles.values("pk")
    ).values_list("content_object_id", flat=True)
    return quotes.union(regions)


def _marked(text: str) -> SafeString:
    """Escape database output, then turn its match markers into <mark> elements."""
    marked = _MARKED.sub(r"<mark>\1</mark>", str(escape(text or "")))
    return mark_safe(marked.replace(START, "").replace(STOP, ""))  # noqa: S308


# --- Everything else (SQLite) ----------------------------------------------------------


def _words(query: str) -> list[tuple[bool, str]]:
    """(excluded, word) pairs: a word written with a leading minus must not appear."""
    found = []
    for token in (query or "").split():
        excluded = token.startswith("-")
        found += [(excluded, word[:MAX_TERM_LENGTH]) for word in _WORD.findall(token)]
    return found[:MAX_TERMS]


def _terms(query: str) -> list[str]:
    return [word for excluded, word in _words(query) if not excluded]


def _matches(term: str, among: QuerySet) -> Q:
    """Articles with ``term`` in their text, quotes or regions, among the keys ``among``."""
    quoted = Quote.objects.filter(
        Q(speaker__icontains=term) | Q(speaker_role__icontains=term) | Q(text__icontains=term),
        article__in=among,
    ).values("article_id")
    tagged = TaggedRegion.objects.filter(
        tag__name__icontains=term, content_object__in=among
    ).values("content_object_id")
    return (
        Q(headline__icontains=term)
        | Q(kicker__icontains=term)
        | Q(standfirst__icontains=term)
        | Q(body_text__icontains=term)
        | Q(pk__in=quoted)
        | Q(pk__in=tagged)
    )


def window(articles: QuerySet) -> int | None:
    """How many of ``articles`` (the newest) a search looks through, when not all of them.

    On PostgreSQL the index finds matches among all of them: None (it ranks the newest
    ``SEARCH_WINDOW`` matches: see ``ranked``). Elsewhere a search reads the text of every
    article it looks at, so it looks at the newest ``SEARCH_WINDOW``.
    """
    if is_postgresql(articles):
        return None
    most = settings.SEARCH_WINDOW
    return most if articles.order_by()[: most + 1].count() > most else None


def ranked(results, found: int) -> int | None:
    """On PostgreSQL, ``SEARCH_WINDOW`` when the ``found`` results of a search filled it:
    then only the newest matches were ranked, and there may be more."""
    most = settings.SEARCH_WINDOW
    return most if isinstance(results, Ranked) and found >= most else None


def _simple_search(articles: QuerySet, query: str) -> QuerySet:
    terms = _terms(query)
    if not terms:
        return articles.none()
    # Bounded: only the newest SEARCH_WINDOW articles that fit the filters are read (see
    # ``window``), looked up by key, as cards with their bodies (for the snippets).
    newest = articles.order_by("-publish_at", "-pk").values("pk")[: settings.SEARCH_WINDOW]
    articles = Article.objects.for_listing().defer(None).filter(pk__in=newest)
    for excluded in (word for minus, word in _words(query) if minus):
        articles = articles.exclude(_matches(excluded, newest))
    rank = Value(0)
    for term in terms:
        articles = articles.filter(_matches(term, newest))
        rank = rank + Case(
            When(Q(headline__icontains=term) | Q(kicker__icontains=term), then=Value(4)),
            When(standfirst__icontains=term, then=Value(2)),
            default=Value(1),
        )
    return articles.annotate(rank=rank).order_by("-rank", "-publish_at", "-pk")


def _pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    return re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)


def _mark_terms(text: str, terms: list[str]) -> SafeString:
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        pieces += [escape(text[position : match.start()]), f"<mark>{escape(match[0])}</mark>"]
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped


def _snippet(text: str, terms: list[str]) -> str:
    """About SNIPPET_WORDS words of ``text`` around its first match."""
    words = text.split()
    pattern = _pattern(terms)
    first = next((i for i, word in enumerate(words) if pattern and pattern.search(word)), 0)
    start = max(0, first - SNIPPET_WORDS // 3)
    excerpt = " ".join(words[start : start + SNIPPET_WORDS])
    return ("… " if start else "") + excerpt + (" …" if start + SNIPPET_WORDS < len(words) else "")
