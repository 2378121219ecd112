"""A reader's own data in the comments: what ``export`` gives them, what ``erase`` removes.

A reader is a mailbox (``notifications.mailbox``): whoever proved they read it owns every
spelling of it, ``Reader@Example.org`` and ``reader+news@example.org`` alike, and nobody
else's. Rows keep the address as it was written, so the database narrows the search with
a pattern and ``mailbox`` decides.

This module is one of the site's READER_DATA_SOURCES: the site's reader data page calls
``export`` and ``erase`` with an address its owner proved, and knows nothing more of
comments. Bans naming the address are shown to its owner but never erased: erasing must
not be a way round a moderator's decision.
"""

import re

from django.db import transaction

from .models import Ban, Comment, Delivery, Reader, ReaderLink, Reason, Report, Subscription
from .notifications import DOTS_IGNORED, mailbox
from .signals import discussion_changed

ANONYMISE, REMOVE = "anonymise", "remove"
FORMER_READER = "Former reader"


def address_pattern(address: str) -> str:
    """A regular expression (matched ignoring case) for every address that delivers to the
    same mailbox as ``address``: any ``+tag``, and any dots where the provider ignores
    them. It may match more than that; ``mailbox`` has the last word."""
    local, _, domain = mailbox(address).rpartition("@")
    if domain in DOTS_IGNORED.values():
        dots = r"\.*"
        local = dots + dots.join(re.escape(char) for char in local) + dots
        domains = [name for name, canonical in DOTS_IGNORED.items() if canonical == domain]
    else:
        local, domains = re.escape(local), [domain]
    return rf"^{local}(\+[^@]*)?@({'|'.join(re.escape(name) for name in domains)})$"


def mine(queryset, address: str, field: str = "email"):
    """The rows of ``queryset`` whose ``field`` delivers to ``address``'s mailbox, as a list."""
    wanted = mailbox(address)
    rows = queryset.filter(**{f"{field}__iregex": address_pattern(address)})
    return [row for row in rows if mailbox(_value(row, field)) == wanted]


def _value(row, field: str) -> str:
    return row[field] if isinstance(row, dict) else getattr(row, field)


def _when(value) -> str | None:
    return value.isoformat() if value else None


def export(address: str) -> dict:
    """Everything the comments keep about ``address``'s mailbox, as plain JSON values."""
    reader = Reader.objects.filter(mailbox=mailbox(address)).first()
    comments = mine(Comment.objects.select_related("article").order_by("created_at", "pk"), address)
    subscriptions = mine(Subscription.objects.select_related("article").order_by("pk"), address)
    deliveries = mine(Delivery.objects.select_related("comment__article").order_by("pk"), address)
    return {
        "reader": _reader(reader),
        "comments": [_comment(comment) for comment in comments],
        "subscriptions": [
            {
                "article": _article(subscription.article),
                "email": subscription.email,
                "kind": subscription.get_kind_display(),
                "asked_at": _when(subscription.created_at),
                "confirmed_at": _when(subscription.confirmed_at),
            }
            for subscription in subscriptions
        ],
        "deliveries": [
            {
                "email": delivery.email,
                "about_comment": delivery.comment_id,
                "article": _article(delivery.comment.article),
                "sent_at": _when(delivery.sent_at),
                "attempts": delivery.attempts,
            }
            for delivery in deliveries
        ],
        "bans": [_ban(ban) for ban in mine(Ban.objects.exclude(email=""), address)],
    }


def _reader(reader) -> dict | None:
    if reader is None:
        return None
    return {
        "email": reader.email,
        "mailbox": reader.mailbox,
        "created_at": _when(reader.created_at),
        "confirmed_at": _when(reader.confirmed_at),
        "links": [
            {
                "purpose": link.get_purpose_display(),
                "sent_at": _when(link.created_at),
                "uses": link.uses,
                "last_used_at": _when(link.last_used_at),
            }
            for link in reader.links.all()
        ],
    }


def _article(article) -> dict:
    return {"id": article.pk, "headline": article.headline, "url": article.get_absolute_url()}


def _comment(comment) -> dict:
    return {
        "id": comment.pk,
        "article": _article(comment.article),
        "in_reply_to": comment.parent_id,
        "name": comment.name,
        "email": comment.email,
        "website": comment.author_url,
        "text": comment.body,
        "passage": comment.anchor_excerpt,
        "written_at": _when(comment.created_at),
        "status": comment.get_status_display(),
        "editors_pick": comment.is_featured,
        "ip_address": comment.ip,  # None once forgotten (COMMENTS_IP_RETENTION_DAYS)
    }


def _ban(ban) -> dict:
    # The moderator's note and name are the site's own record, not the reader's data.
    return {
        "email": ban.email,
        "ip_address": ban.ip,
        "since": _when(ban.created_at),
        "email_ban_ends": _when(ban.expires_at),
        "ip_ban_ends": _when(ban.ip_expires_at),
        "lifted_at": _when(ban.lifted_at),
        "in_force": ban.is_active,
    }


@transaction.atomic
def erase(address: str, *, comments: str) -> dict[str, int]:
    """Erase ``address``'s mailbox from the comments; returns what was done, counted.

    ``comments`` is ANONYMISE (each comment stays, written by "Former reader", without
    e-mail or IP address) or REMOVE (each comment goes; one that others replied to stays
    as an empty place in its thread, so their replies still read as replies). Their
    subscriptions, the mail sent to them, their reader record and its links always go.
    Bans naming the address stay.
    """
    if comments not in (ANONYMISE, REMOVE):
        raise ValueError(f"comments must be {ANONYMISE!r} or {REMOVE!r}, not {comments!r}")
    theirs = mine(Comment.objects.only("pk", "email", "parent_id", "status", "article_id"), address)
    done = (_anonymise if comments == ANONYMISE else _remove)(theirs)
    done["subscriptions deleted"] = _delete(Subscription, address)
    done["notification mails forgotten"] = _delete(Delivery, address)
    deleted = Reader.objects.filter(mailbox=mailbox(address)).delete()[1]
    done["reader records deleted"] = deleted.get(Reader._meta.label, 0)
    done["sign-in and data links deleted"] = deleted.get(ReaderLink._meta.label, 0)
    return done


def _delete(model, address: str) -> int:
    pks = [row["pk"] for row in mine(model.objects.values("pk", "email"), address)]
    return model.objects.filter(pk__in=pks).delete()[1].get(model._meta.label, 0)


def _announce(comments) -> None:
    """The pages that showed any of these comments change (announced after commit)."""
    shown = {c.article_id for c in comments if c.status == Comment.Status.APPROVED}
    if shown:
        discussion_changed.send(sender=Comment, article_ids=sorted(shown))


def _anonymise(theirs) -> dict[str, int]:
    Comment.objects.filter(pk__in=[c.pk for c in theirs]).update(
        name=FORMER_READER, email="", ip=None, author_url="", user=None
    )
    _announce(theirs)
    return {"comments anonymised": len(theirs)}


def _remove(theirs) -> dict[str, int]:
    kept = _holding_replies(theirs)
    gone = [c.pk for c in theirs if c.pk not in kept]
    Comment.objects.filter(pk__in=kept).update(
        status=Comment.Status.ERASED,
        name="",
        email="",
        ip=None,
        author_url="",
        user=None,
        body="",
        body_html="",
        anchor="",
        anchor_excerpt="",
        is_featured=False,
    )
    # What moderators and readers recorded about the words is gone with the words.
    for model in (Reason, Report):
        model.objects.filter(comment__in=kept).delete()
    # Marked first, so the delete does not announce each comment on its own: the pages
    # they were on are announced once, below.
    Comment.objects.filter(pk__in=gone).update(status=Comment.Status.ERASED)
    Comment.objects.filter(pk__in=gone).delete()
    _announce(theirs)
    return {"comments removed": len(theirs)}


def _holding_replies(theirs) -> set[int]:
    """Their comments that must keep their place: those with a reply by someone else
    below them (deleting a comment deletes its replies)."""
    parent_of = {c.pk: c.parent_id for c in theirs}
    others = Comment.objects.filter(parent__in=list(parent_of)).exclude(pk__in=list(parent_of))
    kept: set[int] = set()
    for parent in others.values_list("parent_id", flat=True):
        while parent in parent_of and parent not in kept:
            kept.add(parent)
            parent = parent_of[parent]
    return kept
