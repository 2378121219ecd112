"""Counting the database queries a page costs."""

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext


def count_queries(client, url) -> int:
    """Queries of a page rendered afresh (the page cache would serve it with none)."""
    with override_settings(PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def sqlite_steps(client, url) -> int:
    """The work SQLite does for a page rendered afresh, in thousands of its VM steps.

    Steps count rows read and sorted, so a page whose queries scan the archive takes more
    of them as the archive grows, while its number of queries stays the same.
    """
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    connection.ensure_connection()
    raw = connection.connection
    raw.set_progress_handler(count, 1000)
    try:
        with override_settings(PAGE_CACHE_SECONDS=0):
            response = client.get(url)
    finally:
        raw.set_progress_handler(None, 1000)
    assert response.status_code == 200, url
    return steps
