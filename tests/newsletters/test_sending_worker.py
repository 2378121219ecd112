"""The worker's side: the clock queues itself, and a delivery chain cut by a kill restarts."""

from datetime import UTC, datetime, time
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.newsletters import editions, tasks
from newsroom.newsletters.models import Edition


@pytest.fixture
def task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting(task):
    return list(DBTaskResult.objects.filter(task_path=task.module_path, status="READY"))


def test_the_clock_wakes_at_the_next_send_time_and_runs_once(task_queue, make_newsletter):
    now = datetime(2026, 12, 7, 6, 50, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        make_newsletter(send_time=time(7, 0))
        assert "Queued the newsletter clock." in run_command("--schedule")
        assert "already queued" in run_command("--schedule")
    [queued] = waiting(tasks.newsletter_clock)
    assert queued.run_after == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def test_without_a_worker_queue_schedule_is_a_command_error(make_newsletter):
    with pytest.raises(Exception, match="cannot run tasks later"):
        run_command("--schedule")


def run_command(*args) -> str:
    out = StringIO()
    call_command("send_newsletters", *args, stdout=out)
    return out.getvalue()


def test_a_delivery_chain_cut_by_a_killed_worker_is_restarted_by_the_watch(
    task_queue, make_newsletter, make_article, subscribe, django_capture_on_commit_callbacks
):
    newsletter = make_newsletter()
    subscribe(newsletter)
    make_article()
    edition = editions.draft(newsletter, until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_edition(edition)
    assert len(waiting(tasks.deliver_edition)) == 1
    [watch] = waiting(tasks.watch_edition)
    assert watch.run_after > timezone.now()
    # The worker took the delivery run and died before queuing a successor.
    DBTaskResult.objects.filter(task_path=tasks.deliver_edition.module_path).update(
        status="RUNNING"
    )
    assert tasks.watch_edition.func(edition.pk)  # queues a delivery run again
    assert len(waiting(tasks.deliver_edition)) == 1
    assert not tasks.watch_edition.func(edition.pk)  # one is waiting: no second
    assert len(waiting(tasks.deliver_edition)) == 1
    tasks.deliver_edition.func(edition.pk)
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.SENT
    DBTaskResult.objects.all().delete()
    assert not tasks.watch_edition.func(edition.pk)  # sent: the watch ends
    assert waiting(tasks.watch_edition) == []
