"""An editor drafts, reorders, tests and sends an edition in the newsletter admin, on a phone.

Debian's Chromium at 390 px: the newsletter list's "Draft an edition now", two articles
swapped by their order numbers, a test to the editor's own address, then Send (which asks
first). Nothing scrolls sideways on any of these pages; at 390 px and at 1280 px axe-core
finds nothing serious on the edition's page. Screenshots go to test-artifacts/.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Reader
from newsroom.newsletters.models import Edition, Newsletter, NewsletterSubscription
from tests.helpers.browser import blocking_violations
from tests.helpers.tools import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

EDITOR_ADDRESS = "desk@example.org"


@pytest.fixture
def session(django_user_model):
    """An Editor-role account (not a superuser) with the newsletters' permissions, as the
    migrations grant them (a live-server test starts from an emptied database)."""
    group, _ = Group.objects.get_or_create(name="Editor")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="newsletters"))
    editor = django_user_model.objects.create_user(
        "desk", EDITOR_ADDRESS, "correct-horse-battery", is_staff=True
    )
    editor.groups.add(group)
    client = Client()
    client.force_login(editor)
    return client.cookies["sessionid"].value


def fits_and_passes(page, name: str, axe: bool = False) -> None:
    width = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(width) <= 0, f"{name} scrolls sideways"
    if axe:
        found = blocking_violations(page)
        assert found == [], "\n".join([name, *found])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"edition-admin-{name}.png", full_page=True)


def test_an_editor_drafts_reorders_tests_and_sends_an_edition_on_a_phone(
    browser, plain_http, live_server, session, make_article
):
    briefing = Newsletter.objects.create(
        name="Evening Digest", slug="evening", description="At six.", cadence="daily"
    )
    newer = make_article("Council approves the new market hall")  # published after
    older = make_article("Ferry service resumes on the lake")
    for address in ("ama@example.org", "kofi@example.org"):
        now = timezone.now()
        reader = Reader.objects.create(mailbox=address, email=address, confirmed_at=now)
        NewsletterSubscription.objects.create(newsletter=briefing, reader=reader, confirmed_at=now)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The newsletter list: tick the digest, "Draft an edition now".
    url = live_server.url + reverse("admin:newsletters_newsletter_changelist")
    assert page.goto(url).status == 200
    fits_and_passes(page, "newsletters")
    page.check(f"input[name=_selected_action][value='{briefing.pk}']")
    page.select_option("select[name=action]", "draft_now")
    with page.expect_navigation():
        page.click("button[name=index]")
    with page.expect_navigation():
        page.click(".messagelist a")

    # The draft: newest first; the editor puts the ferry story first by its number.
    edition = Edition.objects.get(newsletter=briefing)
    assert [i.article for i in edition.items.order_by("order")] == [newer, older]
    fits_and_passes(page, "edition-draft", axe=True)
    rows = "(g => g.scrollWidth - g.clientWidth)(document.querySelector('#items-group .tabular'))"
    assert page.evaluate(rows) <= 0, "the order numbers are out of view"
    page.fill("input[name=items-0-order]", "2")
    page.fill("input[name=items-1-order]", "1")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert [i.article for i in edition.items.order_by("order")] == [older, newer]

    # A test to the editor's own address, then Send, confirmed.
    with page.expect_navigation():
        page.click("button:has-text('Send a test to me')")
    assert f"A test was sent to {EDITOR_ADDRESS}" in page.inner_text(".messagelist")
    (test,) = mail.outbox
    assert test.to == [EDITOR_ADDRESS]
    assert test.body.index("Ferry service") < test.body.index("Council approves")
    with page.expect_navigation():
        page.click("a:has-text('Send now')")
    assert "2 confirmed subscribers" in page.inner_text("#content")
    fits_and_passes(page, "send-confirm")
    with page.expect_navigation():
        page.click("input[value='Yes, send it now']")
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT
    assert sorted(m.to[0] for m in mail.outbox[1:]) == ["ama@example.org", "kofi@example.org"]
    fits_and_passes(page, "edition-sent", axe=True)

    # The editions list, and the sent edition at desktop width.
    page.goto(live_server.url + reverse("admin:newsletters_edition_changelist"))
    assert "Evening Digest" in page.inner_text("#result_list")
    fits_and_passes(page, "editions")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("admin:newsletters_edition_change", args=[edition.pk]))
    fits_and_passes(page, "edition-desktop", axe=True)
    assert not errors
    context.close()
