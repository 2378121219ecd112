"""A click-to-load embed in Debian's Chromium: nothing leaves the site before the click.

Every request the page makes is logged; any to a host other than the live server is
counted as attempted and aborted, so the test never reaches the network. Before the
click none is attempted; after it the YouTube player's iframe exists and its request is
the one attempted (the proof that the player loads on the click, and only then), with
no Content-Security-Policy violation, at phone and desktop width. axe-core checks the
card before the click.
"""

from urllib.parse import urlsplit

import pytest

from articles.models import Embed, TextBlock
from tests.helpers import browser as helpers
from tests.helpers.tools import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

PLAYER = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


class Watched:
    """A page whose requests off the site are logged and aborted, and whose CSP
    violations (events and "Refused to…" console messages) are collected."""

    def __init__(self, browser, width: int, site: str):
        self.site = urlsplit(site).hostname  # the live server: 127.0.0.1 or localhost
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.local: list[str] = []
        self.attempted: list[str] = []
        self.refused: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.add_init_script(
            "window.__violations = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        self.page.on(
            "console", lambda m: self.refused.append(m.text) if "Refused to" in m.text else None
        )

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).hostname == self.site:
            self.local.append(url)
            route.continue_()
        else:
            self.attempted.append(url)
            route.abort()

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations") + self.refused


@pytest.mark.parametrize("width", [390, 1280])
def test_youtube_embed_requests_nothing_off_site_until_the_reader_clicks(
    browser, plain_http, live_server, make_article, width
):
    article = make_article(
        "Council votes on the harbour plan",
        blocks=[
            TextBlock(text="<p>The whole session was filmed.</p>"),
            Embed(url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", provider="YouTube"),
            TextBlock(text="<p>The vote comes next week.</p>"),
        ],
    )
    watched = Watched(browser, width, live_server.url)
    page = watched.page
    try:
        response = page.goto(live_server.url + article.get_absolute_url(), wait_until="load")
        assert response.status == 200
        assert "https://www.youtube-nocookie.com" in response.headers["content-security-policy"]
        page.wait_for_timeout(300)  # anything deferred would have asked by now
        # Positive control: the page and its own files came through the route.
        assert any(url.endswith("/static/js/embeds.js") for url in watched.local)
        assert watched.attempted == []
        assert page.locator("iframe").count() == 0
        card = page.locator("figure.embed")
        assert "YouTube" in card.locator(".embed-provider").inner_text()
        assert card.locator("a.embed-link").get_attribute("href") == (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        )

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"embed-card-{width}.png", full_page=True)
        assert helpers.blocking_violations(page) == []  # axe-core, run by the harness

        page.click("figure.embed .embed-load")  # waits until the script shows the button

        frame = page.wait_for_selector("figure.embed iframe")
        assert frame.get_attribute("src") == PLAYER
        for _ in range(100):  # at most five seconds for the frame to ask
            if watched.attempted:
                break
            page.wait_for_timeout(50)
        assert watched.attempted and all(
            urlsplit(url).hostname == "www.youtube-nocookie.com" for url in watched.attempted
        ), watched.attempted
        assert watched.violations() == []
        box = frame.bounding_box()
        assert 0 < box["width"] <= width and box["height"] > 100
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=ARTIFACTS / f"embed-after-click-{width}.png", full_page=True)
        print(
            f"\n{width} px: 0 off-site requests before the click, {len(watched.attempted)} "
            f"attempted after it (aborted): {watched.attempted[0]}"
        )
    finally:
        watched.context.close()
