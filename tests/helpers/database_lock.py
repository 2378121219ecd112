"""Another connection holding the write lock a request needs, past a shortened wait."""

import threading
from contextlib import contextmanager

from django.db import connection, connections, transaction


@contextmanager
def comments_locked(wait_seconds: float = 0.3):
    """While inside, writing a comment waits for a lock another connection holds, and
    gives up after ``wait_seconds`` (the request's bound, shortened for the test).

    SQLite: another thread's write transaction holds the writer turn. PostgreSQL: another
    connection holds the comments table in EXCLUSIVE mode, and this connection's
    ``lock_timeout`` is shortened."""
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        cursor.execute("LOCK TABLE comments_comment IN EXCLUSIVE MODE")
                    else:  # BEGIN IMMEDIATE has the writer turn; a write makes it SQLite's
                        cursor.execute("UPDATE comments_comment SET name = name WHERE 0")
                holding.set()
                release.wait(timeout=30)
        except BaseException as error:
            errors.append(error)
            holding.set()
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(timeout=10)
    assert not errors, errors
    options = connection.settings_dict["OPTIONS"]
    before = options.get("timeout")
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {round(wait_seconds * 1000)}")
        else:
            options["timeout"] = wait_seconds
        yield
    finally:
        release.set()
        holder.join(timeout=10)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        else:
            options["timeout"] = before
