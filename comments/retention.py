"""Commenters' IP addresses are kept only while they are useful: COMMENTS_IP_RETENTION_DAYS.

An IP address serves moderators judging recent comments ("this address also posted …"),
banning one by its IP, and the rate limits. Rate limits count in the cache at the time of
posting and never read stored addresses; a ban keeps its own copy of the address (with
its own end, COMMENTS_IP_BAN_DAYS). So after the retention period the addresses of
comments, and of readers' reports, are cleared.

A task does it daily. Each run clears in batches of ``BATCH`` rows, each batch its own
short transaction in primary-key order (an index walk, never a table-long lock), then
queues the next run for a day later, unless one is already waiting. It is started by
``manage.py purge_ip_addresses --schedule`` (safe to run at every deploy: it queues a run
only when none is waiting) and can be run by hand, at once, by ``purge_ip_addresses``.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from .models import Comment, Report

logger = logging.getLogger(__name__)

BATCH = 1000
EVERY = timedelta(days=1)
TASK_DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


def cutoff(now=None):
    """Rows made before this time no longer keep an IP address."""
    return (now or timezone.now()) - timedelta(days=settings.COMMENTS_IP_RETENTION_DAYS)


def _clear(model, before, batch: int) -> int:
    cleared, after = 0, 0
    old = model.objects.filter(ip__isnull=False, created_at__lt=before).order_by("pk")
    while True:
        pks = list(old.filter(pk__gt=after).values_list("pk", flat=True)[:batch])
        if not pks:
            return cleared
        cleared += model.objects.filter(pk__in=pks, ip__isnull=False).update(ip=None)
        after = pks[-1]


def forget_ip_addresses(now=None, *, batch: int = BATCH) -> dict[str, int]:
    """Clear the IP addresses older than the retention period; returns how many, by kind."""
    before = cutoff(now)
    return {"comments": _clear(Comment, before, batch), "reports": _clear(Report, before, batch)}


def is_scheduled() -> bool:
    """Is a run of the daily task already waiting in the queue?"""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend != TASK_DATABASE_BACKEND:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=forget_old_ip_addresses.module_path, status=TaskResultStatus.READY
    )
    return waiting.exists()


def schedule(delay: timedelta = EVERY) -> bool:
    """Queue the next daily run, ``delay`` from now, unless one is waiting (or the task
    backend cannot run a task later). True when one was queued."""
    if not default_task_backend.supports_defer or is_scheduled():
        return False
    later = forget_old_ip_addresses.using(run_after=timezone.now() + delay)
    later.enqueue()
    return True


@task()
def forget_old_ip_addresses() -> dict[str, int]:
    """The daily run: clear what is older than the retention period, then queue the next."""
    try:
        cleared = forget_ip_addresses()
        logger.info(
            "forgot the IP addresses of %(comments)s comments, %(reports)s reports", cleared
        )
    finally:  # a failed run must not end the chain of daily runs
        schedule()
    return cleared
