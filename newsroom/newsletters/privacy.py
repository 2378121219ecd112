"""A reader's own data in the newsletters, one of the site's READER_DATA_SOURCES: their
subscriptions (by their reader record, the mailbox) and the editions mailed to them (by
the address each went to, matched by mailbox as the comments match theirs)."""

from django.db import transaction

from comments.models import Reader
from comments.notifications import mailbox
from comments.privacy import mine

from .models import NewsletterSubscription, Send, Suppression


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _subscriptions(address: str):
    return NewsletterSubscription.objects.filter(
        reader__in=Reader.objects.filter(mailbox=mailbox(address))
    )


def export(address: str) -> dict:
    subscriptions = _subscriptions(address).select_related("newsletter").order_by("pk")
    sent = Send.objects.select_related("edition__newsletter").order_by("pk")
    sends = mine(sent, address, "address")
    suppressions = mine(Suppression.objects.order_by("pk"), address, "address")
    return {
        "subscriptions": [
            {
                "newsletter": subscription.newsletter.name,
                "asked_at": _when(subscription.created_at),
                "confirmed_at": _when(subscription.confirmed_at),
                "paused_until": _when(subscription.paused_until),
            }
            for subscription in subscriptions
        ],
        "editions_mailed": [
            {
                "newsletter": send.edition.newsletter.name,
                "edition": send.edition.subject,
                "address": send.address,
                "status": send.get_status_display(),
                "sent_at": _when(send.sent_at),
            }
            for send in sends
        ],
        "suppressed": [
            {"address": s.address, "reason": s.get_reason_display(), "since": _when(s.created_at)}
            for s in suppressions
        ],
    }


@transaction.atomic
def erase(address: str, *, comments: str) -> dict[str, int]:
    """Subscriptions and the record of mailed editions go, whatever is chosen for the
    comments. A suppression (a bounce, a complaint) stays: it is what keeps mail from
    an address that asked for none."""
    subscriptions = _subscriptions(address).delete()[0]
    pks = [row["pk"] for row in mine(Send.objects.values("pk", "address"), address, "address")]
    sends = Send.objects.filter(pk__in=pks).delete()[0]
    return {"newsletter subscriptions deleted": subscriptions, "newsletter mails forgotten": sends}
