"""The site's error pages: 400, 403 (and CSRF failures), 404, 405, 413, 429, 500, 503.

Each says what happened and what to do, in the site's look (templates/errors/layout.html).
They are rendered without the request's context processors and read nothing from the
database, so a 500 or 503 still renders while the database is down.
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers


def site() -> dict:
    return {"name": settings.SITE_NAME, "tagline": settings.SITE_TAGLINE}


def error_page(status: int, template: str | None = None, **context) -> HttpResponse:
    """A styled error page (``<status>.html``), never cached by browsers or CDNs."""
    body = render_to_string(
        template or f"{status}.html", {"site": site(), "status": status, **context}
    )
    response = HttpResponse(body, status=status)
    add_never_cache_headers(response)
    return response


def bad_request_reason(exception) -> str:
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return "too-many-fields"
    if isinstance(exception, MultiPartParserError):
        return "unreadable-form"
    return ""


def bad_request(request, exception=None):
    """handler400: a too-large body is a 413, a broken or overfull form says so."""
    if isinstance(exception, RequestDataTooBig):
        return error_page(413)
    return error_page(400, reason=bad_request_reason(exception))


def permission_denied(request, exception=None):
    return error_page(403)


def page_not_found(request, exception=None):
    return error_page(404)


def database_busy() -> HttpResponse:
    """503 with Retry-After: the database is locked past the wait bound or unreachable."""
    response = error_page(503, retry_after=settings.DATABASE_RETRY_AFTER)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    # A busy database met outside a view (in a middleware: the session, old addresses)
    # reaches this handler rather than DatabaseBusyMiddleware: it is still a 503.
    if isinstance(sys.exc_info()[1], OperationalError):
        return database_busy()
    return error_page(500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent with a session but without its security code."""
    return error_page(403, reason="csrf", cookie_missing=reason == REASON_NO_CSRF_COOKIE)


def method_not_allowed(request, allowed: list[str]) -> HttpResponse:
    response = error_page(405, allowed=allowed, method=request.method, path=request.path)
    response["Allow"] = ", ".join(allowed)
    return response
