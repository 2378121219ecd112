"""Revisions: every save of an article is kept with its rows, and an editor can restore one.

Versions are made and restored through the admin's own pages, as editors use them: the
change form, the history list and the revert form are fetched and posted.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from articles.models import Article, BodyPhoto, Correction, Quote, RelatedLink, TextBlock
from articles.revisions import changed_parts
from tests.helpers.admin import (
    ADD_URL,
    CHANGELIST_URL,
    add_row,
    assert_saved,
    change_url,
    errors,
    form_data,
    new_article_data,
    set_text,
    split_datetime,
)

# Published a day before the test runs: live on the site at once.
YESTERDAY = timezone.now() - timedelta(days=1)


def history_url(article: Article) -> str:
    return reverse("admin:articles_article_history", args=[article.pk])


def revision_url(article: Article, version: Version) -> str:
    return reverse("admin:articles_article_revision", args=[article.pk, version.pk])


def kept_versions(article: Article) -> list[Version]:
    """The article's kept versions, oldest first."""
    return list(Version.objects.get_for_object(article).order_by("pk"))


def kept_row(version: Version, model) -> Version:
    """The one ``model`` row kept in the same revision as ``version``."""
    [row] = [row for row in version.revision.version_set.all() if row._model is model]
    return row


def rows_kept(version: Version, model) -> list[dict]:
    """The fields of ``model`` rows kept in the same revision as ``version``."""
    return [
        json.loads(row.serialized_data)[0]["fields"]
        for row in version.revision.version_set.all()
        if row._model is model
    ]


@pytest.fixture
def three_versions(client, editor_user, section, make_author):
    """A published article saved three times through the admin by an editor.

    v1: a paragraph and a quote; v2: the quote reworded and a second author; v3: the
    paragraph rewritten, the quote removed, and a correction added.
    """
    first, second = make_author("Amira Khalil"), make_author("Leila Farouk")
    client.force_login(editor_user)
    data = new_article_data(
        client,
        section,
        headline="Version one headline",
        body="<p>One.</p>",
        status="published",
        **split_datetime("publish_at", YESTERDAY),
    )
    data = add_row(data, "bylines", author=first.pk, position=0)
    data = add_row(
        data, "quotes", ordering=20, region="body", speaker="Karim", text="Words of version one."
    )
    assert_saved(client.post(ADD_URL, data))
    article = Article.objects.get(headline="Version one headline")

    data = form_data(client.get(change_url(article)))
    data.update(headline="Version two headline", **{"quotes-0-text": "Words of version two."})
    data = add_row(data, "bylines", author=second.pk, position=1)
    assert_saved(client.post(change_url(article), data))

    data = form_data(client.get(change_url(article)))
    data.update(headline="Version three headline")
    set_text(data, "<p>Three, no quote.</p>")
    data["quotes-0-DELETE"] = "on"
    data = add_row(data, "corrections", text="A date was wrong.")
    data.update(split_datetime("corrections-0-created_at", timezone.now()))
    assert_saved(client.post(change_url(article), data))
    article.refresh_from_db()
    return article


def test_three_admin_saves_keep_three_versions_with_their_rows(three_versions):
    versions = kept_versions(three_versions)

    assert [v.field_dict["headline"] for v in versions] == [
        "Version one headline",
        "Version two headline",
        "Version three headline",
    ]
    assert [[q["text"] for q in rows_kept(v, Quote)] for v in versions] == [
        ["Words of version one."],
        ["Words of version two."],
        [],
    ]
    assert [len(rows_kept(v, Correction)) for v in versions] == [0, 0, 1]
    bylines = [sorted(b["author"] for b in rows_kept(v, Article.authors.through)) for v in versions]
    assert [len(authors) for authors in bylines] == [1, 2, 2]
    assert all(v.revision.user.groups.filter(name="Editor").exists() for v in versions)


def test_history_lists_each_version_with_who_when_and_what(client, three_versions):
    html = client.get(history_url(three_versions)).content.decode()

    for version in kept_versions(three_versions):
        assert revision_url(three_versions, version) in html
    assert html.count(f"<td>{three_versions.created_by.get_username()}</td>") == 3
    assert "Changed Headline" in html  # the admin's change message, per version


def test_editor_restores_version_one_with_its_rows_and_readers_see_it(client, three_versions):
    page = three_versions.get_absolute_url()
    reader = Client()
    assert "Version three headline" in reader.get(page).content.decode()  # now cached
    assert "Version three headline" in reader.get(page).content.decode()
    version_one = kept_versions(three_versions)[0]

    data = form_data(client.get(revision_url(three_versions, version_one)))
    assert data["headline"] == "Version one headline"
    assert_saved(client.post(revision_url(three_versions, version_one), data))

    article = Article.objects.get(pk=three_versions.pk)
    assert article.headline == "Version one headline"
    assert [block.text for block in article.text_blocks.all()] == ["<p>One.</p>"]
    assert article.body_text == "One."
    assert [q.text for q in article.quotes.all()] == ["Words of version one."]
    assert [a.name for a in article.author_list] == ["Amira Khalil"]
    assert not article.corrections.exists()
    assert article.version == 4, "the edit-conflict counter moves on, never back"
    restored = kept_versions(article)
    assert len(restored) == 4
    assert "Reverted to previous version" in restored[-1].revision.get_comment()
    html = reader.get(page).content.decode()
    assert "Version one headline" in html and "Words of version one." in html
    assert "Version three headline" not in html


def test_opening_an_old_version_changes_nothing_until_it_is_saved(client, three_versions):
    version_one = kept_versions(three_versions)[0]

    assert client.get(revision_url(three_versions, version_one)).status_code == 200

    article = Article.objects.get(pk=three_versions.pk)
    assert article.headline == "Version three headline"
    assert article.quotes.count() == 0 and article.corrections.count() == 1
    assert article.version == three_versions.version


def test_restoring_runs_the_sanitiser_like_a_save(client, three_versions):
    # A version kept before a stricter sanitiser policy, say: it is cleaned on the way back.
    version_one = kept_versions(three_versions)[0]
    kept_text = kept_row(version_one, TextBlock)
    data = json.loads(kept_text.serialized_data)
    data[0]["fields"]["text"] = '<p onclick="steal()">One.</p><script>steal()</script>'
    Version.objects.filter(pk=kept_text.pk).update(serialized_data=json.dumps(data))

    form = form_data(client.get(revision_url(three_versions, version_one)))
    assert_saved(client.post(revision_url(three_versions, version_one), form))

    [body] = [block.text for block in Article.objects.get(pk=three_versions.pk).text_blocks.all()]
    assert "One." in body
    assert "script" not in body and "onclick" not in body


def test_restoring_a_version_whose_blocks_fail_validation_changes_nothing(client, three_versions):
    version_one = kept_versions(three_versions)[0]
    kept_quote = kept_row(version_one, Quote)
    data = json.loads(kept_quote.serialized_data)
    data[0]["fields"]["speaker"] = ""
    Version.objects.filter(pk=kept_quote.pk).update(serialized_data=json.dumps(data))

    form = form_data(client.get(revision_url(three_versions, version_one)))
    response = client.post(revision_url(three_versions, version_one), form)

    assert "This field is required." in errors(response)
    article = Article.objects.get(pk=three_versions.pk)
    assert article.headline == "Version three headline"
    assert article.corrections.count() == 1


def test_author_sees_history_of_own_published_article_but_cannot_restore_it(
    client, author_user, editor_user, section
):
    client.force_login(author_user)
    data = new_article_data(client, section, headline="Author's first draft")
    assert_saved(client.post(ADD_URL, data))
    article = Article.objects.get(headline="Author's first draft")
    editor = Client()
    editor.force_login(editor_user)
    data = form_data(editor.get(change_url(article)))
    data.update(headline="Published by the editor", status="published")
    data.update(split_datetime("publish_at", YESTERDAY))
    assert_saved(editor.post(change_url(article), data))
    first = kept_versions(article)[0]

    history = client.get(history_url(article))
    assert history.status_code == 200
    html = history.content.decode()
    assert "Ask an editor" in html and revision_url(article, first) not in html
    assert client.get(revision_url(article, first)).status_code == 403
    stolen = form_data(editor.get(revision_url(article, first)))
    assert client.post(revision_url(article, first), stolen).status_code == 403

    article.refresh_from_db()
    assert article.headline == "Published by the editor"
    assert article.status == Article.Status.PUBLISHED
    assert len(kept_versions(article)) == 2


def test_author_restores_own_draft_but_never_into_a_published_state(
    client, author_user, editor_user, section
):
    client.force_login(author_user)
    assert_saved(client.post(ADD_URL, new_article_data(client, section, headline="Draft one")))
    article = Article.objects.get(headline="Draft one")
    editor = Client()
    editor.force_login(editor_user)
    data = form_data(editor.get(change_url(article)))
    data.update(headline="Published once", status="published")
    data.update(split_datetime("publish_at", YESTERDAY))
    assert_saved(editor.post(change_url(article), data))
    data = form_data(editor.get(change_url(article)))
    data.update(headline="Back to draft", status="draft")
    assert_saved(editor.post(change_url(article), data))
    draft_one, published_once, _ = kept_versions(article)

    # The author's page shows that version read-only; post what an editor's page holds.
    shown = client.get(revision_url(article, published_once)).content.decode()
    assert 'name="version"' not in shown
    form = form_data(editor.get(revision_url(article, published_once)))
    assert client.post(revision_url(article, published_once), form).status_code == 403
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Back to draft", Article.Status.DRAFT)

    form = form_data(client.get(revision_url(article, draft_one)))
    assert_saved(client.post(revision_url(article, draft_one), form))
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Draft one", Article.Status.DRAFT)


def test_author_cannot_open_deleted_articles_to_recover_them(client, author_user, editor_user):
    client.force_login(author_user)
    recover = reverse("admin:articles_article_recoverlist")

    assert client.get(recover).status_code == 403
    assert recover not in client.get(CHANGELIST_URL).content.decode()
    editor = Client()
    editor.force_login(editor_user)
    assert editor.get(recover).status_code == 200
    assert recover in editor.get(CHANGELIST_URL).content.decode()


def test_a_version_of_another_article_cannot_be_restored_through_this_one(
    client, three_versions, make_article
):
    other = make_article("Someone else's story")
    version = kept_versions(three_versions)[0]

    response = client.get(revision_url(other, version))

    assert response.status_code == 404


def test_restoring_a_version_from_when_it_led_does_not_take_the_lead_back(
    client, three_versions, make_article
):
    """Which article leads the home page is today's choice, not part of an article's past."""
    data = form_data(client.get(change_url(three_versions)))
    data["is_lead"] = "on"
    assert_saved(client.post(change_url(three_versions), data))
    when_it_led = kept_versions(three_versions)[-1]
    now_leading = make_article("Now leading")
    now_leading.is_lead = True
    now_leading.save()

    opened = client.get(revision_url(three_versions, when_it_led))
    assert opened.status_code == 200
    data = form_data(opened)
    assert "is_lead" not in data, "the form shows today's lead, not the version's"
    assert_saved(client.post(revision_url(three_versions, when_it_led), data))

    now_leading.refresh_from_db()
    assert now_leading.is_lead
    restored = Article.objects.get(pk=three_versions.pk)
    assert restored.headline == "Version three headline" and not restored.is_lead


def test_restoring_an_old_version_of_the_lead_keeps_it_leading(client, three_versions):
    """The version restored is from before it led; it leads all the same, as it did."""
    first = kept_versions(three_versions)[0]
    data = form_data(client.get(change_url(three_versions)))
    data["is_lead"] = "on"
    assert_saved(client.post(change_url(three_versions), data))

    data = form_data(client.get(revision_url(three_versions, first)))
    assert data.get("is_lead") == "on"
    assert_saved(client.post(revision_url(three_versions, first), data))

    restored = Article.objects.get(pk=three_versions.pk)
    assert restored.headline == "Version one headline" and restored.is_lead


def test_the_article_that_steps_down_as_lead_gets_a_history_entry(
    client, three_versions, make_article, make_author
):
    """Editors see in an article's history when it stopped leading, and who made it so."""
    three_versions.is_lead = True
    three_versions.save()
    before = len(kept_versions(three_versions))
    newcomer = make_article("The new lead", authors=[make_author("Samir Haddad")])
    data = form_data(client.get(change_url(newcomer)))
    data["is_lead"] = "on"
    assert_saved(client.post(change_url(newcomer), data))

    three_versions.refresh_from_db()
    assert not three_versions.is_lead
    versions = kept_versions(three_versions)
    assert len(versions) == before + 1
    assert versions[-1].revision.user is not None
    history = client.get(history_url(three_versions))
    assert history.status_code == 200
    assert "The new lead" in history.content.decode()


# --- Versions kept before the body was blocks ----------------------------------------

OLD_BODY = (
    "<p>First, as it was.</p>\n<p>[quote 1]</p>\n<p>Second, <strong>bold</strong>.</p>\n"
    "<p>[photo 1]</p>\n<p>[readmore 1]</p>\n<p>[quote 7]</p>"
)


def keep_old_style_version(article, user, rows) -> Version:
    """A version as the release before blocks kept it: the body as HTML with numbered
    placeholders, and numbered quote, photo and inline/sidebar link rows."""
    revision = Revision.objects.create(date_created=timezone.now(), user=user, comment="Old")
    [stored] = json.loads(serializers.serialize("json", [article]))
    stored["fields"]["body"] = OLD_BODY
    kept = [(article, stored)]
    for obj, old_fields in rows:
        [row] = json.loads(serializers.serialize("json", [obj]))
        gone = ["ordering", "key", "region"] + (["position"] if "placement" in old_fields else [])
        for name in gone:
            row["fields"].pop(name, None)
        row["fields"].update(old_fields)
        kept.append((obj, row))
    for obj, row in kept:
        Version.objects.create(
            revision=revision, object_id=str(obj.pk), db="default", format="json",
            content_type=ContentType.objects.get_for_model(obj), object_repr=str(obj),
            serialized_data=json.dumps([row]),
        )  # fmt: skip
    return Version.objects.get(revision=revision, object_id=str(article.pk),
                               content_type=ContentType.objects.get_for_model(Article))  # fmt: skip


@pytest.fixture
def old_style_version(editor_user, make_article, make_photo, make_author):
    other = make_article("Kurdish gas deal signed")
    author = make_author("Amira Khalil")
    article = make_article("Dam talks resume", body="<p>Today's words.</p>", authors=[author])
    quote = Quote.objects.create(article=article, speaker="Karim", text="Today's quote.")
    photo = BodyPhoto.objects.create(article=article, photo=make_photo(caption="The dam"))
    sidebar = RelatedLink.objects.create(article=article, url="https://example.org/a", title="A")
    inline = RelatedLink(pk=9999, article=article, target=other)  # never saved: only kept
    version = keep_old_style_version(article, editor_user, [
        (quote, {"number": 1, "text": "Old words."}),
        (photo, {"number": 1}),
        (inline, {"number": 1, "placement": "inline"}),
        (sidebar, {"number": 2, "placement": "sidebar"}),
        (article.bylines.get(), {}),
    ])  # fmt: skip
    quote.text = "Today's quote."
    return SimpleNamespace(article=article, version=version, other=other, sidebar=sidebar,
                           quote=quote, photo=photo)  # fmt: skip


def test_a_version_from_before_blocks_restores_its_body_as_blocks(
    client, editor_user, make_article, old_style_version
):
    old = old_style_version
    client.force_login(editor_user)
    url = revision_url(old.article, old.version)
    data = form_data(client.get(url))
    assert data["text_blocks-INITIAL_FORMS"] == "2"
    assert "First, as it was." in data["text_blocks-0-text"]
    # Meanwhile another article is written: ids shown with the form may be taken since.
    make_article("Meanwhile", body="<p>Other words.</p>")

    assert_saved(client.post(url, data))

    article = Article.objects.get(pk=old.article.pk)
    blocks = article.blocks()
    assert [type(block).__name__ for block in blocks] == [
        "TextBlock", "Quote", "TextBlock", "BodyPhoto", "ReadMore"
    ]  # fmt: skip
    assert blocks[0].text == "<p>First, as it was.</p>"
    assert blocks[0].key.startswith("p-"), "the paragraph's anchor from before blocks"
    assert (blocks[1].pk, blocks[1].text, blocks[1].key) == (old.quote.pk, "Old words.", "quote-1")
    assert blocks[2].text == "<p>Second, <strong>bold</strong>.</p>"
    assert blocks[3].pk == old.photo.pk
    assert blocks[4].target == old.other
    assert [(link.pk, link.position) for link in article.related_links.all()] == [
        (old.sidebar.pk, 2)
    ]
    assert article.body_text == "First, as it was.\nSecond, bold."
    assert "Today's words." not in Client().get(article.get_absolute_url()).content.decode()


def test_opening_a_version_from_before_blocks_shows_its_body_and_changes_nothing(
    client, editor_user, old_style_version
):
    old = old_style_version
    client.force_login(editor_user)

    html = client.get(revision_url(old.article, old.version)).content.decode()

    assert "First, as it was." in html and "Old words." in html
    article = Article.objects.get(pk=old.article.pk)
    assert [block.text for block in article.text_blocks.all()] == ["<p>Today's words.</p>"]
    assert [q.text for q in article.quotes.all()] == ["Today's quote."]


def test_what_changed_between_versions_from_before_blocks_names_the_text(
    editor_user, old_style_version
):
    old = old_style_version
    revision = Revision.objects.create(date_created=timezone.now(), user=editor_user)
    for row in old.version.revision.version_set.all():  # the same rows, the body rewritten
        if row.pk == old.version.pk:
            [stored] = json.loads(row.serialized_data)
            stored["fields"]["body"] = OLD_BODY.replace("First, as it was.", "First, rewritten.")
            row.serialized_data = json.dumps([stored])
        row.pk, row.revision = None, revision
        row.save()
    later = Version.objects.get_for_object(old.article).get(revision=revision)

    assert changed_parts(old.version, later) == ["text"]
