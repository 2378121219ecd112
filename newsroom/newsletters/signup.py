"""Signing up for newsletters: double opt-in through the reader identity of the comments.

A subscriber is a ``comments.Reader``, and the proof is the comments' own: a browser that
carries the verified-address cookie for the address is subscribed at once; any other
request records the wish unconfirmed and mails a ``newsletter`` reader link to the
address. Opening it confirms the address, the newsletters asked for until then, and
signs that browser in (it is the same proof a comment sign-in link gives).

The answer never says whether an address was subscribed already: everyone who is not
proven is told to check their inbox, and at most one link an hour goes to a mailbox
while the last one is unused, within the comments' hourly caps on confirmation mail.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from comments import limits, notifications, readers
from comments.models import ReaderLink

from .models import Newsletter, NewsletterSubscription

logger = logging.getLogger(__name__)

# What a sign-up tells the reader: subscribed now (their browser proved the address), a
# link is on its way (or waiting in their inbox), or their connection asked too often.
SUBSCRIBED, INBOX, LATER = "subscribed", notifications.LINK_SENT, notifications.HELD_FOR_CLIENT


def listed():
    return Newsletter.objects.filter(listed=True)


def too_many(request) -> bool:
    """Has this client asked for more sign-ups this hour than the confirmation mails it
    may cause (twice over, for readers who sign up for one list, then another)? Counted
    before anything is stored, so a script cannot fill the tables with made-up readers."""
    ip = readers.client_ip(request)
    if not ip:
        return False
    key = f"newsletters:signup:ip:{ip}:{int(timezone.now().timestamp() // 3600)}"
    return limits.hit(key, 3600) > 2 * settings.CONFIRMATION_MAILS_PER_IP_PER_HOUR


def sign_up(request, email: str, newsletters) -> str:
    """Record ``email``'s wish for ``newsletters``; returns SUBSCRIBED, INBOX or LATER."""
    proven = readers.proves(request, email)
    if not proven and too_many(request):
        return LATER
    reader = readers.reader_for(email)
    now = timezone.now()
    if proven:
        for newsletter in newsletters:
            NewsletterSubscription.objects.update_or_create(
                newsletter=newsletter, reader=reader, defaults={"confirmed_at": now}
            )
        return SUBSCRIBED
    for newsletter in newsletters:
        # A confirmed subscription stays as it is; a new wish waits for the link.
        NewsletterSubscription.objects.get_or_create(newsletter=newsletter, reader=reader)
    return ask_to_confirm(request, reader)


def ask_to_confirm(request, reader) -> str:
    """Mail ``reader`` a link confirming their waiting subscriptions, unless one from the
    last hour is still unused or the hourly caps are reached."""
    if not reader.newsletter_subscriptions.filter(confirmed_at__isnull=True).exists():
        return INBOX  # nothing to confirm: said as if a link went out
    recent = ReaderLink.objects.filter(
        reader=reader,
        purpose=ReaderLink.Purpose.NEWSLETTER,
        uses=0,
        created_at__gte=timezone.now() - timedelta(hours=1),
    )
    if recent.exists():
        return INBOX
    held = notifications.confirmation_held(reader.email, readers.client_ip(request))
    if held == notifications.HELD_FOR_CLIENT:
        return LATER
    if held:  # the mailbox had its share this hour: the mail sent before is waiting
        return INBOX
    root = notifications.site_root(request)
    try:
        with transaction.atomic():  # a savepoint: a queue that is down loses this mail only
            send_confirmation.enqueue(reader.pk, **notifications.where(root))
    except Exception:  # the queue's backend, its table or its broker is down
        logger.exception("could not queue a newsletter confirmation for reader %s", reader.pk)
    return INBOX


@task()
def send_confirmation(reader_id: int, root: str = "") -> None:
    """The one mail an unconfirmed address gets: a link confirming what it asked for."""
    from comments.models import Reader

    reader = Reader.objects.filter(pk=reader_id).first()
    if reader is None:
        return
    waiting = Newsletter.objects.filter(
        subscriptions__reader=reader, subscriptions__confirmed_at__isnull=True
    )
    if not waiting:
        return
    link = ReaderLink.objects.create(reader=reader, purpose=ReaderLink.Purpose.NEWSLETTER)
    url = reverse("newsletters:confirm", args=[readers.link_token(link)])
    context = {
        "newsletters": list(waiting),
        "confirm_url": notifications.absolute(url, root),
        "days": settings.COMMENTS_CONFIRM_MAX_AGE // 86400,
        "site_name": settings.SITE_NAME,
    }
    EmailMessage(
        subject=notifications.one_line(f"Confirm your newsletters from {settings.SITE_NAME}"),
        body=render_to_string("newsletters/confirm_mail.txt", context),
        to=[reader.email],
    ).send()


def confirm(link) -> list[Newsletter]:
    """Confirm the address of an opened link and the subscriptions waiting when it was
    made (a wish recorded later gets its own link); returns the reader's newsletters."""
    readers.confirm(link.reader)
    NewsletterSubscription.objects.filter(
        reader=link.reader, confirmed_at__isnull=True, created_at__lte=link.created_at
    ).update(confirmed_at=link.last_used_at or timezone.now())
    return list(
        Newsletter.objects.filter(
            subscriptions__reader=link.reader, subscriptions__confirmed_at__isnull=False
        )
    )


def comment_posted(sender, request, comment, **kwargs) -> str:
    """Receiver of ``comments.signals.comment_posted``: the newsletters ticked on the
    comment form. A comment taken for spam or rejected signs nobody up, and its author is
    told what anyone would be told."""
    from comments.models import Comment

    wanted = request.POST.getlist("newsletters")
    if not wanted:
        return ""
    newsletters = list(listed().filter(slug__in=wanted[:20]))
    if not newsletters:
        return ""
    if comment.status in (Comment.Status.SPAM, Comment.Status.REJECTED):
        return "" if readers.proves(request, comment.email) else INBOX
    answer = sign_up(request, comment.email, newsletters)
    return "" if answer == SUBSCRIBED else answer
