"""What `/readyz/` asks before a load balancer sends this app server readers.

Each check is a real, cheap question to one dependency; a check that raises names that
dependency as failed. `/healthz/` (liveness) asks none of them but the database.
"""

import socket
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from . import sharedcache

TASKS_DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


class TasksWaiting(Exception):
    pass


def database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def cache() -> None:
    sharedcache.round_trip()  # past the circuit breaker: a real write and read


# When this process last wrote to the media storage and read it back (monotonic seconds).
_last_write = {"at": float("-inf")}


def storage() -> None:
    """The media storage answers, and at most once a minute it takes a write too: a full
    disk or a bucket that has turned read-only breaks uploads long before reads."""
    # A missing name is an answer too; S3-style storage asks the bucket (HEAD).
    default_storage.exists("readiness-probe")
    if time.monotonic() - _last_write["at"] < settings.READY_STORAGE_WRITE_EVERY:
        return
    # One name per app server, so two probing at once never delete each other's file.
    name = default_storage.save(
        f"readiness/{socket.gethostname()}.txt", ContentFile(b"ok"), max_length=200
    )
    try:
        with default_storage.open(name) as written:
            if written.read() != b"ok":
                raise OSError("the storage gave back other bytes than it was given")
    finally:
        default_storage.delete(name)
    _last_write["at"] = time.monotonic()


def tasks() -> None:
    """The oldest task waiting for the worker is not older than READY_TASK_MAX_AGE."""
    aliases = [
        alias
        for alias, config in settings.TASKS.items()
        if config["BACKEND"] == TASKS_DATABASE_BACKEND
    ]
    if not aliases:
        return
    from django_tasks_db.models import DBTaskResult, get_date_max

    cutoff = timezone.now() - timedelta(seconds=settings.READY_TASK_MAX_AGE)
    overdue = DBTaskResult.objects.ready().filter(
        Q(run_after=get_date_max(), enqueued_at__lt=cutoff) | Q(run_after__lt=cutoff),
        backend_name__in=aliases,
    )
    if overdue.exists():
        raise TasksWaiting(f"a task has waited over {settings.READY_TASK_MAX_AGE} s")


CHECKS = {"database": database, "cache": cache, "storage": storage, "tasks": tasks}


def failures() -> list[str]:
    """One line per dependency that failed its check: its name and what went wrong."""
    found = []
    for name, check in CHECKS.items():
        if name == "tasks" and found and found[0].startswith("database"):
            continue  # asked of the database, which has already failed
        try:
            check()
        except Exception as error:  # any failure means "not ready", never a 500
            # The kind of error only: details (host names, keys) are not for the public.
            detail = str(error) if isinstance(error, TasksWaiting) else type(error).__name__
            found.append(f"{name}: {detail}")
    return found
