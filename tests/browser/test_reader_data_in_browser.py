"""A reader downloads and erases their data in Debian's Chromium, at phone and desktop width.

From the footer's "Your data": ask for a link, open it from the mail, download the JSON
file, choose "Remove my comments" and see what was done; each page has no serious axe-core
violation and fits the screen. Screenshots go to test-artifacts/.
"""

import json
import re
from pathlib import Path

import pytest
from django.core import mail

from comments.models import Comment
from tests.helpers.tools import ARTIFACTS, AXE

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": 390, "desktop": 1280}
ADDRESS = "ana@example.org"


def checked(page, name: str) -> None:
    """No serious accessibility violation, no sideways scrolling; a screenshot to look at."""
    page.evaluate(AXE.read_text())  # by the harness: the page's CSP refuses inline scripts
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"
    width = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(width) <= 0, name
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"reader-data-{name}.png", full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_downloads_then_erases_their_data(
    width, browser, plain_http, live_server, make_article, make_comment
):
    article = make_article("River ferry returns after the floods")
    mine = make_comment(article, name="Ana", email=ADDRESS, body="I crossed on it.")
    make_comment(article, name="Ben", email="ben@example.org", parent=mine, body="Me too.")
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + article.get_absolute_url())
    with page.expect_navigation():
        page.click("footer >> text=Your data")
    checked(page, f"{width}-ask")
    page.fill("[name=email]", ADDRESS)
    with page.expect_navigation():
        page.click("text=Mail me a link")
    assert "We have mailed a link" in page.inner_text("main")

    link = re.search(r"https?://\S+", mail.outbox[-1].body)[0]
    page.goto(link)
    checked(page, f"{width}-link")
    with page.expect_navigation():
        page.click("text=Open my data")
    checked(page, f"{width}-data")
    with page.expect_download() as download:
        page.click("text=Download my data")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    texts = [c["text"] for c in exported["sources"]["comments.privacy"]["comments"]]
    assert texts == ["I crossed on it."]

    with page.expect_navigation():
        page.click("text=Erase my data…")
    checked(page, f"{width}-erase")
    page.check("text=Remove my comments")
    with page.expect_navigation():
        page.click("button:has-text('Erase my data')")
    assert "Comments removed: 1" in page.inner_text("main")
    checked(page, f"{width}-erased")

    page.goto(live_server.url + f"/comments/article/{article.pk}/")
    thread = page.inner_text("main")
    assert "removed by its writer" in thread and "Me too." in thread
    assert "I crossed on it." not in thread
    assert Comment.objects.get(pk=mine.pk).status == Comment.Status.ERASED
    assert not errors
    context.close()
