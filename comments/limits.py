"""Counters for abuse limits, kept in the shared cache so every app server sees them.

Ours rather than django-ratelimit's: that library limits a view by a key taken from the
request before the view runs, while our limits are steps of the moderation pipeline
(after the closed-comments and form-timestamp checks, before anything is stored; keyed by
client address and by the normalised mailbox the reader typed) and of the confirmation
mail; and their counters fall back to per-process ones while the shared cache is down
(newsroom/sharedcache.py), where a decorator's cache calls would fail the request.
"""

from django.core.cache import cache


def hit(key: str, seconds: int) -> int:
    """Count one more use of ``key`` in a window of ``seconds``; returns the uses so far."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
