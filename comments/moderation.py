"""The moderation pipeline: every posted comment goes through the same ordered steps.

Each step looks at a ``Submission`` and returns a ``Verdict`` or None. A step may
*refuse* the post (nothing is stored; the reader is told why and keeps their text),
mark it *spam* or *reject* it (stored, hidden, pipeline stops), *hold* it for a
moderator (recorded, pipeline goes on), or *approve* it. Every verdict is stored with
the comment as a ``Reason``, so moderators always see why a comment is where it is.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.markup import clean_comment
from articles.models import Article

from . import limits, notifications, readers, words
from .models import Ban, Comment, Reason
from .notifications import mailbox
from .signals import discussion_changed

logger = logging.getLogger(__name__)

REFUSE, SPAM, REJECT, HOLD, APPROVE = "refuse", "spam", "reject", "hold", "approve"
# A trusted commenter loses that trust for this long after a rejection.
TRUST_COOLDOWN = timedelta(days=90)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    code: str
    detail: str = ""
    message: str = ""  # for refusals: what the reader is told
    status: int = 400  # for refusals: the HTTP status of the answer


@dataclass
class Submission:
    article: Article
    name: str
    email: str
    body: str
    ip: str | None = None
    parent: Comment | None = None
    anchor: str = ""
    anchor_excerpt: str = ""
    user: object = None
    verified_email: str = ""
    issued_at: float | None = None  # from the signed form timestamp
    honeypot: str = ""
    site: str = ""  # where links in mail lead (the address the post was sent to)
    now: datetime = field(default_factory=timezone.now)
    body_html: str = ""


# --- The steps, in order -------------------------------------------------------------------


def comments_closed(sub: Submission) -> Verdict | None:
    if not sub.article.comments_are_open:
        return Verdict(
            REFUSE, Reason.Code.CLOSED, message="Comments on this article are closed.", status=403
        )
    return None


def form_timing(sub: Submission) -> Verdict | None:
    if sub.issued_at is None:
        return Verdict(
            REFUSE,
            Reason.Code.TOO_FAST,
            message="This form could not be checked. Please send it again.",
        )
    age = sub.now.timestamp() - sub.issued_at
    if age < settings.COMMENTS_MIN_SECONDS:
        return Verdict(
            REFUSE,
            Reason.Code.TOO_FAST,
            detail=f"{age:.1f} s",
            message="That was quick! Please check your comment and send it again.",
        )
    if age > settings.COMMENTS_MAX_FORM_AGE:
        return Verdict(
            REFUSE,
            Reason.Code.TOO_FAST,
            detail="form expired",
            message="This page was open for a long time. Please send your comment again.",
        )
    return None


def honeypot(sub: Submission) -> Verdict | None:
    if sub.honeypot:
        return Verdict(SPAM, Reason.Code.HONEYPOT)
    return None


def rate_limit(sub: Submission) -> Verdict | None:
    for count, seconds in settings.COMMENTS_RATE_LIMITS:
        bucket = int(sub.now.timestamp() // seconds)
        for kind, value in (("ip", sub.ip), ("email", sub.email.lower())):
            if not value:
                continue
            if limits.hit(f"comments:rate:{kind}:{value}:{seconds}:{bucket}", seconds) > count:
                return Verdict(
                    REFUSE,
                    Reason.Code.RATE_LIMIT,
                    detail=f"{kind} over {count}/{seconds}s",
                    message="You are commenting very quickly. Please wait a minute and try again.",
                    status=429,
                )
    return None


def duplicate(sub: Submission) -> Verdict | None:
    recent = Comment.objects.filter(
        article=sub.article,
        email__iexact=sub.email,
        body=sub.body,
        created_at__gte=sub.now - timedelta(days=1),
    ).exclude(status=Comment.Status.REMOVED)
    if recent.exists():
        return Verdict(
            REFUSE,
            Reason.Code.DUPLICATE,
            message="You have already posted this comment.",
            status=409,
        )
    return None


def sanitise_and_count_links(sub: Submission) -> Verdict | None:
    sub.body_html = clean_comment(sub.body)
    links = sub.body_html.count("<a ")
    if links >= settings.COMMENTS_MAX_LINKS:
        return Verdict(HOLD, Reason.Code.LINKS, detail=f"{links} links")
    return None


def banned_words(sub: Submission) -> Verdict | None:
    found = words.matcher().find(f"{sub.name} {sub.body}", "reject")
    return Verdict(REJECT, Reason.Code.BANNED_WORD, detail=found) if found else None


def suspect_words(sub: Submission) -> Verdict | None:
    found = words.matcher().find(f"{sub.name} {sub.body}", "hold")
    return Verdict(HOLD, Reason.Code.SUSPECT_WORD, detail=found) if found else None


def bans(sub: Submission) -> Verdict | None:
    match = Q(email__iexact=sub.email) & ~Q(email="")
    if sub.ip:
        match |= Q(ip=sub.ip)
    ban = Ban.objects.filter(match).first()
    if ban:
        what = "e-mail" if ban.email and ban.email.lower() == sub.email.lower() else "IP address"
        return Verdict(REJECT, Reason.Code.BANNED, detail=f"banned {what}")
    return None


def trust(sub: Submission) -> Verdict | None:
    """Approve commenters who proved their address and have a clean record.

    Trust belongs to the address: the browser must carry the proof (a sign-in link opened
    on it, ``readers``) for the address typed, and the address is judged by its comments
    from any device. Asking for notifications has nothing to do with it."""
    proven = sub.verified_email
    if proven and mailbox(proven) == mailbox(sub.email) and readers.is_confirmed(sub.email):
        history = Comment.objects.filter(email__iexact=sub.email)
        bad = [Comment.Status.REJECTED, Comment.Status.SPAM]
        recent_bad = history.filter(status__in=bad, created_at__gte=sub.now - TRUST_COOLDOWN)
        if recent_bad.exists():
            return Verdict(HOLD, Reason.Code.RECENT_REJECTION)
        if history.filter(status=Comment.Status.APPROVED).exists():
            return Verdict(APPROVE, Reason.Code.TRUSTED)
    return Verdict(HOLD, Reason.Code.NEW_COMMENTER)


def staff(sub: Submission) -> Verdict | None:
    if sub.user is not None and getattr(sub.user, "is_staff", False):
        return Verdict(APPROVE, Reason.Code.STAFF, detail=sub.user.get_username())
    return None


STEPS = [
    # Refusals that cost nothing and store nothing: a closed article, a forged or stale form.
    comments_closed,
    form_timing,
    # Before anything that stores a row (spam and rejections are stored too). Every post
    # that gets this far counts, whatever the later steps make of it, so a bot learns
    # nothing for free; over the limit nothing is stored at all.
    rate_limit,
    honeypot,
    duplicate,
    sanitise_and_count_links,
    banned_words,
    suspect_words,
    bans,
    trust,
    staff,
]


# --- Running it ----------------------------------------------------------------------------


@dataclass
class Outcome:
    comment: Comment | None
    refusal: Verdict | None
    verdicts: list[Verdict]


def decide(sub: Submission) -> tuple[str | None, Verdict | None, list[Verdict]]:
    """Run the steps; returns (status, refusal, verdicts)."""
    verdicts: list[Verdict] = []
    for step in STEPS:
        verdict = step(sub)
        if verdict is None:
            continue
        if verdict.outcome == REFUSE:
            return None, verdict, verdicts
        verdicts.append(verdict)
        if verdict.outcome in (SPAM, REJECT):
            status = Comment.Status.SPAM if verdict.outcome == SPAM else Comment.Status.REJECTED
            return status, None, verdicts
    outcomes = [verdict.outcome for verdict in verdicts]
    if any(v.code == Reason.Code.STAFF for v in verdicts):
        return Comment.Status.APPROVED, None, verdicts
    if HOLD in outcomes:
        return Comment.Status.PENDING, None, verdicts
    if APPROVE in outcomes:
        return Comment.Status.APPROVED, None, verdicts
    return Comment.Status.PENDING, None, verdicts


def submit(sub: Submission, *, also: Callable[[Comment], object] | None = None) -> Outcome:
    """Moderate a posted comment and store it with its reasons, in one transaction.

    ``also`` runs in that transaction with the stored comment (the reader's wish for
    mail): if anything in it fails, nothing of the comment is stored either."""
    status, refusal, verdicts = decide(sub)
    if refusal is not None:
        logger.info(
            "comment refused on article %s: %s %s", sub.article.pk, refusal.code, refusal.detail
        )
        return Outcome(None, refusal, verdicts)
    with transaction.atomic():
        comment = Comment.objects.create(
            article=sub.article,
            parent=sub.parent,
            name=sub.name,
            email=sub.email,
            user=sub.user if getattr(sub.user, "is_authenticated", False) else None,
            ip=sub.ip,
            body=sub.body,
            body_html=sub.body_html or clean_comment(sub.body),
            anchor=sub.anchor,
            anchor_excerpt=sub.anchor_excerpt,
            status=status,
            created_at=sub.now,
        )
        Reason.objects.bulk_create(
            Reason(comment=comment, code=v.code, detail=v.detail[:200], created_at=sub.now)
            for v in verdicts
        )
        if also is not None:
            also(comment)
        if status == Comment.Status.APPROVED:
            # Robust: the comment is stored; mail that cannot be queued must not undo the reply.
            transaction.on_commit(
                lambda: notifications.comment_approved(comment.pk, sub.site), robust=True
            )
    return Outcome(comment, None, verdicts)


def set_status(comment: Comment, status: str, *, by=None, detail: str = "") -> bool:
    """A moderator's decision (or readers' reports): change status, record why.

    Returns False when the comment already had that status.
    """
    if comment.status == status:
        return False
    shown_before = comment.status == Comment.Status.APPROVED
    now = timezone.now()
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(
            status=status, moderated_at=now, moderated_by=by
        )
        code = Reason.Code.MODERATOR if by is not None else Reason.Code.REPORTED
        label = Comment.Status(status).label.lower()
        Reason.objects.create(
            comment=comment,
            code=code,
            created_at=now,
            detail=(detail or f"{label} by {by.get_username() if by else 'readers'}")[:200],
        )
        comment.status, comment.moderated_at, comment.moderated_by = status, now, by
        if by is not None:  # a moderator's decision answers the reports made so far
            comment.reports.filter(reviewed_at__isnull=True).update(reviewed_at=now)
        if shown_before or status == Comment.Status.APPROVED:
            discussion_changed.send(sender=Comment, article_ids=[comment.article_id])
        if status == Comment.Status.APPROVED:
            pk = comment.pk
            transaction.on_commit(lambda: notifications.comment_approved(pk), robust=True)
    return True


def set_pick(comment: Comment, featured: bool, *, by) -> bool:
    """Make a shown comment an editor's pick, or stop it being one.

    Returns False when nothing changed: it already was (or was not) a pick, or it is not
    shown (only shown comments can be picked; any comment can stop being one).
    """
    if comment.is_featured == featured or (featured and comment.status != Comment.Status.APPROVED):
        return False
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(is_featured=featured)
        Reason.objects.create(
            comment=comment,
            code=Reason.Code.MODERATOR,
            detail=f"editor's pick {'made' if featured else 'removed'} by {by.get_username()}"[
                :200
            ],
        )
        comment.is_featured = featured
        if comment.status == Comment.Status.APPROVED:
            discussion_changed.send(sender=Comment, article_ids=[comment.article_id])
    return True


@dataclass
class BanResult:
    banned: int = 0
    rejected: int = 0


def ban(comments, *, by, email: bool = True, ip: bool = True, reject_pending: bool = True):
    """Ban the commenters of ``comments`` by e-mail and/or IP address.

    With ``reject_pending``, their comments still waiting for a decision are rejected too.
    """
    result = BanResult()
    for comment in comments:
        banned = Ban(
            email=comment.email if email else "",
            ip=comment.ip if ip else None,
            note=f"From comment {comment.pk}",
            created_by=by,
        )
        if banned.email or banned.ip:
            banned.save()
            result.banned += 1
        if reject_pending:
            pending = Comment.objects.filter(
                status=Comment.Status.PENDING, email__iexact=comment.email
            )
            if ip and comment.ip:
                pending = pending | Comment.objects.filter(
                    status=Comment.Status.PENDING, ip=comment.ip
                )
            for other in pending:
                result.rejected += set_status(
                    other, Comment.Status.REJECTED, by=by, detail="commenter banned"
                )
    return result
