import itertools
import re
from datetime import time

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments.models import Reader
from comments.readers import VERIFIED_COOKIE, VERIFIED_SALT
from newsroom.newsletters.models import Newsletter, NewsletterSubscription
from tests.helpers.cookies import signed_cookie

_numbers = itertools.count(1)


# --- Editions and sending: newsletters and their subscribers --------------------------


@pytest.fixture
def make_newsletter(db):
    def make(name=None, *, sections=(), regions=(), **kwargs):
        n = next(_numbers)
        kwargs.setdefault("send_time", time(7, 0))
        newsletter = Newsletter.objects.create(
            name=name or f"Briefing {n}",
            slug=f"briefing-{n}",
            description="Every morning, the stories that matter.",
            **kwargs,
        )
        newsletter.sections.set(sections)
        newsletter.regions.set(regions)
        return newsletter

    return make


@pytest.fixture
def subscribe(db):
    """Subscribe an address (confirmed unless told otherwise) to a newsletter."""

    def make(newsletter, email=None, *, confirmed=True, **kwargs):
        email = email or f"reader{next(_numbers)}@example.org"
        now = timezone.now()
        reader, _ = Reader.objects.get_or_create(
            mailbox=email.lower(),
            defaults={"email": email, "confirmed_at": now if confirmed else None},
        )
        NewsletterSubscription.objects.create(
            newsletter=newsletter,
            reader=reader,
            confirmed_at=now if confirmed else None,
            **kwargs,
        )
        return reader

    return make


# --- Signing up, preferences, unsubscribing ------------------------------------------


@pytest.fixture
def newsletters(db):
    """The demo's three lists: two offered on the sign-up page, one unlisted."""
    return [
        Newsletter.objects.create(
            name="The Daily Briefing", slug="daily", description="Every morning.", order=0
        ),
        Newsletter.objects.create(
            name="Nile Weekly", slug="nile", description="Fridays.", cadence="weekly", order=1
        ),
        Newsletter.objects.create(
            name="Staff digest", slug="staff", description="Internal.", listed=False, order=2
        ),
    ]


@pytest.fixture
def proven_client(settings):
    """A browser that proved ``email`` by a mailed link (the verified cookie)."""

    def make(email):
        client = Client()
        client.cookies[VERIFIED_COOKIE] = signed_cookie(VERIFIED_COOKIE, VERIFIED_SALT, email)
        return client

    return make


@pytest.fixture
def mailed_link():
    """The first link to ``path`` in the mail sent to ``address`` (the last such mail)."""

    def find(address, path="/newsletters/confirm/"):
        for message in reversed(mail.outbox):
            if address in message.to:
                found = re.search(rf"https?://[^\s]+{re.escape(path)}[^\s]+/", message.body)
                if found:
                    return found.group(0)
        raise AssertionError(f"no mail to {address} with a link to {path}")

    return find
