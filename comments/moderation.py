"""The moderation pipeline: every posted comment goes through the same ordered steps.

Each step looks at a ``Submission`` and returns a ``Verdict`` or None. A step may
*refuse* the post (nothing is stored; the reader is told why and keeps their text),
mark it *spam* or *reject* it (stored, hidden, pipeline stops), *hold* it for a
moderator (recorded, pipeline goes on), or *approve* it. Every verdict is stored with
the comment as a ``Reason``, so moderators always see why a comment is where it is.
"""

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.template.defaultfilters import pluralize
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
    ban_id: int | None = None  # the ban that rejected the comment, recorded on the ban


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
    ban = Ban.objects.matching(sub.email, sub.ip, sub.now).first()
    if ban:
        by_email = ban.email and ban.email.lower() == sub.email.lower()
        what = "e-mail" if by_email else "IP address"
        return Verdict(REJECT, Reason.Code.BANNED, detail=f"banned {what}", ban_id=ban.pk)
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
        # Lifting the ban sends the comment back to the queue.
        comment.rejecting_bans.add(*(v.ban_id for v in verdicts if v.ban_id))
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


# --- Bans ----------------------------------------------------------------------------------
#
# A ban should hit only whom it means. An e-mail address is one commenter; an IP address
# may be a household, an office, a carrier's NAT, or the site's own proxy. So: the ban
# form shows who else posted from the address before anything happens, IP bans are
# opt-in and always end, addresses that cannot be one reader's are never banned, and
# "reject pending" covers the commenter's own address unless widened to the IP.

# Networks shared by many people or internal to the deployment. Documentation ranges
# (192.0.2.0/24 and the like) are not here: they never appear in real traffic.
SHARED_NETWORKS = [
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def ip_ban_refusal(ip: str | None) -> str:
    """Why an IP ban on this address is refused, or "" when it may be banned.

    The address a comment carries is what ``readers.client_ip`` made of the request: with
    ``TRUSTED_PROXIES=0`` the connection's address, else the entry that many hops back in
    X-Forwarded-For (or the connection's address when the header was short). It names a
    reader only when it is a public address that is not one of the site's proxies:

    - loopback, unspecified, link-local, private and carrier-NAT (100.64.0.0/10) addresses
      are a proxy in front of the app (``TRUSTED_PROXIES`` too low) or a network shared by
      many readers, so they are refused whatever the settings;
    - addresses in ``PROXY_NETWORKS`` (a CDN's or load balancer's public addresses) are
      the proxy's, seen when a request arrived without its forwarding header: refused.
    """
    if not ip:
        return "no IP address was recorded"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "not an IP address"
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    hint = " (is TRUSTED_PROXIES set?)" if not settings.TRUSTED_PROXIES else ""
    if address.is_loopback or address.is_unspecified:
        return f"{address} is this server's own address, not a reader's{hint}"
    if address.is_link_local or any(address in net for net in SHARED_NETWORKS):
        return f"{address} is a private or shared address that may be many readers'{hint}"
    for net in settings.PROXY_NETWORKS:
        if address in ipaddress.ip_network(net, strict=False):
            return f"{address} is a proxy's address (PROXY_NETWORKS), not a reader's"
    return ""


def _pending(**match):
    return Comment.objects.filter(status=Comment.Status.PENDING, **match)


@dataclass
class BanPreview:
    """What banning the writer of ``comment`` could affect, shown before anything is done."""

    comment: Comment
    own_pending: int  # pending comments from the same e-mail address
    others_on_ip: int  # comments from the same IP by other e-mail addresses
    others_pending_on_ip: int
    other_names_on_ip: int
    ip_refusal: str

    @property
    def ip_summary(self) -> str:
        if not self.comment.ip:
            return "No IP address was recorded for this comment."
        if not self.others_on_ip:
            return "No one else has commented from this IP address."
        names = self.other_names_on_ip
        return (
            f"This IP address also posted {self.others_on_ip} comment(s)"
            f" ({self.others_pending_on_ip} pending) by {names} other name{pluralize(names)}."
        )


def ban_preview(comment: Comment) -> BanPreview:
    own = _pending(email__iexact=comment.email).count()
    others = Comment.objects.none()
    if comment.ip:
        others = Comment.objects.filter(ip=comment.ip).exclude(email__iexact=comment.email)
    counts = others.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Comment.Status.PENDING)),
        names=Count(Lower("name"), distinct=True),
    )
    return BanPreview(
        comment=comment,
        own_pending=own,
        others_on_ip=counts["total"] or 0,
        others_pending_on_ip=counts["pending"] or 0,
        other_names_on_ip=counts["names"] or 0,
        ip_refusal=ip_ban_refusal(comment.ip) if comment.ip else "",
    )


@dataclass
class BanResult:
    """What one ban did, in the words the moderator is told."""

    comment: Comment
    ban: Ban | None = None
    ip_refused: str = ""
    rejected_own: int | None = None  # None: not asked to reject pending comments
    rejected_on_ip: int | None = None  # None: not widened to the IP

    @property
    def message(self) -> str:
        ban = self.ban
        if ban is None:
            return f"{self.comment.name} not banned: {self.ip_refused or 'nothing was chosen'}."
        parts = []
        if ban.email:
            parts.append(f"banned {ban.email} {_for_how_long(ban.created_at, ban.expires_at)}")
        if self.rejected_own is not None:
            n = self.rejected_own
            parts.append(f"rejected {n} of their pending comment{pluralize(n)}")
        if ban.ip:
            parts.append(f"banned IP {ban.ip} {_for_how_long(ban.created_at, ban.ip_expires_at)}")
        else:
            why = f" ({self.ip_refused})" if self.ip_refused else ""
            parts.append(f"IP not banned{why}")
        if self.rejected_on_ip is not None:
            n = self.rejected_on_ip
            parts.append(f"rejected {n} pending comment{pluralize(n)} by others from that IP")
        if not ban.email:
            parts.append("e-mail address not banned")
        sentence = "; ".join(parts)
        return sentence[0].upper() + sentence[1:] + "."


def _for_how_long(start: datetime, end: datetime | None) -> str:
    if end is None:
        return "permanently"
    days = round((end - start).total_seconds() / 86400)
    return f"for {days} day{pluralize(days)}" if days >= 1 else "for less than a day"


def _reject_for(ban: Ban, comments, by) -> int:
    rejected = 0
    for comment in comments:
        if set_status(comment, Comment.Status.REJECTED, by=by, detail="commenter banned"):
            ban.rejected.add(comment)
            rejected += 1
    return rejected


@transaction.atomic
def ban(
    comment: Comment,
    *,
    by,
    email: bool = True,
    ip: bool = False,
    email_days: int | None = None,
    reject_pending: bool = True,
    reject_ip_pending: bool = False,
) -> BanResult:
    """Ban the writer of ``comment`` by e-mail address and/or IP address.

    The e-mail ban lasts ``email_days`` (None: until lifted); an IP ban lasts
    ``COMMENTS_IP_BAN_DAYS`` and is skipped for an address ``ip_ban_refusal`` refuses.
    ``reject_pending`` rejects the comments of the same e-mail address still waiting for
    a decision; ``reject_ip_pending`` also those of others from the same IP (only for an
    IP that may be banned). Every comment rejected is recorded on the ban.
    """
    now = timezone.now()
    result = BanResult(comment=comment)
    refusal = ip_ban_refusal(comment.ip) if (ip or reject_ip_pending) else ""
    result.ip_refused = refusal
    ip_ok = bool(comment.ip) and not refusal
    record = Ban(note=f"From comment {comment.pk}", created_by=by)
    if email and comment.email:
        record.email = comment.email
        record.expires_at = now + timedelta(days=email_days) if email_days else None
    if ip and ip_ok:
        record.ip = comment.ip
        record.ip_expires_at = now + timedelta(days=settings.COMMENTS_IP_BAN_DAYS)
    if not (record.email or record.ip):
        return result
    record.save()
    result.ban = record
    if reject_pending:
        result.rejected_own = _reject_for(record, _pending(email__iexact=comment.email), by)
    if reject_ip_pending and ip_ok:
        others = _pending(ip=comment.ip).exclude(email__iexact=comment.email)
        result.rejected_on_ip = _reject_for(record, others, by)
    return result


def ban_commenters(comments, **choices) -> list[BanResult]:
    """Ban the writers of ``comments``, once per commenter (e-mail address and IP)."""
    done, results = set(), []
    for comment in comments:
        key = (comment.email.lower(), comment.ip)
        if key not in done:
            done.add(key)
            results.append(ban(comment, **choices))
    return results


@transaction.atomic
def lift(record: Ban, *, by) -> int | None:
    """End a ban now and send the comments it rejected back to the queue.

    A comment a moderator decided on since (approved, or marked spam) keeps that
    decision. Returns how many went back, or None when the ban was already lifted.
    """
    if record.lifted_at is not None:
        return None
    Ban.objects.filter(pk=record.pk).update(lifted_at=timezone.now(), lifted_by=by)
    record.refresh_from_db(fields=["lifted_at", "lifted_by"])
    requeued = 0
    for comment in record.rejected.filter(status=Comment.Status.REJECTED):
        requeued += set_status(comment, Comment.Status.PENDING, by=by, detail="ban lifted")
    return requeued
