"""A database that is busy (locked past the wait bound) or unreachable answers 503.

The wait bound (``DATABASE_WAIT_SECONDS``, settings) is short for app servers, so a
reader is told to try again in seconds instead of hanging; the page says so and carries
``Retry-After``. The comment form catches the same error itself, to show the reader's
text again (comments/views.py).
"""

import logging

from django.conf import settings
from django.db.utils import OperationalError
from django.http import HttpResponse

from newsroom.errors.views import error_page

logger = logging.getLogger(__name__)


def busy_response() -> HttpResponse:
    # The error pages read nothing from the database.
    response = error_page(503, retry_after=settings.DATABASE_RETRY_AFTER)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return busy_response()
