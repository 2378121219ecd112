"""Delivery: each (edition, address) exactly once, through crashes, retries and suppression."""

import smtplib
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from newsroom.newsletters import editions, mail, sending, tasks
from newsroom.newsletters.models import Edition, Send, Suppression
from newsroom.newsletters.signals import edition_sent


class Killed(BaseException):
    """The worker process dying: nothing after it runs, not even ``except Exception``."""


class Provider:
    """A mail connection that records what it accepted and fails on request."""

    def __init__(self, *, die_after=None, die_after_accepting=False, errors=None):
        self.accepted: list = []
        self.die_after = die_after
        self.die_after_accepting = die_after_accepting
        self.errors = dict(errors or {})  # address → exceptions to raise, in turn

    def send_messages(self, messages):
        (message,) = messages
        (address,) = message.to
        if self.die_after is not None and len(self.accepted) == self.die_after:
            if self.die_after_accepting:
                self.accepted.append(message)
            raise Killed
        if self.errors.get(address):
            raise self.errors[address].pop(0)
        self.accepted.append(message)
        return 1

    def close(self):
        pass


@pytest.fixture
def edition(make_newsletter, make_article, subscribe):
    newsletter = make_newsletter()
    for n in range(12):
        subscribe(newsletter, f"reader{n}@example.org")
    make_article("A story")
    edition = editions.draft(newsletter, until=timezone.now())
    assert sending.start(edition)
    sending.write_rows(edition)
    return Edition.objects.get(pk=edition.pk)


def deliver(edition, provider, batch=5):
    rendered = mail.render(edition)
    while rows := sending.claim(edition.pk, batch):
        sending.send_rows(rendered, rows, provider)


def test_only_confirmed_unpaused_unsuppressed_subscribers_get_rows(
    make_newsletter, make_article, subscribe
):
    newsletter = make_newsletter()
    subscribe(newsletter, "yes@example.org")
    subscribe(newsletter, "unconfirmed@example.org", confirmed=False)
    subscribe(newsletter, "paused@example.org", paused_until=timezone.now() + timedelta(days=3))
    subscribe(newsletter, "back@example.org", paused_until=timezone.now() - timedelta(days=1))
    subscribe(newsletter, "Bounced@Example.org")
    subscribe(make_newsletter(), "other-list@example.org")
    Suppression.objects.create(address="bounced@example.org", reason="bounce")
    make_article()
    edition = editions.draft(newsletter, until=timezone.now())
    sending.start(edition)
    assert sending.write_rows(edition) == 3
    assert sending.write_rows(edition) == 3  # again (a crash while writing): no new rows
    rows = dict(Send.objects.values_list("address", "status"))
    assert rows == {"yes@example.org": "pending", "back@example.org": "pending",
                    "Bounced@Example.org": "suppressed"}  # fmt: skip
    provider = Provider()
    deliver(edition, provider)
    assert sorted(m.to[0] for m in provider.accepted) == ["back@example.org", "yes@example.org"]


def test_a_worker_killed_mid_batch_is_resumed_with_no_duplicate_and_no_one_missed(edition):
    dying = Provider(die_after=7)  # killed before the 8th message is accepted
    with pytest.raises(Killed):
        deliver(edition, dying)
    assert Send.objects.filter(status="sent").count() == 7
    restarted = Provider()
    deliver(edition, restarted)  # rows never claimed go; the dead batch's are still held
    assert [m.to[0] for m in restarted.accepted] == ["reader10@example.org", "reader11@example.org"]
    with time_machine.travel(timezone.now() + sending.LEASE + timedelta(seconds=1)):
        deliver(edition, restarted)
        assert sending.finish(edition.pk)
    received = Counter(m.to[0] for m in dying.accepted + restarted.accepted)
    assert len(received) == 12 and set(received.values()) == {1}
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.SENT


def test_a_message_accepted_as_the_worker_dies_is_the_one_sent_twice_with_one_message_id(
    edition,
):
    dying = Provider(die_after=3, die_after_accepting=True)
    with pytest.raises(Killed):
        deliver(edition, dying)
    restarted = Provider()
    with time_machine.travel(timezone.now() + sending.LEASE + timedelta(seconds=1)):
        deliver(edition, restarted)
    everything = dying.accepted + restarted.accepted
    received = Counter(m.to[0] for m in everything)
    assert len(received) == 12
    assert sorted(received.values()) == [1] * 11 + [2]  # the one in flight, and only it
    twice = [m for m in everything if received[m.to[0]] == 2]
    assert twice[0].extra_headers["Message-ID"] == twice[1].extra_headers["Message-ID"]


def test_provider_errors_are_retried_with_back_off_then_fail(edition):
    flaky = "reader0@example.org"
    refused = "reader1@example.org"
    down = smtplib.SMTPServerDisconnected("connection lost")
    provider = Provider(errors={
        flaky: [down, down],
        refused: [smtplib.SMTPRecipientsRefused({refused: (550, b"no such mailbox")})],
    })  # fmt: skip
    start = timezone.now()
    deliver(edition, provider, batch=20)
    assert Send.objects.get(address=refused).status == Send.Status.FAILED  # 5xx: at once
    assert Suppression.objects.get(address=refused).reason == Suppression.Reason.BOUNCE
    assert not Suppression.objects.filter(address=flaky).exists()
    row = Send.objects.get(address=flaky)
    assert (row.status, row.attempts) == ("pending", 1)
    deliver(edition, provider)  # not before its back-off
    assert Send.objects.get(address=flaky).attempts == 1
    with time_machine.travel(start + sending.backoff(1) + timedelta(seconds=1)):
        deliver(edition, provider)
    assert Send.objects.get(address=flaky).attempts == 2
    second_retry = start + sending.backoff(1) + sending.backoff(2) + timedelta(seconds=2)
    with time_machine.travel(second_retry):
        deliver(edition, provider)
    row = Send.objects.get(address=flaky)
    assert (row.status, row.attempts) == ("sent", 3)


def test_after_the_last_attempt_a_row_fails(edition, settings):
    address = "reader2@example.org"
    error = smtplib.SMTPDataError(451, b"try later")
    provider = Provider(errors={address: [error] * sending.MAX_ATTEMPTS})
    when = timezone.now()
    for _ in range(sending.MAX_ATTEMPTS):
        with time_machine.travel(when):
            deliver(edition, provider)
        when += sending.MAX_BACKOFF + timedelta(seconds=1)
    row = Send.objects.get(address=address)
    assert (row.status, row.attempts) == ("failed", sending.MAX_ATTEMPTS)
    assert "try later" in row.error


def test_a_provider_that_is_down_ends_the_batch_without_spending_attempts(edition):
    down = smtplib.SMTPConnectError(421, b"service not available")
    provider = Provider(errors={f"reader{n}@example.org": [down] for n in range(12)})
    deliver(edition, provider, batch=12)
    tried = Send.objects.filter(attempts=1).count()
    assert tried == sending.ERRORS_IN_A_ROW
    assert Send.objects.filter(status="pending").count() == 12  # all wait for the back-off
    assert not sending.claim(edition.pk)


def test_the_task_sends_everything_and_announces_the_edition_once(
    make_newsletter, make_article, subscribe, mailoutbox, django_capture_on_commit_callbacks
):
    newsletter = make_newsletter()
    for n in range(7):
        subscribe(newsletter, f"r{n}@example.org")
    make_article()
    edition = editions.draft(newsletter, until=timezone.now())
    announced = []

    def listener(sender, edition, counts, **kwargs):
        announced.append((edition.pk, counts["sent"]))

    edition_sent.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_edition(edition)
            assert not tasks.send_edition(edition)  # a second press does nothing
        tasks.deliver_edition.call(edition.pk)  # a late duplicate run sends nothing
    finally:
        edition_sent.disconnect(listener)
    assert sorted(m.to[0] for m in mailoutbox) == [f"r{n}@example.org" for n in range(7)]
    assert announced == [(edition.pk, 7)]
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT and edition.sent_at is not None


def test_an_edition_without_articles_cannot_be_sent(make_newsletter):
    edition = editions.draft(make_newsletter(), until=timezone.now())
    assert not tasks.send_edition(edition)
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.DRAFT
