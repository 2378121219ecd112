"""The page cache: finished pages for anonymous readers, served before anything else runs.

Pages are stored with the surrogate keys of what they show (``articles.surrogates``) and
served while ``versions`` finds none of those keys changed since; each process keeps a
short-lived local copy in front of the shared cache (Redis in production), which keeps
hits cheap. The keys also go out in the header the configured edge cache reads (``edge``).
"""

import gzip
import hashlib
import re
import time
from collections import OrderedDict
from email.utils import formatdate, parsedate_to_datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

from articles import surrogates
from comments.readers import VERIFIED_COOKIE

from . import edge, keys, query, versions

UNCACHEABLE_PREFIXES = (
    "/admin/",
    "/preview/",
    "/comments/confirm/",
    "/comments/unsubscribe/",
    "/comments/reader/",
    "/my-data/",
    "/newsletters/confirm/",
    "/newsletters/preferences/",
    "/newsletters/unsubscribe/",
    "/newsletters/webhooks/",
    "/healthz/",
    "/readyz/",
)
# Pages at least this long are also stored gzipped, once, when they are first made.
GZIP_MIN_BYTES = 1024
LINK_MARGIN_SECONDS = 60
_ACCEPTS_GZIP = re.compile(r"\bgzip\b(?!\s*;\s*q=0(?:\.0+)?\s*(?:,|$))")
# Request cookies that make a page personal: it is then neither served from nor stored
# in the shared cache.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, VERIFIED_COOKIE)


class _LocalCopies:
    """A small per-process LRU of recently served pages, each kept for a few seconds."""

    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict[str, tuple[float, dict]] = OrderedDict()

    def get(self, key: str) -> dict | None:
        found = self.entries.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        self.entries.move_to_end(key)
        return found[1]

    def put(self, key: str, entry: dict) -> None:
        self.entries[key] = (time.monotonic() + settings.PAGE_CACHE_LOCAL_SECONDS, entry)
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def clear(self) -> None:
        self.entries.clear()


_local = _LocalCopies()


def public_cache_control(until: float | None = None, links_until: float | None = None) -> str:
    """Browsers keep a page briefly; an edge cache we purge keeps it long.

    Neither keeps it, nor serves it while revalidating, past ``until``: the next scheduled
    change (an article going live), which no purge announces. Nor past ``links_until``,
    when the signed media links it was rendered with expire: not even while the site is
    down (stale-if-error), as a page of broken images is no page to serve.
    """
    browser, stale, error = settings.PAGE_CACHE_MAX_AGE, settings.PAGE_CACHE_STALE_SECONDS, 86400
    shared = settings.EDGE_CACHE_SECONDS if settings.EDGE_CACHE else browser
    ends = [end for end in (until, links_until) if end is not None]
    if ends:
        left = max(0, int(min(ends) - time.time()))
        stale = min(stale, left)
        browser, shared = min(browser, left - stale), min(shared, left - stale)
    if links_until is not None:
        error = min(error, max(0, int(links_until - time.time())))
    return (
        f"public, max-age={browser}, s-maxage={shared}, "
        f"stale-while-revalidate={stale}, stale-if-error={error}"
    )


def links_expire(entry: dict) -> float | None:
    """When the signed media links of a stored page stop working (``MEDIA_SIGNED_URLS``).

    They were signed while the page was made, just before it was stored; a minute's margin
    covers the making and clocks a little apart.
    """
    if not getattr(settings, "MEDIA_SIGNED_URLS", False):
        return None
    return entry["modified"] + settings.MEDIA_SIGNED_URL_SECONDS - LINK_MARGIN_SECONDS


def _shared_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and not request.path.startswith((settings.STATIC_URL, *UNCACHEABLE_PREFIXES))
        and not any(name in request.COOKIES for name in PERSONAL_COOKIES)
        # A plain-HTTP request that is to be redirected to HTTPS goes on to do so.
        and (request.is_secure() or not settings.SECURE_SSL_REDIRECT)
    )


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "Cookie" not in response.get("Vary", "")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _gzip_etag(etag: str) -> str:
    """The gzipped variant is another representation, so it has its own entity tag."""
    return f'{etag[:-1]}-gzip"'


def _not_modified(request, entry: dict, etag: str) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return etag in {tag.strip() for tag in if_none_match.split(",")} or if_none_match == "*"
    if_modified_since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since:
        try:
            return parsedate_to_datetime(if_modified_since).timestamp() >= int(entry["modified"])
        except (TypeError, ValueError):
            return False
    return False


def _respond(request, entry: dict, hit: str, state: dict):
    """The stored page, or 304. Its headers were prepared when it was stored, but for
    its lifetime in caches, which shrinks as the next scheduled change nears."""
    body, etag = entry["body"], entry["etag"]
    gzipped = entry["gzip"] is not None and _ACCEPTS_GZIP.search(
        request.META.get("HTTP_ACCEPT_ENCODING", "")
    )
    if gzipped:
        body, etag = entry["gzip"], _gzip_etag(etag)
    if _not_modified(request, entry, etag):
        response = HttpResponseNotModified(headers=entry["revalidation_headers"])
    else:
        response = HttpResponse(body, headers=entry["headers"])
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["X-Page-Cache"] = hit
    if entry["public"]:
        response["Cache-Control"] = public_cache_control(state["until"], links_expire(entry))
    for name, value in edge.key_headers({*entry["keys"], keys.SITE}).items():
        response[name] = value
    return response


def _entry(response, state: dict, clock: int, shown: set[str]) -> dict:
    """What is stored of a finished page: its bytes, a gzipped copy, its headers, and
    what it shows (its surrogate keys, checked by ``versions.still_fresh``)."""
    body = response.content
    public = "Cache-Control" not in response  # else the view chose it
    now = time.time()
    response["Last-Modified"] = formatdate(int(now), usegmt=True)
    # Compressed here, once, so no hit ever compresses (mtime=0: the same bytes on every
    # app server, so the entity tag holds across them).
    packed = None
    if len(body) >= GZIP_MIN_BYTES and "Content-Encoding" not in response:
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        patch_vary_headers(response, ("Accept-Encoding",))
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in {"content-length", "etag", "x-page-cache"}
    ]
    return {
        "epoch": state["v"],
        "clock": clock,
        "keys": sorted(shown),
        "public": public,
        "body": body,
        "gzip": packed,
        "etag": f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"',
        "modified": int(now),
        "headers": headers,
        # A 304 carries the same caching and security headers, but no body metadata.
        "revalidation_headers": [
            (name, value)
            for name, value in headers
            if name.lower() not in {"content-type", "content-language", "content-disposition"}
        ],
    }


def page_key(request) -> str:
    """The cache key of the page a shared request asks for.

    The request first loses the query parameters its page does not read (``query``), so
    the key cannot be multiplied by made-up or tracking parameters, and the page made for
    it is the same bytes as the page made without them.
    """
    query.keep_page_parameters(request)
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode()
    return f"pagecache:page:{hashlib.blake2b(address, digest_size=16).hexdigest()}"


class PageCacheMiddleware:
    """Serve and store whole pages for anonymous GETs; first in MIDDLEWARE.

    First, so a hit runs no other middleware: the headers the others add (security
    headers among them) were stored with the page and are replayed with it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _shared_request(request):
            return self.get_response(request)
        key = page_key(request)
        entry = _local.get(key)
        state = entry and versions.still_fresh(entry)
        if state:
            return _respond(request, entry, "hit-local", state)
        entry = cache.get(key)
        state = entry and versions.still_fresh(entry)
        if state:
            _local.put(key, entry)
            return _respond(request, entry, "hit", state)
        return self.render(request, key)

    def render(self, request, key: str):
        """Make the page, noting what it shows; store it unless it is personal."""
        state = versions.current_state()
        if state is None:  # the shared cache is down: serve the page uncached
            return self.get_response(request)
        clock = versions.clock(state)
        if clock is None:  # the epoch's clock was lost: start a new one
            state, clock = versions.bump(), 0
        with surrogates.collecting() as shown:
            response = self.get_response(request)
        if not _storable(response):
            return response
        entry = _entry(response, state, clock, shown | keys.of_kind(request.path_info))
        versions.stamp(entry)
        cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        _local.put(key, entry)
        return _respond(request, entry, "miss", state)
