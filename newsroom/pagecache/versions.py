"""What keeps cached pages fresh: a version per surrogate key, and the site's schedule.

A page is stored with the surrogate keys of what it shows (``keys``) and the value of a
shared *clock* read before it was rendered. A change moves the clock on and gives the
keys it invalidates (``keys.changed``) the new value: a page is served only while every
one of its keys is no newer than the page. So a comment approval re-renders the pages
showing that discussion, an edit the pages showing that article, and nothing else.

Everything sits under a site-wide *epoch* (``current_state``), which moves on when a
scheduled change falls due (an article goes live, a lead story's time ends, comments
close: no cron needed), when a change can alter every page (a section renamed), and
whenever the shared cache could not be told of a change: every page is then made again.

This module is the one place that decides what invalidates what: the domain apps only
announce their changes (``articles.signals.content_changed``,
``comments.signals.discussion_changed``), and ``PageCacheConfig.ready`` connects the
receivers below to them. The same keys are purged at the edge once the change commits.
"""

import time
import uuid

from django.core.cache import cache
from django.db import transaction

from articles import fragments, surrogates
from newsroom import sharedcache

from . import edge, keys

VERSION_KEY = "pagecache:version"


def _clock_key(epoch: str) -> str:
    return f"pagecache:clock:{epoch}"


def _key_version(epoch: str, name: str) -> str:
    return f"pagecache:key:{epoch}:{name}"


def current_state() -> dict | None:
    """The epoch, its time and when it ends, renewed when a scheduled change falls due.

    None while the shared cache is unavailable: no version can be agreed on, so pages are
    neither served from a cache nor stored (a copy one process kept could not be
    invalidated by the others).
    """
    state = cache.get(VERSION_KEY)
    if not sharedcache.is_up():
        return None
    if state is None or _due(state):
        state = bump()
    return state


def _due(state: dict) -> bool:
    return state["until"] is not None and time.time() >= state["until"]


def bump(editorial: dict | None = None) -> dict:
    """A new epoch: every cached page is out of date from now on.

    Also renews the editorial version of the articles' cached fragments (an article's
    parts, its neighbours, the section list), unless the caller just did.
    """
    editorial = editorial or fragments.renew()
    state = {"v": uuid.uuid4().hex[:16], "until": editorial["until"], "at": time.time()}
    cache.set(_clock_key(state["v"]), 0, timeout=None)
    cache.set(VERSION_KEY, state, timeout=None)
    return state


def clock(state: dict) -> int | None:
    """The clock of the epoch, read before a page is rendered; None if it was lost."""
    return cache.get(_clock_key(state["v"]))


def invalidate(names: set[str]) -> None:
    """Every page carrying one of these keys is out of date from now on."""
    if not names:
        return
    state = current_state()
    if keys.SITE in names or state is None:
        # A change everywhere, or a change the shared cache may not have heard of: a new
        # epoch (if Redis is down, its write is undone when Redis is back, which moves
        # the epoch on again then).
        bump()
        return
    try:
        now = cache.incr(_clock_key(state["v"]))
    except ValueError:  # the clock was lost (evicted, or cleared after an outage)
        bump()
        return
    cache.set_many({_key_version(state["v"], name): now for name in names}, timeout=None)


def still_fresh(entry: dict) -> dict | None:
    """The current state if the stored page may still be served, else None.

    One read of the shared cache: the epoch and every key version of the page.
    """
    names = [_key_version(entry["epoch"], name) for name in entry["keys"]]
    found = cache.get_many([VERSION_KEY, *names])
    state = found.get(VERSION_KEY)
    if state is None or state["v"] != entry["epoch"] or _due(state) or not sharedcache.is_up():
        return None
    # A key no change has touched yet is given a version when a page with it is stored.
    if all(found.get(name, entry["clock"] + 1) <= entry["clock"] for name in names):
        return state
    return None


def stamp(entry: dict) -> None:
    """Give the page's keys a version where they have none, so it can be checked."""
    for name in entry["keys"]:
        cache.add(_key_version(entry["epoch"], name), entry["clock"], timeout=None)


def _renew_editorial() -> None:
    """Cached fragments are made again; an earlier scheduled change starts a new epoch."""
    editorial = fragments.renew()
    state = cache.get(VERSION_KEY)
    sooner = editorial["until"] is not None and (
        state is None or state["until"] is None or editorial["until"] < state["until"]
    )
    if sooner:
        bump(editorial)


def _changed(names: set[str], article_ids: set, editorial: bool) -> None:
    """Invalidate now and again when the current transaction commits; purge the edge then.

    Now, so pages stop being served from before the change; again after the commit, so a
    page rendered meanwhile from not-yet-committed data is not kept. The after-commit
    work is registered once per transaction and computes the articles' keys afresh.
    """
    for pk in article_ids:
        names = names | keys.of_article(pk)
    if editorial:
        _renew_editorial()
    invalidate(names)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        edge.purge_later(names)
        return
    # Registered once per transaction (not again after a rollback dropped it, nor after
    # it ran early, as tests that capture on-commit callbacks make it).
    pending = connection.__dict__.get("pagecache_pending")
    registered = any(callback is _committed for _s, callback, _r in connection.run_on_commit)
    if pending is None or not registered:
        pending = {"names": set(), "articles": set(), "editorial": False}
        connection.pagecache_pending = pending
        transaction.on_commit(_committed)
    pending["names"] |= names
    pending["articles"] |= set(article_ids)
    pending["editorial"] |= editorial


def _committed() -> None:
    pending = transaction.get_connection().__dict__.pop("pagecache_pending", None)
    if pending is None:
        return
    names = pending["names"]
    for pk in pending["articles"]:
        names = names | keys.of_article(pk)
    if pending["editorial"]:
        _renew_editorial()
    invalidate(names)
    edge.purge_later(names)


def content_changed(sender=None, instance=None, **kwargs) -> None:
    """Receiver of ``articles.signals.content_changed``: an editor's change."""
    names, article_ids = (
        keys.changed(sender, instance) if instance is not None else ({keys.SITE}, set())
    )
    _changed(names, article_ids, editorial=True)


def discussion_changed(sender=None, article_ids=(), **kwargs) -> None:
    """Receiver of ``comments.signals.discussion_changed``: a shown comment changed."""
    _changed({surrogates.comments(pk) for pk in article_ids}, set(), editorial=False)


def newsletters_changed(sender=None, instance=None, **kwargs) -> None:
    """A newsletter (sign-up forms, its archive) or one of its editions (the archive, the
    edition's page) was saved or deleted."""
    newsletter_id = getattr(instance, "newsletter_id", None)
    names = {f"newsletter-{newsletter_id}"} if newsletter_id else {"newsletters"}
    if newsletter_id is None and instance is not None:
        names.add(f"newsletter-{instance.pk}")
    _changed(names, set(), editorial=False)
