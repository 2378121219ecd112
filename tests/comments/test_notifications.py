"""Reader notifications: double opt-in, one mail per comment per address, off the request.

Mail is read from the test outbox as a reader's mailbox would receive it, and the links in
it are followed as a reader (or their mail client) would follow them. Comments are
approved the way production approves them: by the pipeline or a moderator's click, with
the transaction committed (``django_capture_on_commit_callbacks``) so the work queued on
commit really runs.
"""

import io
import logging
import re
import signal
import time
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as OutboxBackend
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from comments import notifications
from comments.models import Comment, Delivery, ReaderLink, Subscription
from comments.readers import SIGN_IN_SALT, VERIFIED_COOKIE, VERIFIED_SALT, verified_email

BROKEN_BACKEND = f"{__name__}.BrokenBackend"
PICKY_BACKEND = f"{__name__}.PickyBackend"
OUTBOX_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class PickyBackend(OutboxBackend):
    """Delivers to the test outbox, but refuses every address at refused.example."""

    def send_messages(self, messages):
        for message in messages:
            refused = [a for a in message.to if a.endswith("@refused.example")]
            if refused:
                raise SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"No such user")))
        return super().send_messages(messages)


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def link_in(message, url_name: str) -> str:
    """The path of the first link in a mail that leads to ``comments:<url_name>``."""
    for url in re.findall(r"https?://\S+", message.body):
        path = urlsplit(url).path
        if resolve(path).view_name == f"comments:{url_name}":
            return path
    raise AssertionError(f"no {url_name} link in: {message.body}")


def verified(client: Client, email: str) -> Client:
    """What confirming an address leaves in a browser: the signed, proven address."""
    response = HttpResponse()
    response.set_signed_cookie(VERIFIED_COOKIE, email, salt=VERIFIED_SALT)
    client.cookies[VERIFIED_COOKIE] = response.cookies[VERIFIED_COOKIE].value
    return client


def proven_address(cookie) -> str:
    """The address a verified-cookie proves, read as the comment form reads it."""
    request = HttpRequest()
    request.COOKIES[VERIFIED_COOKIE] = cookie.value
    return verified_email(request)


def logged(caplog, logger: str, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger and r.levelno == level]


@pytest.fixture
def subscribe(article):
    """A subscription as posting a comment makes it; confirmed unless told otherwise."""

    def make(email, kind=Subscription.Kind.ALL, *, confirmed=True):
        return Subscription.objects.create(
            article=article,
            email=email,
            kind=kind,
            confirmed_at=timezone.now() if confirmed else None,
        )

    return make


@pytest.fixture
def moderate(make_staff, django_capture_on_commit_callbacks):
    """A moderator's one-click decision in the queue, committed."""
    moderator = Client()
    moderator.force_login(make_staff("Moderator"))

    def click(comment: Comment, action: str = "approve") -> None:
        url = reverse("admin:comments_comment_moderate", args=[comment.pk, action])
        with django_capture_on_commit_callbacks(execute=True):
            response = moderator.post(url)
        assert response.status_code == 302, response.status_code
        comment.refresh_from_db()

    return click


@pytest.fixture
def pending(article, make_comment):
    """A held comment by a reader, waiting for a moderator."""

    def make(name="Carol", email="carol@example.org", **kwargs):
        kwargs.setdefault("status", Comment.Status.PENDING)
        return make_comment(article, name=name, email=email, **kwargs)

    return make


# --- Double opt-in ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Subscription.Kind.ALL, Subscription.Kind.REPLIES])
def test_posting_with_notify_asks_once_to_confirm_the_address(article, post_comment, kind):
    response = post_comment(article, email="Ana@Example.org", notify=kind)

    assert response.status_code == 303
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.kind) == ("ana@example.org", kind)
    assert subscription.confirmed_at is None
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    token = resolve(link_in(message, "sign_in")).kwargs["token"]
    link = ReaderLink.objects.get(pk=signing.loads(token, salt=SIGN_IN_SALT))
    assert link.subscription == subscription and link.reader.email == "ana@example.org"


def test_posting_without_notify_subscribes_nobody_and_mails_nothing(article, post_comment):
    assert post_comment(article, notify="").status_code == 303

    assert not Subscription.objects.exists()
    assert mail.outbox == []


def test_unconfirmed_address_gets_nothing_but_the_confirmation(
    article, post_comment, subscribe, pending, moderate, settings
):
    post_comment(article, email="ana@example.org", notify=Subscription.Kind.ALL)
    subscribe("bob@example.org")

    moderate(pending())

    assert [m.subject for m in mails_to("ana@example.org")] == [
        f"Please confirm your e-mail address for {settings.SITE_NAME}"
    ]
    assert len(mails_to("bob@example.org")) == 1


def test_confirm_link_opened_shows_a_button_and_confirms_nothing(article, post_comment):
    post_comment(article, email="ana@example.org", notify=Subscription.Kind.ALL)
    [message] = mail.outbox

    response = Client().get(link_in(message, "sign_in"))

    assert response.status_code == 200
    assert re.search(r'<form method="post">.*<button[^>]*>Yes, confirm</button>', response.text)
    assert Subscription.objects.get().confirmed_at is None
    assert VERIFIED_COOKIE not in response.cookies


def test_confirm_button_confirms_and_remembers_the_proven_address(article, post_comment):
    post_comment(article, email="ana@example.org", notify=Subscription.Kind.ALL)
    [message] = mail.outbox

    response = Client().post(link_in(message, "sign_in"))

    assert response.status_code == 200
    assert Subscription.objects.get().confirmed_at is not None
    cookie = response.cookies[VERIFIED_COOKIE]
    assert proven_address(cookie) == "ana@example.org"
    assert cookie["httponly"]


def test_expired_confirm_link_is_not_found(article, post_comment, settings, monkeypatch):
    issued = time.time()
    post_comment(article, email="ana@example.org", notify=Subscription.Kind.ALL)
    link = link_in(mail.outbox[0], "sign_in")

    def clock_at(seconds_later: float) -> None:
        # Only the signer's clock moves; the rest of the process keeps real time.
        monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: issued + seconds_later))

    clock_at(settings.COMMENTS_CONFIRM_MAX_AGE - 60)
    assert Client().get(link).status_code == 200
    clock_at(settings.COMMENTS_CONFIRM_MAX_AGE + 60)
    assert Client().get(link).status_code == 404
    assert Client().post(link).status_code == 404
    assert Subscription.objects.get().confirmed_at is None


@pytest.mark.parametrize("url_name", ["confirm", "unsubscribe"])
def test_tampered_subscription_link_is_not_found(subscribe, url_name):
    subscription = subscribe("ana@example.org", confirmed=url_name == "unsubscribe")
    other = subscribe("bob@example.org", Subscription.Kind.REPLIES, confirmed=False)
    salt = notifications.CONFIRM_SALT if url_name == "confirm" else notifications.UNSUBSCRIBE_SALT
    token = signing.dumps(subscription.pk, salt=salt)
    # Another subscription's payload under this link's timestamp and signature.
    forged = signing.dumps(other.pk, salt=salt).split(":", 1)[0] + ":" + token.split(":", 1)[1]
    wrong_salt = signing.dumps(subscription.pk, salt="comments.something-else")
    browser = Client()

    assert browser.get(reverse(f"comments:{url_name}", args=[token])).status_code == 200
    for bad in (forged, token[:-2] + "xx", wrong_salt):
        assert browser.get(reverse(f"comments:{url_name}", args=[bad])).status_code == 404
        assert browser.post(reverse(f"comments:{url_name}", args=[bad])).status_code == 404
    assert Subscription.objects.count() == 2
    assert Subscription.objects.filter(confirmed_at__isnull=False).count() == (
        1 if url_name == "unsubscribe" else 0
    )


# --- Who is told about an approved comment ---------------------------------------------


def test_staff_comment_approved_on_posting_notifies_confirmed_subscribers(
    article, post_comment, subscribe, make_staff, django_capture_on_commit_callbacks
):
    subscribe("bob@example.org")
    desk = Client()
    desk.force_login(make_staff("Editor"))

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(article, using=desk, name="The desk", email="desk@example.org")

    assert Comment.objects.get().status == Comment.Status.APPROVED
    [message] = mail.outbox
    assert message.to == ["bob@example.org"]


def test_trusted_commenter_comment_notifies_confirmed_subscribers(
    article,
    post_comment,
    subscribe,
    make_comment,
    django_capture_on_commit_callbacks,
    confirmed_address,
):
    confirmed_address("ana@example.org")
    make_comment(article, email="ana@example.org", status=Comment.Status.APPROVED, body="Hi.")
    subscribe("bob@example.org")
    browser = verified(Client(), "ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(article, using=browser, email="ana@example.org", body="Me again.")

    assert Comment.objects.get(body="Me again.").status == Comment.Status.APPROVED
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_moderator_approval_notifies_each_confirmed_subscriber_once(
    article, subscribe, pending, moderate
):
    subscribe("bob@example.org")
    subscribe("dan@example.org")

    moderate(pending())

    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "dan@example.org"]
    assert all(m.subject == f"New comment on “{article.display_headline}”" for m in mail.outbox)


def test_reply_notifies_parent_author_subscribed_to_replies(
    article, subscribe, make_comment, pending, moderate
):
    parent = make_comment(article, name="Ana", email="ana@example.org")
    subscribe("ana@example.org", Subscription.Kind.REPLIES)

    moderate(pending(name="Carol", parent=parent))

    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Carol replied to your comment"


def test_replies_subscriber_is_not_told_of_replies_to_others(
    article, subscribe, make_comment, pending, moderate
):
    subscribe("ana@example.org", Subscription.Kind.REPLIES)
    someone_else = make_comment(article, name="Bob", email="bob@example.org")

    moderate(pending(body="A new thread."))
    moderate(pending(body="A reply to Bob.", parent=someone_else))

    assert mail.outbox == []


def test_commenter_is_never_told_of_their_own_comment(
    article, subscribe, make_comment, pending, moderate
):
    earlier = make_comment(article, name="Ana", email="ana@example.org")
    subscribe("ana@example.org", Subscription.Kind.ALL)
    subscribe("ana@example.org", Subscription.Kind.REPLIES)
    subscribe("bob@example.org")

    moderate(pending(name="Ana", email="ANA@example.org", parent=earlier))

    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_subscriber_to_both_kinds_gets_one_mail_for_a_reply(
    article, subscribe, make_comment, pending, moderate
):
    parent = make_comment(article, name="Ana", email="ana@example.org")
    subscribe("ana@example.org", Subscription.Kind.ALL)
    subscribe("ana@example.org", Subscription.Kind.REPLIES)

    moderate(pending(parent=parent))

    assert len(mails_to("ana@example.org")) == 1
    assert Delivery.objects.get().email == "ana@example.org"


def test_approving_again_after_rejecting_does_not_mail_twice(subscribe, pending, moderate):
    subscribe("bob@example.org")
    comment = pending()

    moderate(comment, "approve")
    moderate(comment, "reject")
    moderate(comment, "approve")

    assert comment.status == Comment.Status.APPROVED
    assert len(mail.outbox) == 1
    assert comment.notified_at is not None
    assert Delivery.objects.filter(comment=comment).count() == 1


def test_held_rejected_and_spam_comments_mail_nobody(
    article, post_comment, subscribe, pending, moderate, django_capture_on_commit_callbacks
):
    subscribe("bob@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        post_comment(article, email="new@example.org", body="First time here.")
    moderate(pending(body="Rude."), "reject")
    moderate(pending(body="Buy pills."), "spam")

    assert Comment.objects.get(body="First time here.").status == Comment.Status.PENDING
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_comment_rejected_before_the_worker_runs_mails_nobody(
    settings, subscribe, pending, moderate
):
    settings.TASKS = DUMMY_TASKS
    subscribe("bob@example.org")
    comment = pending()
    moderate(comment, "approve")
    moderate(comment, "reject")

    [queued] = default_task_backend.results
    assert queued.task.call(*queued.args, **queued.kwargs) == 0

    assert mail.outbox == []


# --- The mail ---------------------------------------------------------------------------


def test_notification_mail_has_the_comment_its_link_and_one_click_unsubscribe(
    article, settings, subscribe, pending, moderate
):
    settings.SITE_URL = "https://news.example"
    subscription = subscribe("bob@example.org")
    comment = pending(name="Carol", body="The spillway was opened at dawn.")

    moderate(comment)

    [message] = mail.outbox
    assert message.subject == "New comment on “Dam reservoir reaches record level”"
    assert "Carol commented on “Dam reservoir reaches record level”" in message.body
    assert "The spillway was opened at dawn." in message.body
    assert f"https://news.example{article.get_absolute_url()}#c{comment.pk}" in message.body
    unsubscribe = f"https://news.example{link_in(message, 'unsubscribe')}"
    assert unsubscribe in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = resolve(urlsplit(unsubscribe).path).kwargs["token"]
    assert signing.loads(token, salt=notifications.UNSUBSCRIBE_SALT) == subscription.pk


# --- Unsubscribing ----------------------------------------------------------------------


@pytest.fixture
def notified_bob(subscribe, pending, moderate):
    """Bob, subscribed to all comments, and the mail he got about one."""
    subscription = subscribe("bob@example.org")
    moderate(pending())
    [message] = mail.outbox
    return SimpleNamespace(subscription=subscription, mail=message)


def test_unsubscribe_link_opened_shows_a_button_and_keeps_the_subscription(notified_bob):
    response = Client().get(link_in(notified_bob.mail, "unsubscribe"))

    assert response.status_code == 200
    assert re.search(r'<form method="post"><button[^>]*>Unsubscribe</button>', response.text)
    assert Subscription.objects.filter(pk=notified_bob.subscription.pk).exists()


def test_one_click_unsubscribe_post_without_csrf_token_stops_the_mails(
    notified_bob, pending, moderate
):
    mail_client = Client(enforce_csrf_checks=True)
    url = notified_bob.mail.extra_headers["List-Unsubscribe"].strip("<>")

    response = mail_client.post(urlsplit(url).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not Subscription.objects.exists()
    moderate(pending(body="Another one."))
    assert len(mail.outbox) == 1


# --- When the mail server fails ---------------------------------------------------------


def test_posting_succeeds_when_the_mail_server_is_down(
    article, post_comment, make_staff, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = BROKEN_BACKEND
    Subscription.objects.create(
        article=article, email="bob@example.org", kind="all", confirmed_at=timezone.now()
    )
    desk = Client()
    desk.force_login(make_staff("Editor"))

    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(article, using=desk, email="desk@example.org", notify="all")

    assert response.status_code == 303
    assert Comment.objects.get().status == Comment.Status.APPROVED
    assert Subscription.objects.filter(email="desk@example.org", confirmed_at=None).exists()
    assert logged(caplog, "comments.notifications", logging.ERROR)  # the notification
    assert any("send_confirmation" in m for m in logged(caplog, "django_tasks", logging.ERROR))


def test_failed_notification_is_recorded_and_reported_as_not_retried_without_deferral(
    settings, subscribe, pending, moderate, caplog
):
    settings.EMAIL_BACKEND = BROKEN_BACKEND
    subscribe("bob@example.org")
    comment = pending()

    moderate(comment)

    assert comment.status == Comment.Status.APPROVED
    delivery = Delivery.objects.get()
    assert (delivery.email, delivery.sent_at, delivery.attempts) == ("bob@example.org", None, 1)
    assert logged(caplog, "comments.notifications", logging.ERROR) == [
        f"notification for comment {comment.pk} to a subscriber failed"
    ]
    assert logged(caplog, "comments.notifications", logging.WARNING) == [
        f"task backend cannot defer; comment {comment.pk} notifications not retried"
    ]


def test_failed_notification_is_queued_again_for_later_and_then_sent(
    settings, subscribe, pending, moderate
):
    settings.TASKS = DUMMY_TASKS
    settings.EMAIL_BACKEND = BROKEN_BACKEND
    subscribe("bob@example.org")
    comment = pending()
    moderate(comment)
    [first] = default_task_backend.results
    assert first.task.func is notifications.send_notifications.func

    failed_at = timezone.now()
    first.task.call(*first.args, **first.kwargs)

    [_, retry] = default_task_backend.results
    assert retry.task.func is notifications.send_notifications.func
    assert list(retry.args) == [comment.pk, 2]
    assert retry.task.run_after >= failed_at + notifications.RETRY_DELAY
    assert Delivery.objects.get().attempts == 1

    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    assert retry.task.call(*retry.args, **retry.kwargs) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    delivery = Delivery.objects.get()
    assert delivery.attempts == 2
    assert delivery.sent_at is not None


def test_retry_resends_only_to_the_addresses_that_failed(settings, subscribe, pending, moderate):
    settings.TASKS = DUMMY_TASKS
    settings.EMAIL_BACKEND = PICKY_BACKEND
    subscribe("bob@example.org")
    subscribe("dan@refused.example")
    comment = pending()
    moderate(comment)
    [first] = default_task_backend.results
    assert first.task.call(*first.args, **first.kwargs) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]

    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    retry = default_task_backend.results[-1]
    assert retry.task.call(*retry.args, **retry.kwargs) == 1

    assert [m.to for m in mail.outbox] == [["bob@example.org"], ["dan@refused.example"]]
    assert dict(Delivery.objects.values_list("email", "attempts")) == {
        "bob@example.org": 1,
        "dan@refused.example": 2,
    }


def test_notifications_give_up_after_the_last_attempt(
    settings, subscribe, pending, moderate, caplog
):
    settings.TASKS = DUMMY_TASKS
    settings.EMAIL_BACKEND = BROKEN_BACKEND
    subscribe("bob@example.org")
    comment = pending()
    moderate(comment)
    default_task_backend.clear()

    notifications.send_notifications.call(comment.pk, settings.NOTIFICATION_MAX_ATTEMPTS)

    assert default_task_backend.results == []
    assert logged(caplog, "comments.notifications", logging.ERROR)[-1] == (
        f"giving up notifications for comment {comment.pk} "
        f"after {settings.NOTIFICATION_MAX_ATTEMPTS} attempts"
    )


# --- The production path: a database queue and its worker ------------------------------


@pytest.fixture
def run_worker():
    """``manage.py db_worker --batch``: run every task that is due, then stop."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {number: signal.getsignal(number) for number in signals}
    levels = {name: logging.getLogger(name).level for name in ("django_tasks", "django_tasks_db")}

    def run() -> None:
        call_command(
            "db_worker",
            batch=True,
            interval=0,
            startup_delay=False,
            reload=False,
            verbosity=0,
            stdout=io.StringIO(),
        )

    yield run
    # The worker installs its own signal handlers and log levels; give pytest its own back.
    for number, handler in handlers.items():
        signal.signal(number, handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def superuser_client(django_user_model):
    # Not a Moderator account: transactional tests may find the migration's groups flushed.
    user = django_user_model.objects.create_superuser("chief", password="correct-horse-battery")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_approval_queues_a_task_the_worker_sends_exactly_once(
    settings, article, make_comment, superuser_client, run_worker
):
    settings.TASKS = DATABASE_TASKS
    Subscription.objects.create(
        article=article, email="bob@example.org", kind="all", confirmed_at=timezone.now()
    )
    comment = make_comment(article, status=Comment.Status.PENDING)

    url = reverse("admin:comments_comment_moderate", args=[comment.pk, "approve"])
    assert superuser_client.post(url).status_code == 302

    task = DBTaskResult.objects.get()
    assert task.task_path == "comments.notifications.send_notifications"
    assert task.args_kwargs == {"args": [comment.pk], "kwargs": {}}
    assert mail.outbox == []

    run_worker()
    run_worker()

    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    task.refresh_from_db()
    assert (task.status, task.return_value) == ("SUCCESSFUL", 1)


@pytest.mark.django_db(transaction=True)
def test_confirmation_mail_is_queued_on_posting_and_sent_by_the_worker(
    settings, article, post_comment, run_worker
):
    settings.TASKS = DATABASE_TASKS

    assert post_comment(article, email="ana@example.org", notify="replies").status_code == 303

    task = DBTaskResult.objects.get()
    assert task.task_path == "comments.notifications.send_confirmation"
    assert mail.outbox == []
    run_worker()
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert link_in(message, "sign_in")
