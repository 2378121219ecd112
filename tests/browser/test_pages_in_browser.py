"""The main pages in a real browser: Debian's Chromium driven by Playwright.

Checked on the home page, an article, a section page and search results: no console
errors or failed requests, no serious or critical axe-core accessibility violations,
and a layout that fits a 390 px phone and uses a 1280 px screen, without layout shift.
One browser serves the whole module.
"""

import pytest

from tests.helpers.tools import ARTIFACTS, AXE

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["home", "article", "section", "search"]
WIDTHS = {"phone": 390, "desktop": 1280}
BLOCKING_IMPACTS = {"serious", "critical"}


class Visit:
    """One page opened at one width, with everything that went wrong while loading it."""

    def __init__(self, browser, url: str, width: int):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)
        # Measure layout shift from the very start of loading.
        self.page.add_init_script(
            "window.__shift = 0; new PerformanceObserver(list => { for (const e of"
            " list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })"
            ".observe({type: 'layout-shift', buffered: true});"
        )
        response = self.page.goto(url, wait_until="load")  # "load" waits for eager images
        assert response.status == 200, url

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _request_failed(self, request):
        # The browser cancels image downloads it no longer needs (a srcset candidate
        # replaced, a lazy image re-prioritised); a missing file is an HTTP error instead.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed ({request.failure}): {request.url}")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def scroll_through(self):
        """Scroll to the end so lazy images load too, then settle."""
        self.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        # Polled from here: Playwright's wait_for_function evaluates its predicate with
        # eval() in the page whenever it has to wait, which the page's CSP rightly refuses.
        loaded = "[...document.images].every(image => image.complete)"
        for _ in range(200):  # at most ten seconds
            if self.page.evaluate(loaded):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"images still loading on {self.page.url}")

    def box(self, selector: str) -> dict:
        element = self.page.query_selector(selector)
        assert element is not None, selector
        return element.bounding_box()

    def screenshot(self, name: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def visit(browser, plain_http, live_server, demo_site):
    opened = []

    def open_page(name: str, width: int) -> Visit:
        page = Visit(browser, live_server.url + demo_site[name], width)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.page.close()


def test_pages_load_without_console_errors_or_failed_requests(visit):
    problems = {}
    for name in PAGES:
        for width in WIDTHS.values():
            page = visit(name, width)
            page.scroll_through()
            page.screenshot(f"{name}-{width}")
            if page.problems:
                problems[f"{name} at {width}px"] = page.problems
    assert problems == {}


def test_pages_have_no_serious_accessibility_violations(visit):
    found = {}
    for name in PAGES:
        for width in WIDTHS.values():
            page = visit(name, width)
            # Evaluated by the test harness, not injected as an inline <script>, which
            # the page's Content-Security-Policy (rightly) refuses.
            page.page.evaluate(AXE.read_text())
            result = page.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            assert result["passes"] is not None  # axe really ran
            blocking = [
                f"{v['id']} ({v['impact']}): {v['help']} at "
                + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
                for v in result["violations"]
                if v["impact"] in BLOCKING_IMPACTS
            ]
            if blocking:
                found[f"{name} at {width}px"] = blocking
    assert found == {}


def overflow(page: Visit) -> int:
    """How far the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_pages_fit_a_phone_without_sideways_scrolling_or_layout_shift(visit):
    pages = {name: visit(name, WIDTHS["phone"]) for name in PAGES}
    for name, page in pages.items():
        assert overflow(page) == 0, name
        assert page.page.evaluate("window.__shift") < 0.1, name
        for image in page.page.query_selector_all("main img"):
            box = image.bounding_box()
            if box:
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5, name
    article, home = pages["article"], pages["home"]
    body, sidebar = article.box(".article"), article.box(".sidebar")
    assert sidebar["y"] >= body["y"] + body["height"], "the sidebar goes under the article"
    photo, text = home.box(".lead-picture"), home.box(".lead-text")
    assert text["y"] >= photo["y"] + photo["height"] - 1, "lead text under its photo"


def test_wide_screen_uses_columns_without_layout_shift(visit):
    pages = {name: visit(name, WIDTHS["desktop"]) for name in PAGES}
    for name, page in pages.items():
        assert overflow(page) == 0, name
        assert page.page.evaluate("window.__shift") < 0.1, name
    article, home = pages["article"], pages["home"]
    body, sidebar = article.box(".article"), article.box(".sidebar")
    assert sidebar["x"] >= body["x"] + body["width"], "the sidebar sits beside the article"
    photo, text = home.box(".lead-picture"), home.box(".lead-text")
    assert text["x"] >= photo["x"] + photo["width"] - 1, "lead text beside its photo"
    lead_image = home.page.query_selector(".lead-story img")
    assert lead_image.get_attribute("loading") is None
    # The browser picked a rendition that suits the slot, not the largest file.
    chosen = lead_image.evaluate("img => img.currentSrc")
    assert "/media/renditions/" in chosen and chosen.endswith(".webp"), chosen


MORE_SECTIONS = ["Middle East", "Africa", "Science and Technology", "Climate", "Opinion", "Culture"]


def nav_link_positions(page: Visit) -> list[dict]:
    """Each menu link: where it is at first, and where it is once focused as by keyboard
    (which scrolls the menu, never the page sideways)."""
    return page.page.evaluate(
        """() => {
            const links = [...document.querySelectorAll('.section-nav a')];
            const first = links.map(link => link.getBoundingClientRect());
            return links.map((link, i) => {
                const menu = link.closest('ul');
                const style = getComputedStyle(menu);
                link.focus();
                const after = link.getBoundingClientRect();
                return {text: link.textContent, current: link.hasAttribute('aria-current'),
                        left: first[i].left, right: first[i].right,
                        focusedLeft: after.left, focusedRight: after.right,
                        focused: document.activeElement === link, pageScrollX: window.scrollX,
                        menuScrolls: ['auto', 'scroll'].includes(style.overflowX)
                                     && menu.scrollWidth > menu.clientWidth};
            });
        }"""
    )


def test_phone_menu_sits_near_the_top_and_reaches_every_section(visit, make_section):
    for name in MORE_SECTIONS:  # before Business (position 1): it is last in the menu
        make_section(name, position=0)
    width = WIDTHS["phone"]
    for name in ("home", "article", "section"):
        page = visit(name, width)
        assert page.box(".section-nav")["y"] <= 120, name  # the masthead is one short line
        assert overflow(page) == 0, name
        links = nav_link_positions(page)
        assert len(links) == 3 + len(MORE_SECTIONS), name  # Home, World, Business and more
        hidden = [link for link in links if link["right"] > width or link["left"] < 0]
        assert hidden, "the menu is wider than a phone: it must scroll"
        assert all(link["menuScrolls"] for link in hidden), name
        for link in links:
            assert link["focused"] and link["pageScrollX"] == 0, (name, link)
            assert link["focusedLeft"] >= 0 and link["focusedRight"] <= width, (name, link)
        current = [link for link in links if link["current"]]
        if name != "article":  # the menu marks the page it is on, shown without scrolling
            assert len(current) == 1 and 0 <= current[0]["left"] <= current[0]["right"] <= width


def test_phone_masthead_keeps_search_and_support_in_reach(visit):
    page = visit("home", WIDTHS["phone"])
    search, support = page.box(".masthead .search-link"), page.box(".masthead .support-button")
    assert search["y"] + search["height"] <= page.box(".section-nav")["y"]
    assert support["x"] + support["width"] <= WIDTHS["phone"]
    assert page.page.get_attribute(".masthead .search-link", "href") == "/search/"
    # The skip link still comes first and shows when focused.
    page.page.keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.className") == "skip-link"
    assert page.box(".skip-link")["y"] >= 0


def test_home_page_main_content_links_each_article_once(visit, demo_site):
    for width in WIDTHS.values():
        page = visit("home", width)
        hrefs = page.page.evaluate(
            "[...document.querySelectorAll('main a')].map(a => a.getAttribute('href'))"
            ".filter(href => /^\\/\\d{4}\\/\\d{2}\\/\\d{2}\\//.test(href))"
        )
        assert demo_site["lead"].get_absolute_url() in hrefs  # the page has its stories
        assert len(hrefs) >= 8, width
        assert sorted(hrefs) == sorted(set(hrefs)), width


def test_comment_script_works_under_the_content_security_policy(
    browser, plain_http, live_server, demo_site
):
    """The policy allows our script file and nothing inline; the script still fills in
    the remembered name and offers "Comment on this" for a selection, with 0 violations."""
    import base64
    import json

    from django.core import signing

    from comments.readers import COMMENTER_COOKIE, COMMENTER_SALT

    remembered = json.dumps({"n": "Hana Mirza", "e": "hana@example.org"}).encode()
    value = signing.get_cookie_signer(salt=COMMENTER_COOKIE + COMMENTER_SALT).sign(
        base64.urlsafe_b64encode(remembered).decode().rstrip("=")
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_cookies([{"name": COMMENTER_COOKIE, "value": value, "url": live_server.url}])
        page = context.new_page()
        page.add_init_script(
            "window.__violations = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        response = page.goto(live_server.url + demo_site["article"], wait_until="load")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert page.input_value("#respond [name=name]") == "Hana Mirza"
        assert page.input_value("#respond [name=email]") == "hana@example.org"
        page.evaluate(
            "() => { const p = document.querySelector('.article-body .block[id] p');"
            " const range = document.createRange(); range.selectNodeContents(p);"
            " const selection = getSelection(); selection.removeAllRanges();"
            " selection.addRange(range); }"
        )
        page.click(".select-comment")  # waits until the script shows the button
        anchor = page.input_value("#respond [name=anchor]")
        assert anchor and anchor == page.evaluate(
            "document.querySelector('.article-body .block[id]').id"
        )
        assert page.evaluate("window.__violations") == [] and errors == []
    finally:
        context.close()
