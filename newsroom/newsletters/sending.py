"""Sending an edition: one ``Send`` row per address, each mailed exactly once.

1. *Send* moves the edition from draft to sending (one UPDATE: a second press does nothing).
2. The rows are written in batches for every confirmed, unpaused subscription of a
   confirmed reader; suppressed addresses get a row marked suppressed and no mail. The
   unique (edition, address) makes rewriting them harmless, so a worker killed while
   writing simply writes them again; ``started_at`` is set once all exist.
3. Workers *claim* a batch: pending rows whose claim is empty or older than ``LEASE`` (its
   worker died) get ``claimed_at = now``, in one transaction (``SKIP LOCKED`` on
   PostgreSQL, so workers never wait for or take each other's rows; SQLite's writers queue).
4. Each message goes through Django's mail backend (SMTP by ``EMAIL_URL`` or an anymail
   provider) and its row is marked sent as soon as the provider has accepted it.

What "exactly once" means after a crash: a worker killed mid-batch leaves its unsent rows
claimed; once the lease runs out another claim takes them, so nobody is missed. The rows it
marked are never sent again. The one exception is the single message in flight: accepted
by the provider, then killed before its row was marked (the time of one UPDATE). That
message is sent again, with the same Message-ID, so mailbox providers that deduplicate by
Message-ID show it once. No scheme can do better without the provider's help: marking
before sending turns that duplicate into a possible miss instead.

A provider error is retried with back-off: the row's ``attempts`` goes up and its lease is
pushed so that the row becomes claimable again ``backoff(attempts)`` later; after
``MAX_ATTEMPTS``, or at once for a refusal of the address itself (5xx), it is failed; a
refused address is suppressed, as a hard bounce reported by a webhook would be.
The edition is sent when no row is pending; ``edition_sent`` is sent then, once.
"""

import logging
import smtplib
from datetime import timedelta

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from comments import readers

from . import mail
from .models import Edition, NewsletterSubscription, Send, Suppression
from .signals import edition_sent

logger = logging.getLogger(__name__)

BATCH = 500
WRITE_BATCH = 2000
# A claim older than this is a dead worker's (a batch takes seconds; a few minutes is safe).
LEASE = timedelta(seconds=getattr(settings, "NEWSLETTERS_SEND_LEASE_SECONDS", 300))
MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
# This many provider errors in a row end a batch early: the provider is down, not the
# address; the rest of the batch waits for the back-off without spending an attempt.
ERRORS_IN_A_ROW = 3


def start(edition: Edition) -> bool:
    """Draft → sending, once. True when this call started it (the caller queues delivery)."""
    if not edition.items.exists():
        return False
    started = Edition.objects.filter(pk=edition.pk, status=Edition.Status.DRAFT).update(
        status=Edition.Status.SENDING
    )
    return bool(started)


def recipients(edition: Edition):
    """(reader id, address) of every subscription that may be mailed now, by pk."""
    now = timezone.now()
    return (
        NewsletterSubscription.objects.filter(
            newsletter=edition.newsletter_id,
            confirmed_at__isnull=False,
            reader__confirmed_at__isnull=False,
        )
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
        .order_by("pk")
    )


def write_rows(edition: Edition, batch: int = WRITE_BATCH) -> int:
    """Write the edition's delivery rows (idempotent); returns how many subscriptions."""
    suppressed = {a.lower() for a in Suppression.objects.values_list("address", flat=True)}
    wanted, after, total = recipients(edition).values_list("pk", "reader_id", "reader__email"), 0, 0
    pending, skipped = Send.Status.PENDING, Send.Status.SUPPRESSED
    while True:
        chunk = list(wanted.filter(pk__gt=after)[:batch])
        if not chunk:
            break
        Send.objects.bulk_create(
            [
                Send(
                    edition=edition,
                    reader_id=reader_id,
                    address=address,
                    status=skipped if address.lower() in suppressed else pending,
                )
                for _, reader_id, address in chunk
            ],
            ignore_conflicts=True,
        )
        total += len(chunk)
        after = chunk[-1][0]
    Edition.objects.filter(pk=edition.pk, started_at__isnull=True).update(started_at=timezone.now())
    return total


def claimable(edition_id: int, now):
    stale = now - LEASE
    return Send.objects.filter(edition_id=edition_id, status=Send.Status.PENDING).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lte=stale)
    )


def claim(edition_id: int, batch: int = BATCH) -> list[Send]:
    """Take up to ``batch`` rows nobody is sending; each is this worker's for ``LEASE``."""
    now = timezone.now()
    with transaction.atomic():
        rows = claimable(edition_id, now).select_for_update(skip_locked=True).order_by("pk")
        pks = list(rows.values_list("pk", flat=True)[:batch])
        if pks:
            claimable(edition_id, now).filter(pk__in=pks).update(claimed_at=now)
    return list(Send.objects.filter(pk__in=pks, claimed_at=now).order_by("pk"))


def next_claim_at(edition_id: int):
    """When a pending row next becomes claimable; None when none is pending."""
    pending = Send.objects.filter(edition_id=edition_id, status=Send.Status.PENDING)
    if not pending.exists():
        return None
    if pending.filter(claimed_at__isnull=True).exists():
        return timezone.now()
    return pending.aggregate(first=Min("claimed_at"))["first"] + LEASE


def is_permanent(error: Exception) -> bool:
    """Does the provider refuse this address for good (a 5xx about the recipient)?"""
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused):
        return False  # our sender address is refused: a configuration error, retried
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def mark_sent(row: Send) -> None:
    Send.objects.filter(pk=row.pk).update(
        status=Send.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, error=""
    )


def mark_failed(row: Send, error: Exception, *, count: bool = True) -> None:
    """A failed attempt: failed for good, or claimable again after the back-off."""
    attempts = row.attempts + (1 if count else 0)
    text = f"{type(error).__name__}: {error}"[:300]
    if count and (is_permanent(error) or attempts >= MAX_ATTEMPTS):
        failed = Send.Status.FAILED
        Send.objects.filter(pk=row.pk).update(status=failed, attempts=attempts, error=text)
        if is_permanent(error):  # refused at once: a hard bounce, as a webhook would say
            Suppression.objects.get_or_create(
                address=row.address.lower(),
                defaults={"reason": Suppression.Reason.BOUNCE, "detail": text},
            )
        return
    # The lease now ends when the retry is due: the row is claimable again from then on.
    retry_at = timezone.now() + backoff(max(attempts, 1))
    held = retry_at - LEASE
    Send.objects.filter(pk=row.pk).update(attempts=attempts, error=text, claimed_at=held)


class Sender:
    """Hands one message at a time to the mail backend: SMTP gets the edition's bytes with
    the recipient's slots filled in; other backends (anymail's APIs) get the message."""

    def __init__(self, rendered: mail.RenderedEdition, connection):
        self.rendered, self.connection = rendered, connection
        is_smtp = isinstance(connection, SMTPBackend)
        self.serialised = mail.Serialised(rendered) if is_smtp else None

    def send(self, row: Send) -> None:
        reader_id = row.reader_id or 0
        raw = self.serialised and self.serialised.for_recipient(row.address, reader_id)
        if raw is None:
            self.connection.send_messages([mail.message(self.rendered, row.address, reader_id)])
            return
        if self.connection.connection is None:
            self.connection.open()
        sender = self.serialised.mail.from_email
        self.connection.connection.sendmail(sender, [row.address], raw)

    def close(self) -> None:
        self.connection.close()


def send_rows(rendered: mail.RenderedEdition, rows: list[Send], connection=None) -> dict[str, int]:
    """Mail each claimed row once; returns how many were sent and failed."""
    connection = Sender(rendered, connection or get_connection())
    sent = failed = in_a_row = 0
    try:
        for position, row in enumerate(rows):
            if in_a_row >= ERRORS_IN_A_ROW:
                error = RuntimeError("provider unavailable; not tried")
                for waiting in rows[position:]:
                    mark_failed(waiting, error, count=False)
                break
            try:
                connection.send(row)
            except Exception as error:  # providers fail in many ways; each is classified
                logger.warning("edition %s to a subscriber failed: %s", row.edition_id, error)
                mark_failed(row, error)
                connection.close()  # a broken connection is opened afresh for the next
                failed, in_a_row = failed + 1, in_a_row + 1
                continue
            mark_sent(row)
            sent, in_a_row = sent + 1, 0
    finally:
        connection.close()
    return {"sent": sent, "failed": failed}


def counts(edition_id: int) -> dict[str, int]:
    found = Send.objects.filter(edition_id=edition_id).values("status").annotate(n=Count("pk"))
    totals = dict.fromkeys(Send.Status.values, 0)
    totals.update({row["status"]: row["n"] for row in found})
    return totals


def finish(edition_id: int) -> bool:
    """Sending → sent once no row is pending; sends ``edition_sent`` (once). True if now."""
    if Send.objects.filter(edition_id=edition_id, status=Send.Status.PENDING).exists():
        return False
    done = Edition.objects.filter(
        pk=edition_id, status=Edition.Status.SENDING, started_at__isnull=False
    ).update(status=Edition.Status.SENT, sent_at=timezone.now())
    if done:
        edition = Edition.objects.get(pk=edition_id)
        edition_sent.send(sender=Edition, edition=edition, counts=counts(edition_id))
    return bool(done)


def send_test(edition: Edition, address: str, root: str = "") -> None:
    """The edition to one editor's address, marked as a test; it records no delivery.

    Its preferences and unsubscribe links are the editor's own as a reader, so the editor
    can follow them and see the pages a subscriber would."""
    rendered = mail.render(edition, root)
    reader = readers.reader_for(address)
    mail.message(rendered, address, reader.pk, subject_prefix="[Test] ").send()
