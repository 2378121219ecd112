"""The shared cache (Redis) is an accelerator, never a single point of failure.

``ResilientRedisCache`` is Django's own ``RedisCache`` behind a per-process circuit
breaker. When a call to Redis fails, the process leaves Redis alone for ``RETRY_SECONDS``
(so requests do not each wait for a connection to time out), then tries again. Meanwhile:

- reads are misses and writes are skipped: pages render uncached, and sessions
  (``cached_db``) are read from the database;
- counters (``add`` and ``incr``, which the comment rate limits use) count in this
  process, so a limit still limits, per process;
- every key a write could not reach is deleted from Redis as soon as it answers again,
  before anything else is read from it: a value changed or deleted during the outage (a
  content version, the session of someone who logged out) never comes back stale.

The outage is logged when it starts, at most once a minute while it lasts, and when it
ends. Code that keeps copies of its own asks ``is_up()`` and bypasses them while the
cache is down (the page cache: another process could not invalidate them).
``round_trip()`` is the readiness check's real question to the cache, past the breaker.
"""

import logging
import threading
import time
import uuid
from collections import OrderedDict
from functools import partial

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FAILURES = (RedisError, OSError)
LOG_EVERY_SECONDS = 60
# Keys whose writes did not reach Redis during an outage, remembered to be deleted there
# when it is back; beyond this many of a kind, the oldest are forgotten (and that is
# logged). Deletions and values without expiry (content versions) are kept apart from
# values that expire anyway, so a stream of those never pushes a content version out.
UNSENT_LIMIT = 10_000
COUNTERS_LIMIT = 10_000


class _Counters:
    """Per-process stand-ins for Redis counters while it is down (bounded, expiring)."""

    def __init__(self):
        self.values: dict[str, list] = {}
        self.lock = threading.Lock()  # threaded workers count in the same process

    def _live(self, key: str) -> list | None:
        found = self.values.get(key)
        if found is not None and found[0] is not None and found[0] <= time.monotonic():
            del self.values[key]
            return None
        return found

    def add(self, key: str, value, timeout) -> bool:
        with self.lock:
            if self._live(key) is not None:
                return False
            if len(self.values) >= COUNTERS_LIMIT:
                for old in list(self.values)[: COUNTERS_LIMIT // 10]:
                    del self.values[old]
            expires = None if timeout is None else time.monotonic() + timeout
            self.values[key] = [expires, value]
            return True

    def incr(self, key: str, delta: int) -> int:
        with self.lock:
            found = self._live(key)
            if found is None:
                raise ValueError(f"Key '{key}' not found.")
            found[1] += delta
            return found[1]


class Outage:
    """One process's view of one shared cache: up, or down and when to try again."""

    def __init__(self, name: str, retry_seconds: float):
        self.name = name
        self.retry_seconds = retry_seconds
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.logged_at = 0.0
        # Lasting (deletions, values without expiry) and expiring keys, apart.
        self.unsent = (OrderedDict(), OrderedDict())
        self.forgotten = 0
        self.counters = _Counters()

    @property
    def up(self) -> bool:
        return self.down_since is None

    def may_try(self) -> bool:
        """Up, or down and due for another try (one caller at a time gets to try)."""
        if self.down_since is None:
            return True
        with self.lock:
            now = time.monotonic()
            if now < self.retry_at:
                return False
            self.retry_at = now + self.retry_seconds
            return True

    def failed(self, error: Exception) -> None:
        with self.lock:
            now = time.monotonic()
            self.retry_at = now + self.retry_seconds
            if self.down_since is None:
                self.down_since = self.logged_at = now
                logger.warning(
                    "Shared cache %s is unavailable (%r): serving pages uncached, "
                    "trying again every %s s.",
                    self.name,
                    error,
                    self.retry_seconds,
                )
            elif now - self.logged_at >= LOG_EVERY_SECONDS:
                self.logged_at = now
                logger.warning(
                    "Shared cache %s is still unavailable after %d s (%r).",
                    self.name,
                    now - self.down_since,
                    error,
                )

    def recovered(self) -> None:
        with self.lock:
            if self.down_since is None:
                return
            logger.warning(
                "Shared cache %s is back after %d s%s.",
                self.name,
                time.monotonic() - self.down_since,
                f"; {self.forgotten} keys written meanwhile could not be cleared"
                if self.forgotten
                else "",
            )
            self.down_since, self.forgotten = None, 0

    def remember(self, keys, lasting: bool = True) -> None:
        unsent = self.unsent[0 if lasting else 1]
        with self.lock:
            for key in keys:
                unsent[key] = None
                unsent.move_to_end(key)
            while len(unsent) > UNSENT_LIMIT:
                unsent.popitem(last=False)
                self.forgotten += 1

    def has_unsent(self) -> bool:
        return bool(self.unsent[0] or self.unsent[1])

    def take_unsent(self) -> list[str]:
        with self.lock:
            keys = [*self.unsent[0], *self.unsent[1]]
            for unsent in self.unsent:
                unsent.clear()
            return keys


_outages: dict[tuple, Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(name: str, retry_seconds: float) -> Outage:
    """Django makes a cache backend per thread; the breaker is per process."""
    with _outages_lock:
        return _outages.setdefault((name, retry_seconds), Outage(name, retry_seconds))


class _GuardedClient(RedisCacheClient):
    """Django's Redis client, each call behind the breaker (keys are already made)."""

    def __init__(self, outage: Outage, servers, **options):
        super().__init__(servers, **options)
        self.outage = outage

    def _guard(self, call, fallback, written=(), lasting=True):
        outage = self.outage
        if not outage.may_try():
            outage.remember(written, lasting)
            return fallback()
        try:
            if outage.has_unsent():
                self._send_unsent()
            result = call()
        except FAILURES as error:
            outage.failed(error)
            outage.remember(written, lasting)
            return fallback()
        outage.recovered()
        return result

    def _send_unsent(self) -> None:
        """Delete what changed while Redis was away, before anything is read from it."""
        keys = self.outage.take_unsent()
        try:
            for start in range(0, len(keys), 500):
                super().delete_many(keys[start : start + 500])
        except FAILURES:
            self.outage.remember(keys)
            raise

    def get(self, key, default):
        return self._guard(partial(super().get, key, default), lambda: default)

    def get_many(self, keys):
        return self._guard(partial(super().get_many, keys), dict)

    def has_key(self, key):
        return self._guard(partial(super().has_key, key), lambda: False)

    def set(self, key, value, timeout):
        call = partial(super().set, key, value, timeout)
        return self._guard(call, lambda: None, [key], lasting=timeout is None)

    def set_many(self, data, timeout):
        call = partial(super().set_many, data, timeout)
        return self._guard(call, lambda: None, list(data), lasting=timeout is None)

    def touch(self, key, timeout):
        call = partial(super().touch, key, timeout)
        return self._guard(call, lambda: False, [key], lasting=timeout is None)

    def delete(self, key):
        return self._guard(partial(super().delete, key), lambda: False, [key])

    def delete_many(self, keys):
        return self._guard(partial(super().delete_many, keys), lambda: None, list(keys))

    def clear(self):
        return self._guard(super().clear, lambda: False)

    def add(self, key, value, timeout):
        local = partial(self.outage.counters.add, key, value, timeout)
        call = partial(super().add, key, value, timeout)
        return self._guard(call, local, [key], lasting=timeout is None)

    def incr(self, key, delta):
        local = partial(self.outage.counters.incr, key, delta)
        return self._guard(partial(super().incr, key, delta), local, [key], lasting=False)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that degrades instead of failing (see the module docstring).

    ``OPTIONS["RETRY_SECONDS"]`` (default 5) is how long a process leaves Redis alone
    after a failure; the other OPTIONS go to Redis' connection pool, as for RedisCache.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        name = ",".join(self._servers) + (f" (prefix {self.key_prefix})" if self.key_prefix else "")
        self.outage = _outage_of(name, retry_seconds)

    @cached_property
    def _cache(self):
        return _GuardedClient(self.outage, self._servers, **self._options)

    def round_trip(self) -> None:
        """Write a key and read it back, straight to Redis; raises when that fails."""
        key = self.make_and_validate_key(f"readiness:{uuid.uuid4().hex}")
        client = self._cache.get_client(key, write=True)
        client.set(key, b"ok", ex=10)
        if client.get(key) != b"ok":
            raise RedisError("a key written was not read back")
        client.delete(key)


def is_up(alias: str = "default") -> bool:
    """False while this process has found the shared cache unavailable."""
    outage = getattr(caches[alias], "outage", None)
    return outage is None or outage.up


def round_trip(alias: str = "default") -> None:
    """A real write and read of the cache, past any breaker; raises when that fails."""
    backend = caches[alias]
    if isinstance(backend, ResilientRedisCache):
        backend.round_trip()
        return
    key, token = f"readiness:{uuid.uuid4().hex}", uuid.uuid4().hex
    backend.set(key, token, timeout=10)
    if backend.get(key) != token:
        raise RuntimeError("a key written was not read back")
    backend.delete(key)
