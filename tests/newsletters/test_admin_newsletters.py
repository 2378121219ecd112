"""Editors in the admin: a newsletter, its draft, reordering, a test, Send."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from newsroom.newsletters import editions
from newsroom.newsletters.models import Edition, Newsletter

ADD_NEWSLETTER = reverse("admin:newsletters_newsletter_add")
NEWSLETTERS = reverse("admin:newsletters_newsletter_changelist")


def change_url(edition):
    return reverse("admin:newsletters_edition_change", args=[edition.pk])


def edition_form(edition, items):
    """The edition's change form as posted: ``items`` is (item, order, delete) per row."""
    data = {
        "newsletter": edition.newsletter_id,
        "subject": edition.subject,
        "note": "Editor's note",
        "send_at_0": "",
        "send_at_1": "",
        "items-TOTAL_FORMS": len(items),
        "items-INITIAL_FORMS": len(items),
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
        "_continue": "Save",
    }
    for n, (item, order, delete) in enumerate(items):
        data.update({f"items-{n}-id": item.pk, f"items-{n}-edition": edition.pk,
                     f"items-{n}-article": item.article_id, f"items-{n}-order": order})  # fmt: skip
        if delete:
            data[f"items-{n}-DELETE"] = "on"
    return data


@pytest.fixture
def editor(client, editor_user):
    editor_user.email = "editor@example.org"
    editor_user.save()
    client.force_login(editor_user)
    return client


def test_an_editor_creates_a_newsletter_drafts_reorders_tests_and_sends_it(
    editor, make_article, subscribe, mailoutbox, django_capture_on_commit_callbacks
):
    response = editor.post(ADD_NEWSLETTER, {
        "name": "Evening Digest", "slug": "evening-digest", "description": "At six.",
        "intro": "", "listed": "on", "order": 0, "cadence": "daily", "send_time": "18:00",
        "weekday": 0, "time_zone": "Europe/Lisbon",
    })  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    newsletter = Newsletter.objects.get(slug="evening-digest")
    subscribe(newsletter, "reader@example.org")
    first, second, third = (make_article(f"Story {n}") for n in "ABC")

    response = editor.post(
        NEWSLETTERS, {"action": "draft_now", "_selected_action": [newsletter.pk]}
    )
    assert response.status_code == 302
    edition = Edition.objects.get(newsletter=newsletter)
    items = list(edition.items.order_by("order"))
    assert [item.article for item in items] == [first, second, third]

    # The last goes first, the middle one is removed.
    data = edition_form(edition, [(items[0], 2, False), (items[1], 1, True), (items[2], 0, False)])
    response = editor.post(change_url(edition), data)
    assert response.status_code == 302, response.context["errors"]
    assert [i.article for i in edition.items.order_by("order")] == [third, first]

    buttons = editor.get(change_url(edition)).content.decode()
    assert "Send a test to me" in buttons and "Send now" in buttons
    editor.post(reverse("admin:newsletters_edition_send_test", args=[edition.pk]))
    (test_mail,) = mailoutbox
    assert test_mail.to == ["editor@example.org"] and test_mail.subject.startswith("[Test] ")
    assert test_mail.body.index("Story C") < test_mail.body.index("Story A")
    assert "Story B" not in test_mail.body and "Editor's note" in test_mail.body
    # Its links are the editor's own as a reader: they open real pages.
    preferences = re.search(r"https?://\S+/newsletters/preferences/\S+/", test_mail.body)[0]
    assert editor.get(urlsplit(preferences).path).status_code == 200

    send_url = reverse("admin:newsletters_edition_send", args=[edition.pk])
    confirm = editor.get(send_url)
    assert b"1 confirmed subscriber" in confirm.content and b"Yes, send it now" in confirm.content
    assert Edition.objects.get(pk=edition.pk).status == "draft"  # asking sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert editor.post(send_url).status_code == 302
    assert [m.to for m in mailoutbox[1:]] == [["reader@example.org"]]
    page = editor.get(change_url(edition))
    assert b"1 sent, 0 pending, 0 failed" in page.content
    assert b"Send now" not in page.content  # sent: no second Send
    editor.post(send_url)
    assert len(mailoutbox) == 2


def test_an_article_that_is_not_published_cannot_be_added(editor, make_newsletter, make_article):
    edition = editions.draft(make_newsletter(), until=timezone.now())
    draft = make_article(status="draft")
    data = edition_form(edition, [])
    data.update({"items-TOTAL_FORMS": 1, "items-0-article": draft.pk, "items-0-order": 0})
    response = editor.post(change_url(edition), data)
    assert response.status_code == 200
    assert "Only published articles can go in an edition." in str(response.context["errors"])


def test_only_staff_with_newsletter_permissions_get_in(client, make_staff, make_newsletter):
    edition = editions.draft(make_newsletter(), until=timezone.now())
    client.force_login(make_staff("Author"))
    assert client.get(NEWSLETTERS).status_code == 403
    assert client.get(change_url(edition)).status_code == 403
    send_url = reverse("admin:newsletters_edition_send", args=[edition.pk])
    assert client.post(send_url).status_code == 403
    client.force_login(make_staff("Moderator"))
    assert client.get(NEWSLETTERS).status_code == 403


def test_drafting_again_while_a_draft_waits_opens_the_waiting_one(
    editor, make_newsletter, make_article
):
    newsletter = make_newsletter()
    make_article("Morning story")
    editor.post(NEWSLETTERS, {"action": "draft_now", "_selected_action": [newsletter.pk]})
    make_article("Later story")
    response = editor.post(
        NEWSLETTERS, {"action": "draft_now", "_selected_action": [newsletter.pk]}, follow=True
    )
    (waiting,) = Edition.objects.filter(newsletter=newsletter)  # no second, thinner draft
    text = response.content.decode()
    assert "A draft is already waiting" in text and change_url(waiting) in text
    assert "(1 article)" in text
