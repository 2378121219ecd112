"""Bounces and complaints reported by the mail provider, through django-anymail's tracking
webhooks: a hard bounce, a complaint or a rejection puts the address on the suppression
list, which no newsletter mails again.

The webhooks are anymail's own views, each verifying its provider's signature or the
basic-auth secret (ANYMAIL's WEBHOOK_SECRET) before anything is read. A provider the
site is not set up for (its signing key missing) answers 404 instead of the server error
anymail would raise for the missing setting.
"""

from functools import wraps

from anymail import urls as anymail_urls
from anymail.signals import EventType
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseNotFound
from django.urls import URLPattern

from .models import Suppression

SUPPRESSING = {
    EventType.BOUNCED: Suppression.Reason.BOUNCE,  # anymail's "bounced" is permanent
    EventType.REJECTED: Suppression.Reason.BOUNCE,  # the provider refused the address
    EventType.COMPLAINED: Suppression.Reason.COMPLAINT,
}


# Anymail reports these as "bounced" too, though the mailbox may take mail tomorrow.
SOFT_BOUNCES = {"SoftBounce"}  # Postmark's Type


def tracking_event(sender, event, esp_name, **kwargs) -> None:
    """Receiver of anymail's ``tracking`` signal."""
    reason = SUPPRESSING.get(event.event_type)
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if esp_event.get("Type") in SOFT_BOUNCES:
        return
    address = (event.recipient or "").strip().lower()
    if reason is None or not address or "@" not in address:
        return
    detail = " ".join(str(event.description or event.reject_reason or "").split())
    Suppression.objects.get_or_create(
        address=address[:254],
        defaults={"reason": reason, "detail": f"{esp_name}: {detail}"[:300]},
    )


def _configured_only(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImproperlyConfigured:
            return HttpResponseNotFound("This mail provider is not set up here.")

    return guarded


# anymail's URLs (names and addresses as its documentation gives them), each guarded.
urlpatterns = [
    URLPattern(p.pattern, _configured_only(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
]
app_name = anymail_urls.app_name
