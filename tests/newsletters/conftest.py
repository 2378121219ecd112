import re

import pytest
from django.core import mail
from django.test import Client

from comments.readers import VERIFIED_COOKIE, VERIFIED_SALT
from newsroom.newsletters.models import Newsletter
from tests.helpers.cookies import signed_cookie


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
