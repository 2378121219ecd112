"""A reader signs up for a newsletter from an article on a phone, confirms from the mail,
gets the next edition with the right articles, and leaves with one click.

Debian's Chromium at 390 px; the edition goes out through the newsletters' own sending
task. Each page the reader fills in has no serious axe-core violation and fits the
screen; screenshots go to test-artifacts/.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from newsroom.newsletters import tasks
from newsroom.newsletters.models import (
    Edition,
    EditionItem,
    Newsletter,
    NewsletterSubscription,
    Send,
)
from tests.helpers.tools import ARTIFACTS, AXE

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = 390
ADDRESS = "lina@example.org"


def checked(page, name: str) -> None:
    """No serious accessibility violation, no sideways scrolling; a screenshot to look at."""
    page.evaluate(AXE.read_text())  # by the harness: the page's CSP refuses inline scripts
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"
    width = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(width) <= 0, name
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"newsletter-{name}.png", full_page=True)


def link_in(message, path: str) -> str:
    return re.search(rf"https?://\S+{re.escape(path)}\S+/", message.body)[0]


def test_reader_signs_up_confirms_receives_an_edition_and_unsubscribes(
    browser, plain_http, live_server, make_article, make_region
):
    briefing = Newsletter.objects.create(
        name="The Daily Briefing", slug="daily", description="The morning's news, at seven."
    )
    Newsletter.objects.create(name="Breaking news", slug="breaking", description="Rarely.", order=1)
    nile = make_region("Sudan")
    article = make_article("River ferry returns after the floods")
    page_one = make_article(
        "Talks resume in the capital", regions=[nile], primary_region=nile, standfirst="Both."
    )
    page_two = make_article("Harvest beats the forecast")
    context = browser.new_context(viewport={"width": PHONE, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Sign up from the article: the daily briefing is offered, ticked, on the cached page.
    page.goto(live_server.url + article.get_absolute_url())
    box = page.locator(".newsletter-signup")
    assert box.locator("input[value=daily]").is_checked()
    checked(page, "article")
    box.locator("input[type=email]").fill(ADDRESS)
    with page.expect_navigation():
        box.locator("button", has_text="Sign up").click()
    assert "Check your inbox" in page.inner_text("main")
    checked(page, "signup")
    subscription = NewsletterSubscription.objects.get(reader__email=ADDRESS)
    assert subscription.newsletter == briefing and subscription.confirmed_at is None

    # Confirm from the mail: the page asks first, the button confirms.
    confirmation = mail.outbox[-1]
    assert confirmation.to == [ADDRESS] and "The Daily Briefing" in confirmation.body
    page.goto(link_in(confirmation, "/newsletters/confirm/"))
    with page.expect_navigation():
        page.click("text=Yes, confirm")
    assert "you are signed up" in page.inner_text("main")
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None

    # The next edition reaches the reader with the right articles, in order.
    edition = Edition.objects.create(newsletter=briefing, subject="Tuesday's briefing")
    for order, item in enumerate((page_one, page_two)):
        EditionItem.objects.create(edition=edition, article=item, order=order)
    assert tasks.send_edition(edition, live_server.url)
    assert Send.objects.get(edition=edition).address == ADDRESS
    received = mail.outbox[-1]
    assert received.to == [ADDRESS] and received.subject == "Tuesday's briefing"
    assert received.body.index("SUDAN: Talks resume") < received.body.index("Harvest beats")
    assert "River ferry" not in received.body
    page.goto(live_server.url + edition.get_absolute_url())
    assert "Talks resume in the capital" in page.inner_text("main")

    # The preferences page from the mail works without logging in.
    page.goto(link_in(received, "/newsletters/preferences/"))
    assert page.locator("input[value=daily]").is_checked()
    checked(page, "preferences")

    # One click to leave: the link shows a confirmation, the button acts.
    unsubscribe = link_in(received, "/newsletters/unsubscribe/")
    assert f"<{unsubscribe}>" in received.extra_headers["List-Unsubscribe"]
    page.goto(unsubscribe)
    assert "Unsubscribe from The Daily Briefing?" in page.inner_text("main")
    assert NewsletterSubscription.objects.filter(pk=subscription.pk).exists()
    checked(page, "unsubscribe")
    with page.expect_navigation():
        page.click("main button:has-text('Unsubscribe')")
    assert "You are unsubscribed" in page.inner_text("main")
    assert not NewsletterSubscription.objects.filter(pk=subscription.pk).exists()
    assert urlsplit(page.url).path == urlsplit(unsubscribe).path
    assert not errors
    context.close()
