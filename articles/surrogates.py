"""What a page shows, named as surrogate keys while it is rendered.

Views, feeds and templates call ``show`` with the keys of the content they put on the
page (``article-42``, ``section-3``, ``comments-42``…); whoever renders the page inside
``collecting()`` (the page cache) gets the set, stores the page under it and tells the
edge cache, so a change to that content can be purged precisely. Outside ``collecting``
``show`` does nothing.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_shown: ContextVar[set[str] | None] = ContextVar("surrogate_keys", default=None)


@contextmanager
def collecting() -> Iterator[set[str]]:
    keys: set[str] = set()
    token = _shown.set(keys)
    try:
        yield keys
    finally:
        _shown.reset(token)


def show(*keys: str) -> None:
    shown = _shown.get()
    if shown is not None:
        shown.update(keys)


def article(pk) -> str:
    return f"article-{pk}"


def comments(article_pk) -> str:
    return f"comments-{article_pk}"


def neighbours(article_pk) -> str:
    """An article's page, which links to the articles published just before and after."""
    return f"neighbours-{article_pk}"


def listing(obj) -> str:
    """``section-3``, ``region-5``, ``author-7``: a section's, region's or author's pages."""
    return f"{obj._meta.model_name}-{obj.pk}"


def sidebar(obj) -> str:
    """Pages whose automatic sidebar lists the newest articles of a section or region."""
    return f"sidebar-{obj._meta.model_name}-{obj.pk}"


def show_articles(articles: Iterable) -> None:
    show(*(article(item.pk) for item in articles if item is not None))


def page(pk) -> str:
    """A page of the site itself (About, Support us…)."""
    return f"page-{pk}"


# The list of every region: a region added or renamed changes it.
REGIONS = "regions"
