"""A database that is busy (locked past the wait bound) or unreachable answers 503.

The wait bound (``DATABASE_WAIT_SECONDS``, settings) is short for app servers, so a
reader is told to try again in seconds instead of hanging; the page says so and carries
``Retry-After``. The comment form catches the same error itself, to show the reader's
text again (comments/views.py). One met outside a view, in a middleware, reaches the
500 handler, which answers the same 503 (newsroom/errors/views.py).
"""

import logging

from django.db.utils import OperationalError

from newsroom.errors.views import database_busy

logger = logging.getLogger(__name__)


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return database_busy()
