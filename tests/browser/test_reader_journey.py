"""A reader's journey through the comment form on a phone, in Debian's Chromium.

At 390 px: post with "Verify my e-mail", open the link from the mail, go back to the
cached article and comment again at once (no 403; shown at once now the address is
trusted), sign in a second device with the same link, and post 0.4 s after the form
appeared (refused, the text kept). Screenshots go to test-artifacts/.
"""

import re

import pytest
from django.core import mail

from comments import moderation
from comments.models import Comment
from tests.helpers.tools import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
HELD = "Only you can see this until a moderator approves it."
# The "too fast" bound for this journey: long enough that a post 0.4 s after the form
# appeared is refused on a busy machine, short enough that a person's pause is waited out.
MIN_SECONDS = 1
PAUSE_MS = 1100  # a reader writing their comment


@pytest.fixture
def site(plain_http, browser, live_server, make_article, django_user_model, settings):
    settings.COMMENTS_MIN_SECONDS = MIN_SECONDS
    settings.COMMENTS_RATE_LIMITS = []
    article = make_article(
        "River ferry returns after the floods",
        body="<p>The ferry crossed at dawn.</p>\n<p>Traders waited on the far bank.</p>",
    )
    # A plain staff user: the role groups made by migrations are gone in transactional tests.
    moderator = django_user_model.objects.create_user("moderator", is_staff=True)
    return live_server.url, article, moderator


def device(browser):
    """A phone: its own cookies, storage and cache; page errors are collected."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def write(page, body: str, *, verify: bool = False, identity: bool = True):
    page.fill("#respond [name=body]", body)
    if identity:
        page.fill("#respond [name=name]", "Ana Reader")
        page.fill("#respond [name=email]", "ana@example.org")
    if verify:
        page.check("#respond [name=verify]")


def form_shown(page):
    """Wait until the form script has stamped the time the form was shown."""
    page.focus("#respond [name=body]")
    page.wait_for_selector("#respond[data-stamped]", state="attached")


def send(page):
    with page.expect_navigation():
        page.click("#respond button[type=submit]")


def signed_in_with(page, link: str):
    page.goto(link)
    with page.expect_navigation():
        page.click("text=Yes, confirm")
    assert "signed in on this device" in page.inner_text("main")


def test_reader_verifies_comments_again_at_once_and_signs_in_a_second_device(browser, site):
    from playwright.sync_api import expect

    base, article, moderator = site
    url = base + article.get_absolute_url()
    ARTIFACTS.mkdir(exist_ok=True)
    phone, page = device(browser)
    laptop, second = device(browser)
    try:
        # 1. A first comment, asking to verify the address: held, and the reader is told.
        first = page.goto(url)
        assert "public" in first.headers["cache-control"]  # the page cached for everyone
        form_shown(page)
        write(page, "The ferry matters to the whole valley.", verify=True)
        page.wait_for_timeout(PAUSE_MS)
        send(page)
        assert "comment=held" in page.url
        assert "Please check your inbox" in page.inner_text("#comments")
        pending = page.locator(".comment.pending")
        expect(pending).to_contain_text(HELD)
        expect(pending).to_contain_text("The ferry matters to the whole valley.")
        assert "No comments yet" not in page.inner_text("#comments")  # theirs is there
        page.screenshot(path=ARTIFACTS / "article-comment-held-390.png", full_page=True)

        # 2. The link from the mail signs this phone in; a moderator approves the comment.
        [message] = mail.outbox
        link = re.search(r"https?://\S+/comments/reader/sign-in/\S+/", message.body)[0]
        signed_in_with(page, link)
        moderation.set_status(Comment.objects.get(), Comment.Status.APPROVED, by=moderator)

        # 3. Back to the article (the copy cached for everyone) and comment again at once.
        with page.expect_navigation():
            page.click("text=Back to the article")
        expect(page.locator("#respond [data-reader]")).to_contain_text(
            "You are commenting as ana@example.org · sign out"
        )
        form_shown(page)
        write(page, "And the bridge should wait until spring.", identity=False)
        page.wait_for_timeout(PAUSE_MS)
        send(page)
        assert "comment=published" in page.url  # no 403: trusted, and shown at once
        second_comment = Comment.objects.get(body="And the bridge should wait until spring.")
        shown = page.locator(f"#c{second_comment.pk}")
        assert "And the bridge should wait until spring." in shown.inner_text()
        assert page.locator(".comment.pending").count() == 0  # the first is approved
        page.screenshot(path=ARTIFACTS / "article-comment-390.png", full_page=True)

        # 4. The same link on a second device signs that one in too.
        signed_in_with(second, link)
        second.goto(url)
        form_shown(second)
        expect(second.locator("#respond [data-reader]")).to_contain_text(
            "You are commenting as ana@example.org"
        )

        # 5. A post 0.4 s after the form appeared is refused, and the text is kept.
        second.reload()
        form_shown(second)
        write(second, "Sent far too quickly.")
        second.wait_for_timeout(400)
        send(second)
        assert "That was quick" in second.inner_text("[role=alert]")
        assert second.input_value("#respond [name=body]") == "Sent far too quickly."
        second.screenshot(path=ARTIFACTS / "article-comment-too-fast-390.png", full_page=True)
        assert not Comment.objects.filter(body="Sent far too quickly.").exists()
        assert page.errors == [] and second.errors == []
    finally:
        phone.close()
        laptop.close()
