"""A demo site's header and footer, followed link by link in Chromium at 390 and 1280 px.

Every link of the masthead, the navigation and the footer leads to a page that answers
200 (Support us, About, Ethics, Contact, Privacy, the sections and regions indexes…);
a page of the site's own and the sections index have no serious accessibility problem.
"""

import io

import pytest
from django.core.management import call_command

from tests.helpers import browser as helpers
from tests.helpers.tools import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [390, 1280]
LINKS = "header a[href], footer a[href]"
EXPECTED = [
    "Support us → /support/", "About us → /about/", "Contact → /contact/",
    "Ethics & corrections policy → /ethics/", "Privacy → /privacy/", "Sections → /section/",
    "Regions → /region/", "World → /section/world/",
]  # fmt: skip


@pytest.fixture
def demo(plain_http, live_server):
    call_command("load_demo", articles=6, stdout=io.StringIO())
    return live_server.url


def follow_every_link(page, home: str) -> dict[str, int]:
    """Each header and footer link of the home page in turn (text → status): clicked when
    shown at this width, else opened by its address (the search link of a phone)."""
    page.goto(home)
    count = page.locator(LINKS).count()
    statuses = {}
    for index in range(count):
        page.goto(home)
        link = page.locator(LINKS).nth(index)
        href = link.get_attribute("href")
        label = f"{link.text_content().strip() or href} → {href}"
        if link.is_visible():
            with page.expect_navigation() as navigation:
                link.click()
            statuses[label] = navigation.value.status
        else:
            statuses[label] = page.goto(home.rstrip("/") + href).status
    return statuses


@pytest.mark.parametrize("width", WIDTHS)
def test_every_header_and_footer_link_of_the_demo_answers(browser, demo, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    try:
        statuses = follow_every_link(page, demo + "/")
    finally:
        page.close()
    labels = " ".join(statuses)
    for expected in EXPECTED:
        assert expected in labels  # the links are really there
    assert {label: s for label, s in statuses.items() if s != 200} == {}
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_page_and_the_sections_index_have_no_serious_accessibility_violations(
    browser, demo, width
):
    found = {}
    for path in ("/ethics/", "/section/", "/region/"):
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            assert page.goto(demo + path).status == 200
            ARTIFACTS.mkdir(exist_ok=True)
            name = path.strip("/") or "home"
            page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            blocking = helpers.blocking_violations(page)
            if blocking or overflow:
                found[path] = [*blocking, *([f"{overflow}px sideways"] if overflow else [])]
        finally:
            page.close()
    assert found == {}
