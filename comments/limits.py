"""Counters for abuse limits, kept in the shared cache so every app server sees them."""

from django.core.cache import cache


def hit(key: str, seconds: int) -> int:
    """Count one more use of ``key`` in a window of ``seconds``; returns the uses so far."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
