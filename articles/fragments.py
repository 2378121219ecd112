"""Parts of pages that only editors change, cached until the next editorial change.

An article's bylines, quotes, photos and neighbours, and the section list, are the same
on every render until an editor changes something (or a scheduled article goes live), so
they are cached under an *editorial version*. A page re-rendered because a comment was
approved then costs two queries, not a dozen. Whoever learns of an editorial change calls
``renew`` (the page cache does, on ``content_changed``).
"""

import time
import uuid

from django.core.cache import cache

VERSION_KEY = "fragments:version"


def renew() -> dict:
    """A new editorial version, valid until the next scheduled change of the content."""
    from .models import Article

    state = {"v": uuid.uuid4().hex[:16], "until": Article.objects.next_change_timestamp()}
    cache.set(VERSION_KEY, state, timeout=None)
    return state


def version() -> str:
    state = cache.get(VERSION_KEY)
    if state is None or (state["until"] is not None and time.time() >= state["until"]):
        state = renew()
    return state["v"]


def cached(name: str, build, timeout: int | None = 24 * 3600):
    """``build()``, cached under this editorial version (never stale: the key moves on)."""
    key = f"fragment:{name}:{version()}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=timeout)
    return value
