import itertools
from datetime import time

import pytest
from django.utils import timezone

from comments.models import Reader
from newsroom.newsletters.models import Newsletter, NewsletterSubscription

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
