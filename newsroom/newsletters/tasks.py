"""The newsletter work the task worker (``manage.py db_worker``) does; no cron.

``newsletter_clock`` drafts the editions whose time has come, sends those of newsletters
that send themselves, picks up any edition whose delivery stopped (a worker died), then
queues its own next run: at the next newsletter's send time, and at least every
``CLOCK_EVERY``. It is started by ``manage.py send_newsletters --schedule`` (safe at every
deploy: it queues a run only when none is waiting) and again whenever an editor saves a
newsletter.

``deliver_edition`` sends one batch. Before mailing it, it queues its successor, so a
worker killed mid-batch leaves the next run already in the queue: the restarted worker
carries on, and the dead one's rows are claimed again once their lease ends. The last run
finds nothing pending and marks the edition sent. ``watch_edition`` looks every lease
while an edition is sending and queues a run if none waits (a worker killed between
taking a run and queuing its successor); the clock restarts a watch that died too.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from . import editions, mail, sending
from .models import Edition, Newsletter

logger = logging.getLogger(__name__)

CLOCK_EVERY = timedelta(minutes=15)
TASK_DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


def can_wait() -> bool:
    """Can the task backend run a task later (a worker's queue, not run-at-once)?"""
    return default_task_backend.supports_defer


def enqueue_or_log(task_, *args, run_after=None) -> bool:
    """Queue a task; a queue that is down is logged: the clock's next run (or
    ``send_newsletters``) finds the work again."""
    chosen = task_.using(run_after=run_after) if run_after else task_
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint: a failed insert spoils nothing else
                chosen.enqueue(*args)
        else:
            chosen.enqueue(*args)
    except Exception:  # the backend's own errors (its table, its broker) are many
        logger.exception("could not queue %s%s", task_.name, args)
        return False
    return True


def send_edition(edition: Edition, root: str = "") -> bool:
    """Start sending a draft edition (once) and queue its delivery after commit."""
    if not sending.start(edition):
        return False
    transaction.on_commit(lambda: start_delivery(edition.pk, root))
    return True


def start_delivery(edition_id: int, root: str = "") -> None:
    enqueue_or_log(deliver_edition, edition_id, root)
    if can_wait():
        watch_later(edition_id, root)


def watch_later(edition_id: int, root: str) -> None:
    enqueue_or_log(watch_edition, edition_id, root, run_after=timezone.now() + sending.LEASE)


def delivery_waiting(edition_id: int) -> bool:
    """Is a run of ``deliver_edition`` for this edition waiting in the queue?"""
    if settings.TASKS["default"]["BACKEND"] != TASK_DATABASE_BACKEND:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=deliver_edition.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__args__0=edition_id,
    ).exists()


@task()
def watch_edition(edition_id: int, root: str = "") -> bool:
    """Every lease while an edition is sending: if no delivery run is waiting (a worker was
    killed between taking a run and queuing its successor), queue one. True if it did."""
    if not Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING).exists():
        return False
    restarted = not delivery_waiting(edition_id)
    if restarted:
        enqueue_or_log(deliver_edition, edition_id, root)
    watch_later(edition_id, root)
    return restarted


@task()
def deliver_edition(edition_id: int, root: str = "") -> dict[str, int]:
    """Write the rows if not yet written, then send a batch (or, run at once, all of it)."""
    edition = Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING).first()
    if edition is None:
        return {"sent": 0, "failed": 0}
    if edition.started_at is None:
        sending.write_rows(edition)
    rendered = mail.render(edition, root)
    totals = {"sent": 0, "failed": 0}
    while rows := sending.claim(edition_id):
        if can_wait():  # the successor waits in the queue while this batch is mailed
            enqueue_or_log(deliver_edition, edition_id, root)
        done = sending.send_rows(rendered, rows)
        totals = {key: totals[key] + done[key] for key in totals}
        if can_wait():
            break
    if not sending.finish(edition_id) and not rows:
        later = sending.next_claim_at(edition_id)
        if later is not None and can_wait():  # rows backing off, or held by a dead worker
            enqueue_or_log(deliver_edition, edition_id, root, run_after=later)
    return totals


def resume_stalled(now) -> int:
    """Restart delivery of editions still sending whose watch died with a worker."""
    sending_now = Edition.objects.filter(status=Edition.Status.SENDING)
    stalled = list(sending_now.values_list("pk", flat=True))
    for pk in stalled:
        watch_edition.call(pk)
    return len(stalled)


def run_clock(now=None) -> dict[str, int]:
    """Draft what is due, send what sends itself, resume what stalled."""
    now = now or timezone.now()
    drafted = editions.draft_all_due(now)
    started = [edition for edition in editions.due_to_send_itself(now) if send_edition(edition)]
    resumed = resume_stalled(now) if can_wait() else 0
    return {"drafted": len(drafted), "started": len(started), "resumed": resumed}


def next_run(now: datetime) -> datetime:
    slots = (editions.next_slot(n, now) for n in Newsletter.objects.exclude(cadence="on_publish"))
    return min([slot for slot in slots if slot is not None] + [now + CLOCK_EVERY])


def is_scheduled() -> bool:
    """Is a run of the clock already waiting in the queue?"""
    if settings.TASKS["default"]["BACKEND"] != TASK_DATABASE_BACKEND:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=newsletter_clock.module_path, status=TaskResultStatus.READY
    )
    return waiting.exists()


def schedule(at=None) -> bool:
    """Queue the clock's next run unless one waits (or tasks cannot wait). True if queued."""
    if not can_wait() or is_scheduled():
        return False
    return enqueue_or_log(newsletter_clock, run_after=at or next_run(timezone.now()))


@task()
def newsletter_clock() -> dict[str, int]:
    try:
        return run_clock()
    finally:  # a failed run must not stop the clock
        schedule()
