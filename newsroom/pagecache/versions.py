"""The content version that keys every cached page, and what moves it on.

Anything that changes what readers see (an editor saves, a moderator approves, a
scheduled article's time comes, comments close) moves the version on, so nothing is
purged by hand and nothing is stale: old entries are simply never asked for again and
expire. The version is always read from the shared cache, so every process sees a
change at once.

This module is the one place that decides what invalidates what: the domain apps only
announce their changes (``articles.signals.content_changed``,
``comments.signals.discussion_changed``), and ``PageCacheConfig.ready`` connects the
receivers below to them.
"""

import time
import uuid

from django.core.cache import cache
from django.db import transaction

from articles import fragments
from newsroom import sharedcache

VERSION_KEY = "pagecache:version"


def current_state() -> dict | None:
    """The content version and its time, renewed when a scheduled change falls due.

    None while the shared cache is unavailable: no version can be agreed on, so pages are
    neither served from a cache nor stored (a copy one process kept could not be
    invalidated by the others).
    """
    state = cache.get(VERSION_KEY)
    if not sharedcache.is_up():
        return None
    if state is None or (state["until"] is not None and time.time() >= state["until"]):
        state = bump()
    return state


def bump() -> dict:
    """Move the content version on: every cached page is out of date from now on.

    Also renews the editorial version of the articles' cached fragments (an article's
    parts, its neighbours, the section list), which only editors change.
    """
    editorial = fragments.renew()
    state = {"v": uuid.uuid4().hex[:16], "until": editorial["until"], "at": time.time()}
    cache.set(VERSION_KEY, state, timeout=None)
    return state


def bump_discussion() -> dict:
    """A comment was shown or hidden: pages change, editorial fragments do not."""
    state = {**(current_state() or bump()), "v": uuid.uuid4().hex[:16], "at": time.time()}
    cache.set(VERSION_KEY, state, timeout=None)
    return state


def _now_and_on_commit(bumper) -> None:
    """Bump now and again when the current transaction commits.

    Now, so pages stop being served from before the change; again after the commit, so a
    page rendered meanwhile from not-yet-committed data is not kept under the new
    version. The after-commit bump is registered once per transaction.
    """
    bumper()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        callback is bumper for _sids, callback, _robust in connection.run_on_commit
    ):
        transaction.on_commit(bumper)


def content_changed(**kwargs) -> None:
    """Receiver of ``articles.signals.content_changed``: an editor's change."""
    _now_and_on_commit(bump)


def discussion_changed(**kwargs) -> None:
    """Receiver of ``comments.signals.discussion_changed``: a shown comment changed."""
    _now_and_on_commit(bump_discussion)
