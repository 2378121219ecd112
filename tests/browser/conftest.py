"""What the browser and HTML checks share: Debian's Chromium, plain HTTP for the live
server, and a small but complete site."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.helpers.browser import chromium


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; each test opens its own contexts and pages."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def plain_http():
    """The live server speaks plain HTTP: its middleware must not redirect to HTTPS.

    Middleware reads these settings once, when the (session-wide) live server starts, so
    they are set before it, for the whole session.
    """
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield


@pytest.fixture
def demo_site(make_article, make_section, make_region, make_author, make_photo, reference_article):
    """A small but complete site: a lead story with a photo, sections, quotes, search hits."""
    photos = [
        make_photo(renditions=True, size=(1200, 675), alt_text=f"Hills at dusk, view {i}",
                   caption="Late light over the hills.", photographer="Rami Haddad",
                   agency="Meridian")
        for i in range(2)
    ]  # fmt: skip
    business = make_section("Business", position=1)
    kenya = make_region("Kenya")
    writer = make_author("Daniel Okafor")
    now = timezone.now()
    for i in range(6):
        make_article(
            f"Drought report number {i} from the northern provinces",
            section=business if i % 2 else reference_article.section,
            primary_region=kenya,
            regions=[kenya],
            authors=[writer],
            lead_photo=photos[i % 2],
            standfirst="Farmers say the rains have failed for a third season.",
            publish_at=now - timedelta(hours=3 + i),
        )
    lead = make_article(
        "Parliament passes the water bill after a night-long sitting",
        primary_region=kenya,
        regions=[kenya],
        authors=[writer],
        lead_photo=photos[0],
        standfirst="The law sets out who may draw water from the lakes, and at what price.",
        publish_at=now - timedelta(minutes=1),
    )
    reference_article.lead_photo = photos[1]
    reference_article.save()
    return {
        "home": "/",
        "article": reference_article.get_absolute_url(),
        "section": business.get_absolute_url(),
        "search": "/search/?q=drought",
        "lead": lead,
    }
