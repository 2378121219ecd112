"""The mail provider or the task queue being down never costs a reader's comment or an
editor's photo: the post is stored and acknowledged, the failure is logged, and the work
waits to be done later (a retry, or `manage.py queue_pending_mail`)."""

import io
import logging
import time
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db.utils import ProgrammingError
from django.test import Client
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks.backends.dummy import DummyBackend

from articles.models import Photo
from comments import notifications
from comments.forms import FORM_SALT
from comments.models import Comment, Subscription
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class DownBackend(BaseEmailBackend):
    """A mail provider that is down."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def article(make_article):
    return make_article("Dam reservoir reaches record level")


@pytest.fixture
def desk(make_staff):
    """An editor's browser: their comments are published at once, and announced."""
    browser = Client()
    browser.force_login(make_staff("Editor"))
    return browser


@pytest.fixture
def queue_down(settings, monkeypatch):
    """The task queue's table is gone (the database backend's error when it is)."""
    settings.TASKS = DUMMY_TASKS

    def refuse(self, task, args, kwargs):
        raise ProgrammingError('relation "django_tasks_database_dbtaskresult" does not exist')

    monkeypatch.setattr(DummyBackend, "enqueue", refuse)
    return lambda: monkeypatch.undo()


def post(browser, article, **fields):
    """The comment form, sent a minute after the page was made."""
    made = {"a": article.pk, "t": int(time.time()) - 60}
    data = {"name": "Desk", "email": "desk@example.org", "body": "Update: the road is open."}
    data.update(ts=signing.dumps(made, salt=FORM_SALT), **fields)
    return browser.post(f"/comments/article/{article.pk}/post/", data)


def test_mail_provider_down_keeps_the_notification_queued_and_sends_it_once_it_is_back(
    article, desk, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    Subscription.objects.create(
        article=article, email="bob@example.org", kind="all", confirmed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(desk, article)
    assert response.status_code == 303
    assert Comment.objects.get().is_public
    [first] = default_task_backend.results
    first.task.call(*first.args, **first.kwargs)  # the worker meets the provider down
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = default_task_backend.results[-1]
    assert retry.task.run_after > timezone.now()
    assert retry.task.call(*retry.args, **retry.kwargs) == 1

    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_task_queue_down_still_stores_and_acknowledges_the_comment_and_queues_it_later(
    article, desk, queue_down, django_capture_on_commit_callbacks, caplog
):
    Subscription.objects.create(
        article=article, email="bob@example.org", kind="all", confirmed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(desk, article, notify="replies", email="new@example.org")

    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.is_public and comment.notified_at is None  # pending, not lost
    wish = Subscription.objects.get(email="new@example.org")
    assert wish.created_at == notifications.NOT_QUEUED
    logged = [r.getMessage() for r in caplog.records if r.name == "comments.notifications"]
    assert f"could not queue notifications for comment {comment.pk}" in logged[-1]

    queue_down()  # the queue is back
    out = io.StringIO()
    call_command("queue_pending_mail", stdout=out)
    call_command("queue_pending_mail", stdout=io.StringIO())  # queued once, not twice

    assert "1 comment(s) and 1 confirmation mail(s)" in out.getvalue()
    queued = [(r.task.name, list(r.args)) for r in default_task_backend.results]
    assert queued == [("send_notifications", [comment.pk]), ("send_confirmation", [wish.pk])]


def test_task_queue_down_still_saves_the_photo_and_logs_the_renditions_left_to_make(
    admin_client, queue_down, django_capture_on_commit_callbacks, caplog
):
    upload = SimpleUploadedFile("market.jpg", jpeg_bytes(120, 80), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR):
        response = admin_client.post(
            "/admin/articles/photo/add/",
            {"image": upload, "alt_text": "Stalls at dawn", "caption": "The old market"},
        )

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.caption == "The old market" and photo.image
    assert any("build_renditions" in r.getMessage() for r in caplog.records)
