"""Commenters' IP addresses are forgotten after COMMENTS_IP_RETENTION_DAYS, by a daily task
that queues its own next run, or by hand; what needs recent addresses keeps working."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import moderation, retention
from comments.models import Comment, Report

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def aged(article, make_comment, settings):
    """Comments and reports either side of the 90-day line, with and without an address."""
    settings.COMMENTS_IP_RETENTION_DAYS = 90
    now = timezone.now()
    made = {}
    for label, age in (("old", 91 * DAY), ("older", 400 * DAY), ("recent", 89 * DAY)):
        comment = make_comment(article, name=label, ip="198.51.100.7", created_at=now - age)
        Report.objects.create(comment=comment, kind="spam", ip="203.0.113.5", created_at=now - age)
        made[label] = comment
    make_comment(article, name="never had one", ip=None, created_at=now - 200 * DAY)
    return made


def addresses() -> dict[str, str | None]:
    return dict(Comment.objects.values_list("name", "ip"))


def test_only_addresses_older_than_the_retention_period_are_forgotten(aged):
    cleared = retention.forget_ip_addresses(batch=1)  # a batch of one: every batch runs
    assert cleared == {"comments": 2, "reports": 2}
    assert addresses() == {
        "old": None,
        "older": None,
        "recent": "198.51.100.7",
        "never had one": None,
    }
    assert list(Report.objects.exclude(ip=None).values_list("comment__name", flat=True)) == [
        "recent"
    ]


def test_a_second_run_finds_nothing_more(aged):
    retention.forget_ip_addresses()
    assert retention.forget_ip_addresses() == {"comments": 0, "reports": 0}


def test_moderators_still_see_and_ban_the_address_of_a_recent_comment(aged, make_staff):
    retention.forget_ip_addresses()
    for comment in aged.values():
        comment.refresh_from_db()
    recent = aged["recent"]
    result = moderation.ban(recent, by=make_staff("Moderator"), ip=True)
    assert result.ban.ip == "198.51.100.7"
    old = moderation.ban(aged["old"], by=make_staff("Moderator", "mod2"), ip=True)
    assert old.ban.ip is None and "IP not banned" in old.message


@pytest.fixture
def task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting():
    path = retention.forget_old_ip_addresses.module_path
    return list(DBTaskResult.objects.filter(task_path=path, status="READY"))


def test_daily_run_clears_and_queues_the_next_run_a_day_later_once(aged, task_queue):
    before = timezone.now()
    assert retention.forget_old_ip_addresses.func() == {"comments": 2, "reports": 2}
    [queued] = waiting()
    assert before + DAY <= queued.run_after <= timezone.now() + DAY
    retention.forget_old_ip_addresses.func()  # a second chain is never started
    assert len(waiting()) == 1


def test_a_failed_run_still_queues_the_next(aged, task_queue, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(retention, "forget_ip_addresses", broken)
    with pytest.raises(RuntimeError):
        retention.forget_old_ip_addresses.func()
    assert len(waiting()) == 1


def run(*args) -> str:
    out = StringIO()
    call_command("purge_ip_addresses", *args, stdout=out)
    return out.getvalue()


def test_command_clears_now_and_says_how_many(aged):
    output = run()
    assert "Forgot the IP addresses of 2 comment(s) and 2 report(s)" in output
    assert "(90 days ago)" in output
    assert addresses()["old"] is None and addresses()["recent"] == "198.51.100.7"


def test_command_schedules_the_daily_task_once(task_queue, db):
    assert "Queued the daily task" in run("--schedule")
    assert "already queued" in run("--schedule")
    [queued] = waiting()
    assert queued.run_after <= timezone.now()  # the first run is now, the next ones daily


def test_command_refuses_to_schedule_where_tasks_cannot_wait(db):
    # The default backend runs tasks at once: a daily chain would never wait a day.
    with pytest.raises(CommandError, match="cannot run tasks later"):
        run("--schedule")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--batch", "0"], "--batch must be at least 1"), (["--batch", "x"], "invalid int")],
)
def test_command_refuses_bad_arguments(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_command_line_exit_codes_and_where_it_writes(aged, capsys):
    execute_from_command_line(["manage.py", "purge_ip_addresses"])  # returns: exit 0
    out, err = capsys.readouterr()
    assert "2 comment(s)" in out and err == ""
    with pytest.raises(SystemExit) as exit:
        execute_from_command_line(["manage.py", "purge_ip_addresses", "--batch", "0"])
    out, err = capsys.readouterr()
    assert exit.value.code == 1
    assert "--batch must be at least 1" in err and out == ""
