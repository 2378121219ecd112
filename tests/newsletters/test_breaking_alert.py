""" "Send as breaking alert" as an article is published: who is offered it, what it sends."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from articles.models import Article, ArticleDraft
from newsroom.newsletters.models import Edition, Newsletter, Send
from tests.helpers.admin import (
    FUTURE,
    assert_saved,
    change_url,
    field_errors,
    form_data,
    split_datetime,
)

FIELD = "send_breaking_alert"
ALREADY = "An alert for this article went out already."


@pytest.fixture
def breaking(make_newsletter, subscribe):
    newsletter = make_newsletter("Breaking news", cadence=Newsletter.Cadence.ON_PUBLISH)
    subscribe(newsletter, "alerts@example.org")
    subscribe(newsletter, "news@example.org")
    return newsletter


@pytest.fixture
def editor(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def draft(make_article, make_author):
    reporter = make_author("Ines Duarte")
    return make_article(
        "Bridge closed after quake", status=Article.Status.DRAFT, authors=[reporter]
    )


def publish(client, article, tick=True, **fields):
    data = form_data(client.get(change_url(article)))
    data.pop(FIELD, None)
    if tick:
        data[FIELD] = "on"
    data["_publish"] = "Publish now"
    data.update(fields)
    return client.post(change_url(article), data)


def test_editors_see_the_box_under_publishing_as_a_plain_form_field(editor, breaking, draft):
    response = editor.get(change_url(draft))
    form = response.context["adminform"].form
    assert form.fields[FIELD].label == "Send as breaking alert to Breaking news"
    page = response.content.decode()
    # No script needed: a checkbox of the article form, ticked or not as any other.
    assert re.search(rf'<input type="checkbox" name="{FIELD}"[^>]*>', page)
    assert f'<label class="vCheckboxLabel" for="id_{FIELD}">' in page
    publishing = [fs for fs in response.context["adminform"] if fs.name == "Publishing"]
    assert FIELD in publishing[0].fields


def test_no_box_without_an_on_publish_newsletter(editor, make_newsletter, draft):
    make_newsletter("Morning briefing")  # daily: not sent on publish
    response = editor.get(change_url(draft))
    assert FIELD not in response.context["adminform"].form.fields
    assert b"breaking alert" not in response.content


def test_no_box_for_authors(client, author_user, breaking, make_article):
    own = make_article(
        "My draft", status=Article.Status.DRAFT, authors=[author_user.author_profile]
    )
    client.force_login(author_user)
    response = client.get(change_url(own))
    assert response.status_code == 200
    assert FIELD not in response.context["adminform"].form.fields


def test_tick_and_publish_sends_one_alert_then_never_again(
    editor, breaking, draft, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert_saved(publish(editor, draft))
    draft.refresh_from_db()
    assert draft.is_published
    alert = Edition.objects.get(breaking_article=draft)
    assert alert.newsletter == breaking and alert.status == Edition.Status.SENT
    assert sorted(m.to[0] for m in mailoutbox) == ["alerts@example.org", "news@example.org"]
    assert {m.subject for m in mailoutbox} == {"Breaking: Bridge closed after quake"}
    assert Send.objects.filter(edition=alert).count() == 2

    page = editor.get(change_url(draft))
    assert ALREADY in page.content.decode()
    assert page.context["adminform"].form.fields[FIELD].disabled
    with django_capture_on_commit_callbacks(execute=True):
        data = form_data(page)
        data.update({FIELD: "on"})
        assert editor.post(change_url(draft), data).status_code == 302
    assert Edition.objects.filter(breaking_article=draft).count() == 1
    assert len(mailoutbox) == 2


def test_saving_with_status_published_sends_too(
    editor, breaking, draft, mailoutbox, django_capture_on_commit_callbacks
):
    data = form_data(editor.get(change_url(draft)))
    data.update({FIELD: "on", "status": Article.Status.PUBLISHED})
    with django_capture_on_commit_callbacks(execute=True):
        assert editor.post(change_url(draft), data).status_code == 302
    assert len(mailoutbox) == 2


def test_unticked_publish_sends_nothing(
    editor, breaking, draft, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert publish(editor, draft, tick=False).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    assert not Edition.objects.exists() and mailoutbox == []


def test_a_scheduled_publish_with_the_box_ticked_is_refused(editor, breaking, draft):
    data = form_data(editor.get(change_url(draft)))
    data.update({FIELD: "on", "status": Article.Status.PUBLISHED})
    data.update(split_datetime("publish_at", FUTURE))
    response = editor.post(change_url(draft), data)
    assert "scheduled for later" in field_errors(response, FIELD)[0]
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT and not Edition.objects.exists()


def test_a_publisher_without_the_send_permission_posting_the_box_sends_nothing(
    client, make_staff, breaking, draft, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_staff("Author")
    user.user_permissions.add(Permission.objects.get(codename="publish_article"))
    client.force_login(user)
    draft.created_by = user
    draft.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert_saved(publish(client, draft))
    draft.refresh_from_db()
    assert draft.is_published
    assert not Edition.objects.exists() and mailoutbox == []


def test_no_alert_when_no_on_publish_newsletter_takes_the_section(
    editor, make_newsletter, make_section, draft, mailoutbox, django_capture_on_commit_callbacks
):
    make_newsletter("Sport alerts", cadence=Newsletter.Cadence.ON_PUBLISH,
                    sections=[make_section("Sport")])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = publish(editor, draft)
    assert_saved(response)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("No alert was sent" in m for m in shown), shown
    assert not Edition.objects.exists() and mailoutbox == []


def test_a_kept_draft_never_puts_the_box_back_ticked(editor, breaking, draft):
    data = form_data(editor.get(change_url(draft)))
    data[FIELD] = "on"
    response = editor.post(reverse("admin:articles_article_autosave", args=[draft.pk]), data)
    assert response.status_code == 200
    kept = dict(ArticleDraft.objects.get(article=draft).form_data)
    assert kept["headline"] == draft.headline and FIELD not in kept
