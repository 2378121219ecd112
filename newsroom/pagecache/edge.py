"""Purging the edge caches in front of the site (Varnish, Fastly, Cloudflare) by key.

``EDGE_CACHE`` names them, comma-separated: ``varnish://10.0.0.5:6081`` (the shipped VCL
accepts ``PURGE`` with an ``xkey-purge`` header from the app servers' addresses),
``fastly://SERVICE_ID`` and ``cloudflare://ZONE_ID`` (with ``EDGE_CACHE_TOKEN``, or
``FASTLY_API_TOKEN`` / ``CLOUDFLARE_API_TOKEN``). None configured: nothing is purged,
and pages tell shared caches to keep them only briefly.

Purges run off the request path, once the change has committed (a django-tasks task),
are logged, and are retried with a growing delay when an edge does not accept them.
"""

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from newsroom import sharedcache

logger = logging.getLogger(__name__)

RETRY_DELAY = timedelta(seconds=30)
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10


class PurgeFailed(Exception):
    pass


def _request(url: str, **kwargs) -> urllib.request.Request:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"an edge is reached over HTTP(S), not {url!r}")
    return urllib.request.Request(url, **kwargs)  # noqa: S310 (the scheme is checked above)


def _send(request: urllib.request.Request) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.read()
    except (urllib.error.URLError, OSError) as error:
        raise PurgeFailed(f"{request.get_method()} {request.full_url}: {error}") from error


@dataclass(frozen=True)
class Varnish:
    """A Varnish running the shipped VCL: ``PURGE /`` with the keys in ``xkey-purge``."""

    address: str
    header = "xkey"
    batch = 100

    def purge(self, keys: list[str]) -> None:
        request = _request(
            f"http://{self.address}/", method="PURGE", headers={"xkey-purge": " ".join(keys)}
        )
        _send(request)


@dataclass(frozen=True)
class Fastly:
    """Fastly's batch purge by surrogate key (at most 256 keys a call)."""

    service: str
    token: str = field(repr=False)
    header = "Surrogate-Key"
    batch = 256

    def purge(self, keys: list[str]) -> None:
        request = _request(
            f"{settings.FASTLY_API_URL.rstrip('/')}/service/{self.service}/purge",
            method="POST",
            data=json.dumps({"surrogate_keys": keys}).encode(),
            headers={
                "Fastly-Key": self.token,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        _send(request)


@dataclass(frozen=True)
class Cloudflare:
    """Cloudflare's purge by cache tag (at most 30 tags a call)."""

    zone: str
    token: str = field(repr=False)
    header = "Cache-Tag"
    batch = 30

    def purge(self, keys: list[str]) -> None:
        request = _request(
            f"{settings.CLOUDFLARE_API_URL.rstrip('/')}/zones/{self.zone}/purge_cache",
            method="POST",
            data=json.dumps({"tags": keys}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        answer = json.loads(_send(request) or b"{}")
        if not answer.get("success", False):
            raise PurgeFailed(f"Cloudflare refused the purge: {answer.get('errors')}")


def target(spec: str):
    """One edge, from its ``EDGE_CACHE`` entry."""
    parts = urlsplit(spec)
    if parts.scheme == "varnish":
        return Varnish(parts.netloc)
    if parts.scheme == "fastly":
        return Fastly(parts.netloc, settings.FASTLY_API_TOKEN)
    if parts.scheme == "cloudflare":
        return Cloudflare(parts.netloc, settings.CLOUDFLARE_API_TOKEN)
    raise ValueError(f"EDGE_CACHE: unknown edge {spec!r} (varnish, fastly, cloudflare)")


def specs() -> list[str]:
    return [part.strip() for part in settings.EDGE_CACHE.split(",") if part.strip()]


def targets() -> list:
    """The configured edges, from ``EDGE_CACHE``."""
    return [target(spec) for spec in specs()]


def key_headers(keys) -> dict[str, str]:
    """The response headers that give a page's keys to each configured edge."""
    value = " ".join(sorted(keys))
    return {edge.header: value for edge in targets()}


def purge_later(keys) -> None:
    """Queue a purge of these keys at every edge (the caller runs it after the commit)."""
    if not keys or not settings.EDGE_CACHE:
        return
    for spec in specs():
        _enqueue(purge_edge, spec, sorted(keys), 1)


def _enqueue(task_, *args) -> None:
    try:
        task_.enqueue(*args)
    except Exception:  # the change is made; at worst the page lives until its TTL
        logger.exception("Could not queue the edge purge of %s", args)


def _invalidate_app_cache(keys: list[str]) -> None:
    """The app's own cache first: an edge purged in front of a page cache that missed the
    change would only fetch the old page again (as when the process that made the
    change found the shared cache unavailable). Not while it is unavailable here."""
    from . import versions

    versions.invalidate(set(keys))
    if not sharedcache.is_up():
        raise PurgeFailed("the shared cache is unavailable, so the app's pages may be old")


@task()
def purge_edge(spec: str, keys: list[str], attempt: int = 1) -> bool:
    """Purge keys at one edge (an ``EDGE_CACHE`` entry); retried later when it does not
    answer or refuses."""
    edge = target(spec)
    started = time.monotonic()
    try:
        _invalidate_app_cache(keys)
        for start in range(0, len(keys), edge.batch):
            edge.purge(keys[start : start + edge.batch])
    except PurgeFailed as error:
        later = attempt < MAX_ATTEMPTS and default_task_backend.supports_defer
        logger.warning(
            "Edge purge of %d keys at %s failed (attempt %d): %s; %s",
            len(keys),
            edge,
            attempt,
            error,
            "trying again later" if later else "giving up: the pages live until their TTL",
        )
        if later:
            run_after = timezone.now() + RETRY_DELAY * attempt
            _enqueue(purge_edge.using(run_after=run_after), spec, keys, attempt + 1)
        return False
    logger.info(
        "Purged %d keys at %s in %.0f ms: %s",
        len(keys),
        edge,
        (time.monotonic() - started) * 1000,
        " ".join(keys[:20]) + (" …" if len(keys) > 20 else ""),
    )
    return True
