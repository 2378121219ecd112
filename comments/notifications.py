"""Reader notifications: double opt-in, one mail per comment per address, off the request.

Mail leaves in a task (django-tasks), queued only after the transaction that approved
the comment has committed. ``Comment.notified_at`` is set once, atomically, so a comment
is never announced twice; a ``Delivery`` row per address makes retries resend only
what failed. Confirmation mails, the only ones to unproven addresses, are capped per
mailbox and per client address, so the form cannot be used to flood someone's inbox.
"""

import hashlib
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import DisallowedHost
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tasks import default_task_backend, task

from . import limits

logger = logging.getLogger(__name__)

CONFIRM_SALT = "comments.subscription.confirm"
UNSUBSCRIBE_SALT = "comments.subscription.unsubscribe"
RETRY_DELAY = timedelta(minutes=5)
# Providers that deliver an address however its local part is dotted, and the domain
# their addresses all share.
DOTS_IGNORED = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Why a confirmation mail was not sent: the mailbox already had its share this hour (the
# mail sent before is waiting there), or this client asked for too many.
HELD_FOR_MAILBOX, HELD_FOR_CLIENT = "sent", "later"
# A link to confirm the address is on its way (or still waiting in the inbox).
LINK_SENT = "inbox"


def confirm_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=CONFIRM_SALT)


def unsubscribe_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)


def site_root(request=None) -> str:
    """Where links in mail lead: the scheme and host the request that caused the mail was
    made to, when the host is one the site answers to (ALLOWED_HOSTS); else SITE_URL."""
    if request is not None:
        try:
            return f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            pass
    return settings.SITE_URL.rstrip("/")


def where(root: str) -> dict[str, str]:
    """A task's ``root`` argument, given only when it differs from SITE_URL's default."""
    return {"root": root} if root else {}


def absolute(path: str, root: str = "") -> str:
    return (root or settings.SITE_URL).rstrip("/") + path


def comment_approved(comment_id: int, root: str = "") -> None:
    """Queue the notifications for a newly approved comment, unless already queued.

    A task queue that is down leaves the comment unclaimed (``notified_at`` empty), and
    ``queue_pending`` (``manage.py queue_pending_mail``) queues it later."""
    from .models import Comment

    claimed = Comment.objects.filter(pk=comment_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return
    try:
        send_notifications.enqueue(comment_id, **where(root))
    except Exception:  # the queue's backend, its table or its broker is down
        Comment.objects.filter(pk=comment_id).update(notified_at=None)
        logger.exception(
            "could not queue notifications for comment %s; left pending for "
            "`manage.py queue_pending_mail`",
            comment_id,
        )


# A subscription whose confirmation mail could not be queued carries this time instead
# of when it was sent: posting again with "notify me" asks again, and so does
# ``queue_pending``.
NOT_QUEUED = datetime(2000, 1, 1, tzinfo=UTC)


def queue_confirmation(subscription_id: int, root: str = "") -> None:
    from .models import Subscription

    try:
        # A savepoint: a failed insert into the queue's table must not abort the
        # transaction that stores the comment.
        with transaction.atomic():
            send_confirmation.enqueue(subscription_id, **where(root))
    except Exception:  # the queue's backend, its table or its broker is down
        Subscription.objects.filter(pk=subscription_id, confirmed_at__isnull=True).update(
            created_at=NOT_QUEUED
        )
        logger.exception(
            "could not queue the confirmation mail of subscription %s; left pending for "
            "`manage.py queue_pending_mail`",
            subscription_id,
        )


def queue_pending(since: datetime) -> tuple[int, int]:
    """Queue the mail a task queue that was down left behind: notifications of comments
    approved since ``since`` that were never queued, and confirmation mails never queued.
    Returns how many of each."""
    from .models import Comment, Subscription

    approved = Comment.objects.filter(status=Comment.Status.APPROVED, notified_at__isnull=True)
    recent = approved.filter(Q(created_at__gte=since) | Q(moderated_at__gte=since))
    comments = list(recent.values_list("pk", flat=True))
    for pk in comments:
        comment_approved(pk)
    waiting = Subscription.objects.filter(confirmed_at__isnull=True, created_at=NOT_QUEUED)
    subscriptions = list(waiting.values_list("pk", flat=True))
    for pk in subscriptions:
        Subscription.objects.filter(pk=pk).update(created_at=timezone.now())
        queue_confirmation(pk)
    return len(comments), len(subscriptions)


def recipients(comment) -> dict[str, object]:
    """Confirmed subscribers to tell about a comment: address → subscription."""
    from .models import Subscription

    wanted = Q(kind=Subscription.Kind.ALL)
    if comment.parent_id:
        wanted |= Q(kind=Subscription.Kind.REPLIES, email__iexact=comment.parent.email)
    subscriptions = Subscription.objects.filter(
        wanted, article=comment.article_id, confirmed_at__isnull=False
    ).order_by("-kind")  # "replies" first: a reply to you is announced as one
    chosen: dict[str, object] = {}
    for subscription in subscriptions:
        address = subscription.email.lower()
        if address != comment.email.lower():
            chosen.setdefault(address, subscription)
    return chosen


@task()
def send_notifications(comment_id: int, attempt: int = 1, root: str = "") -> int:
    """Mail every confirmed subscriber once; returns how many mails went out."""
    from .models import Comment, Delivery

    comment = Comment.objects.select_related("article", "parent").get(pk=comment_id)
    if comment.status != Comment.Status.APPROVED:
        return 0
    sent = failed = 0
    for address, subscription in recipients(comment).items():
        delivery, _ = Delivery.objects.get_or_create(comment=comment, email=address)
        if delivery.sent_at:
            continue
        Delivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
        try:
            notification_mail(comment, subscription, root).send()
        except Exception:  # SMTP errors are many and varied; all are retried
            logger.exception("notification for comment %s to a subscriber failed", comment_id)
            failed += 1
            continue
        Delivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
        sent += 1
    if failed:
        retry(comment_id, attempt, root)
    return sent


def retry(comment_id: int, attempt: int, root: str = "") -> None:
    if attempt >= settings.NOTIFICATION_MAX_ATTEMPTS:
        logger.error(
            "giving up notifications for comment %s after %s attempts", comment_id, attempt
        )
        return
    if default_task_backend.supports_defer:
        run_after = timezone.now() + RETRY_DELAY * attempt
        later = send_notifications.using(run_after=run_after)
        later.enqueue(comment_id, attempt + 1, **where(root))
    else:
        logger.warning(
            "task backend cannot defer; comment %s notifications not retried", comment_id
        )


def one_line(text: str) -> str:
    """A header value from readers' and editors' text: a name or headline typed with a line
    break would make the mail unsendable (Django refuses newlines in headers)."""
    return " ".join(text.split())


def notification_mail(comment, subscription, root: str = "") -> EmailMessage:
    token = unsubscribe_token(subscription)
    unsubscribe = absolute(reverse("comments:unsubscribe", args=[token]), root)
    is_reply = subscription.kind == subscription.Kind.REPLIES
    context = {
        "comment": comment,
        "article": comment.article,
        "is_reply": is_reply,
        "comment_url": absolute(comment.get_absolute_url(), root),
        "unsubscribe_url": unsubscribe,
        "data_url": reader_data_url(root),
        "site_name": settings.SITE_NAME,
    }
    subject = (
        f"{comment.name} replied to your comment"
        if is_reply
        else f"New comment on “{comment.article.display_headline}”"
    )
    return EmailMessage(
        subject=one_line(subject),
        body=render_to_string("comments/mail/notification.txt", context),
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def reader_data_url(root: str = "") -> str:
    """Where a reader downloads or erases their data: a page of the site around the
    comments (named ``privacy:start``), or "" where the site has none."""
    try:
        return absolute(reverse("privacy:start"), root)
    except NoReverseMatch:
        return ""


def mailbox(address: str) -> str:
    """The mailbox an address delivers to: lower-case, without a ``+tag``, and without
    dots where the provider ignores them. For counting mail only: rows keep the address."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    local = local.split("+", 1)[0] or local  # "+tag@…" alone is a name, not a tag
    if domain in DOTS_IGNORED:
        local, domain = local.replace(".", ""), DOTS_IGNORED[domain]
    return f"{local}@{domain}"


def confirmation_held(email: str, ip: str | None) -> str:
    """Why no confirmation mail may go to ``email`` now, or "" when one may (and is counted).

    The client's count comes first, so a client over its cap uses up no mailbox's share.
    """
    hour = int(timezone.now().timestamp() // 3600)
    if ip:
        key = f"comments:confirm:ip:{ip}:{hour}"
        if limits.hit(key, 3600) > settings.CONFIRMATION_MAILS_PER_IP_PER_HOUR:
            return HELD_FOR_CLIENT
    digest = hashlib.blake2b(mailbox(email).encode(), digest_size=16).hexdigest()
    key = f"comments:confirm:mailbox:{digest}:{hour}"
    if limits.hit(key, 3600) > settings.CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR:
        return HELD_FOR_MAILBOX
    return ""


@task()
def send_confirmation(subscription_id: int, root: str = "") -> None:
    """The one mail that goes to an unconfirmed address for a wish for mail: a sign-in link
    that confirms the address and the wish."""
    from .models import Subscription

    subscription = Subscription.objects.select_related("article").get(pk=subscription_id)
    if subscription.confirmed_at:
        return
    send_link(subscription.email, subscription.article, subscription, root)


def queue_sign_in(email: str, article_id: int, root: str = "") -> None:
    """Queue a sign-in link for ``email`` (the reader asked to verify it); a queue that is
    down loses only this mail, never the comment (asking again later works)."""
    try:
        with transaction.atomic():
            send_sign_in.enqueue(email, article_id, **where(root))
    except Exception:  # the queue's backend, its table or its broker is down
        logger.exception("could not queue a sign-in mail for article %s", article_id)


@task()
def send_sign_in(email: str, article_id: int, root: str = "") -> None:
    """A sign-in link for a reader who asked to verify their address."""
    from articles.models import Article

    send_link(email, Article.objects.filter(pk=article_id).first(), None, root)


def send_link(email: str, article, subscription, root: str) -> None:
    from . import readers
    from .models import ReaderLink

    link = readers.new_link(
        email, ReaderLink.Purpose.SIGN_IN, article=article, subscription=subscription
    )
    url = absolute(reverse("comments:sign_in", args=[readers.link_token(link)]), root)
    context = {
        "subscription": subscription,
        "article": article,
        "confirm_url": url,
        "days": settings.COMMENTS_CONFIRM_MAX_AGE // 86400,
        "devices": readers.LINK_USES,
        "site_name": settings.SITE_NAME,
    }
    EmailMessage(
        subject=one_line(f"Please confirm your e-mail address for {settings.SITE_NAME}"),
        body=render_to_string("comments/mail/confirm.txt", context),
        to=[email],
    ).send()
