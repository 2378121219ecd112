"""A reader's own data: download it, or erase it, once they proved their address.

Readers have no accounts, so the proof is a link mailed to the address (a data link of
``comments.readers``: one use, within COMMENTS_DATA_LINK_MAX_AGE). Opening it gives this
browser a short-lived, HttpOnly cookie scoped to these pages (READER_DATA_SESSION_SECONDS),
long enough to download, read the choices and erase. The verified-reader cookie alone is
not enough: it lasts a year on whatever device signed in, while these pages hand over
everything about a reader and erase what cannot be brought back.

The data comes from READER_DATA_SOURCES, modules with ``export(address) -> dict`` and
``erase(address, *, comments) -> dict[str, int]`` (``comments.privacy`` first; other
apps add theirs). This module only composes them. Every page here is the reader's own:
never cached (``Cache-Control: private, no-store``, and an uncacheable prefix).
"""

import json
import logging
from importlib import import_module

from django import forms
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_tasks import task

from comments import notifications, readers
from comments.models import ReaderLink
from comments.privacy import ANONYMISE, REMOVE

logger = logging.getLogger(__name__)

PROOF_COOKIE = "nr_data"
PROOF_SALT = "newsroom.privacy.proof"


# --- Composing the sources ------------------------------------------------------------------


def sources() -> list:
    return [import_module(name) for name in settings.READER_DATA_SOURCES]


def export(address: str) -> dict:
    """Everything the site keeps about ``address``'s mailbox, one part per source."""
    return {
        "address": address,
        "site": settings.SITE_NAME,
        "exported_at": timezone.now().isoformat(),
        "sources": {source.__name__: source.export(address) for source in sources()},
    }


def erase(address: str, *, comments: str) -> list[tuple[str, int]]:
    """Erase ``address`` from every source, in one transaction, the last source first (a
    source listed later may hold rows that refer to an earlier one's). Returns what was
    done, as (what, how many), in the order of the sources."""
    done: list[list[tuple[str, int]]] = []
    with transaction.atomic():
        for source in reversed(sources()):
            done.append(list(source.erase(address, comments=comments).items()))
    return [item for part in reversed(done) for item in part]


# --- The proof --------------------------------------------------------------------------------


def proven_address(request) -> str:
    """The address this browser proved by a data link within READER_DATA_SESSION_SECONDS."""
    try:
        return request.get_signed_cookie(
            PROOF_COOKIE,
            salt=PROOF_SALT,
            default="",
            max_age=settings.READER_DATA_SESSION_SECONDS,
        )
    except signing.BadSignature:
        return ""


def remember_proof(response, address: str) -> None:
    response.set_signed_cookie(
        PROOF_COOKIE,
        address,
        salt=PROOF_SALT,
        max_age=settings.READER_DATA_SESSION_SECONDS,
        path=reverse("privacy:start"),
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def forget_reader(response) -> None:
    """This browser no longer knows who its reader was (after an erasure)."""
    response.delete_cookie(PROOF_COOKIE, path=reverse("privacy:start"), samesite="Strict")
    response.delete_cookie(readers.VERIFIED_COOKIE, samesite="Lax")
    response.delete_cookie(readers.COMMENTER_COOKIE, samesite="Lax")


# --- The mailed link ----------------------------------------------------------------------


@task()
def send_data_link(email: str, root: str = "") -> None:
    """Mail ``email`` a link that opens its reader's data once."""
    link = readers.new_link(email, ReaderLink.Purpose.DATA)
    token = readers.link_token(link)
    context = {
        "url": notifications.absolute(reverse("privacy:open", args=[token]), root),
        "minutes": settings.COMMENTS_DATA_LINK_MAX_AGE // 60,
        "site_name": settings.SITE_NAME,
    }
    EmailMessage(
        subject=notifications.one_line(f"Your data at {settings.SITE_NAME}"),
        body=render_to_string("privacy/mail/data_link.txt", context),
        to=[email],
    ).send()


def ask_for_link(request, email: str) -> tuple[str, int]:
    """Queue a data link for ``email`` within the hourly caps on mail to unproven
    addresses; returns what the page says ("sent", "later", "down") and its status."""
    held = notifications.confirmation_held(email, readers.client_ip(request))
    if held == notifications.HELD_FOR_CLIENT:
        return "later", 429
    if held:  # the mailbox had its share this hour: the last link is waiting there
        return "sent", 200
    try:
        send_data_link.enqueue(email, **notifications.where(notifications.site_root(request)))
    except Exception:  # the queue's backend, its table or its broker is down
        logger.exception("could not queue a data link")
        return "down", 503
    return "sent", 200


class AddressForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)


class EraseForm(forms.Form):
    comments = forms.ChoiceField(
        label="Your comments",
        widget=forms.RadioSelect,
        choices=[
            (ANONYMISE, "Keep the words, without me"),
            (REMOVE, "Remove my comments"),
        ],
    )


# --- Pages --------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def start(request):
    """The reader's data page once proven; else the form that mails a link to prove it."""
    address = proven_address(request)
    if address:
        return render(request, "privacy/data.html", {"address": address})
    if request.method != "POST":
        initial = {"email": readers.verified_email(request)}
        return render(request, "privacy/ask.html", {"form": AddressForm(initial=initial)})
    form = AddressForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/ask.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    outcome, status = ask_for_link(request, email)
    context = {"form": form, "email": email, "outcome": outcome}
    response = render(request, "privacy/ask.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "3600"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def open_link(request, token):
    """A mailed data link. GET shows a button (mail scanners follow links); POST spends
    the link's one use and lets this browser see the reader's data for a while."""
    try:
        link = readers.open_link(token, ReaderLink.Purpose.DATA)
    except readers.LinkRefused as refused:
        status = 400 if refused.reason == "invalid" else 410
        return render(request, "privacy/link.html", {"refused": refused.reason}, status=status)
    if link.uses >= readers.link_uses(link.purpose):
        return render(request, "privacy/link.html", {"refused": "used-up"}, status=410)
    if request.method != "POST":
        return render(request, "privacy/link.html", {"email": link.reader.email})
    if not readers.use_link(link):
        return render(request, "privacy/link.html", {"refused": "used-up"}, status=410)
    response = redirect("privacy:start")
    response.status_code = 303
    remember_proof(response, link.reader.email)
    return response


def not_proven(request):
    return render(request, "privacy/link.html", {"refused": "not-proven"}, status=403)


@never_cache
@require_http_methods(["GET", "HEAD"])
def download(request):
    address = proven_address(request)
    if not address:
        return not_proven(request)
    data = json.dumps(export(address), indent=2, ensure_ascii=False)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{day}.json"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def erase_data(request):
    """GET explains both choices for the comments; POST erases and says what was done."""
    address = proven_address(request)
    if not address:
        return not_proven(request)
    form = EraseForm(request.POST if request.method == "POST" else None)
    context = {"address": address, "form": form}
    if request.method != "POST":
        return render(request, "privacy/erase.html", context)
    if not form.is_valid():
        return render(request, "privacy/erase.html", context, status=400)
    chosen = form.cleaned_data["comments"]
    done = erase(address, comments=chosen)
    context = {"address": address, "done": done, "chosen": chosen}
    response = render(request, "privacy/erased.html", context)
    forget_reader(response)
    return response


app_name = "privacy"
urlpatterns = [
    path("", start, name="start"),
    path("link/<token:token>/", open_link, name="open"),
    path("download/", download, name="download"),
    path("erase/", erase_data, name="erase"),
]
