"""Autosave and "who else is editing" on the article change form.

The form's script posts the whole form to the autosave address as the editor types; it
is kept as that editor's draft copy and never written over the article. Opening the
form again offers a draft newer than the article; saving the form removes it. Every open
form says it is still open, and names the other editors who have the article open.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleDraft, EditorPresence
from tests.helpers.admin import ADD_URL, assert_saved, change_url, form_data, set_text

OFFER = "Restore the autosaved version from"


def autosave_url(article=None) -> str:
    if article is None:
        return reverse("admin:articles_article_autosave_new")
    return reverse("admin:articles_article_autosave", args=[article.pk])


def presence_url(article) -> str:
    return reverse("admin:articles_article_presence", args=[article.pk])


def signed_in(user, **kwargs) -> Client:
    browser = Client(**kwargs)
    browser.force_login(user)
    return browser


@pytest.fixture
def draft_article(make_article, author_user):
    return make_article(
        "Dam talks resume", status=Article.Status.DRAFT, body="<p>Saved text.</p>",
        created_by=author_user,
    )  # fmt: skip


def test_autosave_keeps_a_draft_copy_and_leaves_the_article_alone(author_user, draft_article):
    browser = signed_in(author_user)
    data = form_data(browser.get(change_url(draft_article)))
    data["headline"] = "Dam talks collapse"
    set_text(data, "<p>Typed but not saved.</p>")
    before = Article.objects.filter(pk=draft_article.pk).values().get()

    response = browser.post(autosave_url(draft_article), data)

    assert response.status_code == 200, response.content
    assert "saved_at" in response.json()
    draft = ArticleDraft.objects.get(article=draft_article, user=author_user)
    kept = dict(draft.form_data)
    assert kept["headline"] == "Dam talks collapse"
    assert kept["text_blocks-0-text"] == "<p>Typed but not saved.</p>"
    assert "csrfmiddlewaretoken" not in kept and "_save" not in kept
    assert Article.objects.filter(pk=draft_article.pk).values().get() == before
    assert draft_article.text_blocks.get().text == "<p>Saved text.</p>"


def test_autosave_of_a_published_article_never_touches_what_readers_see(editor_user, make_article):
    article = make_article("Live headline", body="<p>Live text.</p>")
    browser = signed_in(editor_user)
    data = form_data(browser.get(change_url(article)))
    data["headline"] = "Half-written headline"
    modified = article.modified_at

    assert browser.post(autosave_url(article), data).status_code == 200

    article.refresh_from_db()
    assert (article.headline, article.modified_at) == ("Live headline", modified)
    assert article.status == Article.Status.PUBLISHED
    assert ArticleDraft.objects.filter(article=article, user=editor_user).exists()
    assert browser.get(article.get_absolute_url()).content.count(b"Half-written") == 0


def test_reopening_the_form_offers_the_newer_draft(author_user, draft_article):
    browser = signed_in(author_user)
    data = form_data(browser.get(change_url(draft_article)))
    assert OFFER not in browser.get(change_url(draft_article)).content.decode()
    set_text(data, "<p>Typed but not saved.</p>")
    browser.post(autosave_url(draft_article), data)

    page = browser.get(change_url(draft_article)).content.decode()

    saved_at = timezone.localtime(ArticleDraft.objects.get().saved_at)
    assert f"{OFFER} {saved_at:%H:%M}" in page
    assert "Typed but not saved." in page  # the draft, for the script to put back
    assert "Discard" in page


def test_saving_the_form_clears_the_draft_and_the_offer(author_user, draft_article):
    browser = signed_in(author_user)
    data = form_data(browser.get(change_url(draft_article)))
    set_text(data, "<p>Now saved for real.</p>")
    browser.post(autosave_url(draft_article), data)

    assert_saved(browser.post(change_url(draft_article), data))

    assert not ArticleDraft.objects.exists()
    assert OFFER not in browser.get(change_url(draft_article)).content.decode()


def test_a_draft_older_than_the_article_is_not_offered(author_user, draft_article, editor_user):
    mine = signed_in(author_user)
    browser_data = form_data(mine.get(change_url(draft_article)))
    mine.post(autosave_url(draft_article), browser_data)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        other = signed_in(editor_user)
        theirs = form_data(other.get(change_url(draft_article)))
        assert_saved(other.post(change_url(draft_article), theirs))

    assert OFFER not in mine.get(change_url(draft_article)).content.decode()


def test_discard_removes_the_draft(author_user, draft_article):
    browser = signed_in(author_user)
    browser.post(autosave_url(draft_article), form_data(browser.get(change_url(draft_article))))

    response = browser.post(autosave_url(draft_article), {"_autosave_discard": "1"})

    assert response.json() == {"discarded": True}
    assert not ArticleDraft.objects.exists()


def test_a_new_article_is_autosaved_per_editor_and_offered_on_the_add_form(author_user, section):
    browser = signed_in(author_user)
    data = form_data(browser.get(ADD_URL))
    data.update(headline="Not yet saved", section=str(section.pk))

    assert browser.post(autosave_url(), data).status_code == 200

    assert not Article.objects.exists()
    assert (
        dict(ArticleDraft.objects.get(article=None, user=author_user).form_data)["headline"]
        == "Not yet saved"
    )
    assert OFFER in browser.get(ADD_URL).content.decode()
    set_text(data, "<p>Text.</p>")
    assert_saved(browser.post(ADD_URL, data))
    assert not ArticleDraft.objects.exists()


def test_autosave_needs_a_signed_in_staff_user(client, draft_article):
    response = client.post(autosave_url(draft_article), {"headline": "x"})

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not ArticleDraft.objects.exists()


def test_autosave_needs_the_csrf_token(author_user, draft_article):
    browser = signed_in(author_user, enforce_csrf_checks=True)
    page = browser.get(change_url(draft_article))
    data = form_data(page)
    token = data.pop("csrfmiddlewaretoken")

    assert browser.post(autosave_url(draft_article), data).status_code == 403
    assert not ArticleDraft.objects.exists()
    response = browser.post(autosave_url(draft_article), data, headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_an_author_cannot_autosave_someone_elses_or_a_published_article(
    author_user, make_article, make_staff
):
    browser = signed_in(author_user)
    someone_elses = make_article(status=Article.Status.DRAFT, created_by=make_staff("Author"))
    published_own = make_article(created_by=author_user)

    assert browser.post(autosave_url(someone_elses), {"headline": "x"}).status_code == 404
    assert browser.post(autosave_url(published_own), {"headline": "x"}).status_code == 403
    assert browser.post(presence_url(someone_elses)).status_code == 404
    assert not ArticleDraft.objects.exists()


def test_autosave_and_presence_answer_a_get_with_405(author_user, draft_article):
    browser = signed_in(author_user)

    assert browser.get(autosave_url(draft_article)).status_code == 405
    assert browser.get(presence_url(draft_article)).status_code == 405


@pytest.fixture
def amira_and_leila(make_staff):
    editors = []
    for first, last in (("Amira", "Khalil"), ("Leila", "Farouk")):
        user = make_staff("Editor")
        user.first_name, user.last_name = first, last
        user.save()
        editors.append(signed_in(user))
    return editors


def test_the_second_editor_is_told_who_else_has_the_article_open(amira_and_leila, make_article):
    amira, leila = amira_and_leila
    article = make_article("Dam talks resume")
    opened = timezone.now()
    with time_machine.travel(opened, tick=False):
        first_page = amira.get(change_url(article)).content.decode()
    assert "is also editing this article" not in first_page

    for seconds in (40, 80, 120):  # her form's heartbeat
        with time_machine.travel(opened + timedelta(seconds=seconds), tick=False):
            amira.post(presence_url(article))
    with time_machine.travel(opened + timedelta(minutes=2), tick=False):
        page = leila.get(change_url(article)).content.decode()
        answer = amira.post(presence_url(article)).json()

    assert "Amira Khalil is also editing this article (opened 2\xa0minutes ago)" in page
    assert answer == {"others": [{"name": "Leila Farouk", "opened": "just now"}]}


def test_an_editor_who_closed_the_form_or_went_silent_is_not_named(amira_and_leila, make_article):
    amira, leila = amira_and_leila
    article = make_article()
    opened = timezone.now()
    with time_machine.travel(opened, tick=False):
        amira.get(change_url(article))
        leila.get(change_url(article))
        assert leila.post(presence_url(article)).json()["others"][0]["name"] == "Amira Khalil"
        page = EditorPresence.objects.get(user__first_name="Amira").page
        amira.post(presence_url(article), {"leave": "1", "page": "an earlier opening"})
        assert leila.post(presence_url(article)).json()["others"], "a reloaded page stays"
        amira.post(presence_url(article), {"leave": "1", "page": page})
        assert leila.post(presence_url(article)).json() == {"others": []}
        amira.get(change_url(article))
    with time_machine.travel(opened + timedelta(minutes=2), tick=False):
        assert leila.post(presence_url(article)).json() == {"others": []}
    # Her silent row is forgotten once someone opens the article again.
    assert list(EditorPresence.objects.values_list("user__first_name", flat=True)) == ["Leila"]


def test_a_form_refused_for_an_edit_conflict_keeps_autosaving(
    amira_and_leila, make_article, make_author
):
    amira, leila = amira_and_leila
    article = make_article("Dam talks resume", authors=[make_author()])
    mine = form_data(amira.get(change_url(article)))
    assert_saved(leila.post(change_url(article), form_data(leila.get(change_url(article)))))
    mine["headline"] = "My unsaved headline"

    refused = amira.post(change_url(article), mine)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Someone else saved this article" in page
    assert f'data-url="{autosave_url(article)}"' in page
    assert OFFER not in page


def test_the_heartbeat_and_an_autosave_stay_a_handful_of_queries(
    client, editor_user, reference_article, django_assert_max_num_queries
):
    client.force_login(editor_user)
    data = form_data(client.get(change_url(reference_article)))
    client.post(autosave_url(reference_article), data)

    # Session user, permissions, the article (with its bylines), then the one row each.
    with django_assert_max_num_queries(6):
        assert client.post(presence_url(reference_article), {"page": "p"}).status_code == 200
    with django_assert_max_num_queries(10):  # the same, and savepoints around the update
        assert client.post(autosave_url(reference_article), data).status_code == 200
