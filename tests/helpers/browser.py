"""Starting Debian's Chromium through Playwright, the way every browser test does."""

import os
from contextlib import contextmanager

from tests.helpers.tools import AXE, CHROMIUM, require

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BLOCKING_IMPACTS = {"serious", "critical"}


@contextmanager
def chromium():
    """One Chromium for a module's tests, stopped afterwards."""
    require(CHROMIUM, "install it with `apt-get install -y chromium` (bash .ci/run does).")
    require(AXE, "run `make test` (it runs `npm ci`), or `npm ci --ignore-scripts`.")
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an event loop running in this thread, which
    # makes Django refuse database calls from it; the tests' own calls are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    # Evaluated by the test harness, not injected as an inline <script>, which the
    # Content-Security-Policy (rightly) refuses.
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["passes"], "axe did not run"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
