"""The article admin, driven through real HTTP requests as editors and authors use it.

Every save posts what a browser would post: the change form is fetched, its fields read
back (management forms of every inline included) and then edited, so a test fails when
the form, an inline or a permission stops working the way the newsroom relies on.
"""

import base64
import hashlib
import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.forms import LEAD_FILE_AGAIN
from articles.models import Article, BodyPhoto, Correction, Photo, Region
from articles.previews import PREVIEW_SALT
from tests.helpers.admin import (
    ADD_URL,
    CHANGELIST_URL,
    FUTURE,
    add_row,
    assert_saved,
    change_url,
    errors,
    field_errors,
    form_data,
    new_article_data,
    post_action,
    split_datetime,
)
from tests.helpers.html import find, parse
from tests.helpers.images import jpeg_bytes

# --- Authors ------------------------------------------------------------------------


def test_author_adds_draft_owned_by_them_with_their_byline(client, author_user, section):
    client.force_login(author_user)

    response = client.post(ADD_URL, new_article_data(client, section))

    assert_saved(response)
    article = Article.objects.get(headline="Dam talks resume")
    assert article.status == Article.Status.DRAFT
    assert article.created_by == author_user
    assert [b.author for b in article.bylines.all()] == [author_user.author_profile]


def test_author_byline_is_not_added_when_other_bylines_are_chosen(
    client, author_user, section, make_author
):
    colleague = make_author("Omar Said")
    client.force_login(author_user)
    data = new_article_data(client, section)
    data.update({"bylines-0-author": str(colleague.pk), "bylines-0-position": "0"})

    assert_saved(client.post(ADD_URL, data))

    article = Article.objects.get(headline="Dam talks resume")
    assert [b.author for b in article.bylines.all()] == [colleague]


def test_author_without_profile_adds_draft_without_byline(client, make_staff, section):
    user = make_staff("Author")
    client.force_login(user)

    assert_saved(client.post(ADD_URL, new_article_data(client, section)))

    article = Article.objects.get(headline="Dam talks resume")
    assert article.created_by == user
    assert not article.bylines.exists()


def test_author_cannot_publish_from_add_form(client, author_user, section):
    client.force_login(author_user)
    data = new_article_data(client, section, status="published")

    response = client.post(ADD_URL, data)

    assert any("Select a valid choice" in m for m in field_errors(response, "status"))
    assert not Article.objects.exists()


def test_author_cannot_publish_from_change_form(client, author_user, make_article):
    article = make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)
    data = form_data(client.get(change_url(article)))
    data["status"] = "published"

    response = client.post(change_url(article), data)

    assert any("Select a valid choice" in m for m in field_errors(response, "status"))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.publish_at is None
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_author_posted_publish_time_is_ignored(client, author_user, section):
    client.force_login(author_user)
    data = new_article_data(client, section, status="review")
    assert "publish_at_0" not in data  # read-only: shown as text, not as an input
    data.update(split_datetime("publish_at", FUTURE))

    assert_saved(client.post(ADD_URL, data))

    article = Article.objects.get(headline="Dam talks resume")
    assert article.status == Article.Status.REVIEW
    assert article.publish_at is None


def test_author_is_not_offered_publish_or_unpublish_actions(client, author_user, make_article):
    make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)

    response = client.get(CHANGELIST_URL)

    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "submit_for_review" in actions
    assert "publish_now" not in actions
    assert "unpublish" not in actions


def test_author_publish_now_action_leaves_article_unpublished(client, author_user, make_article):
    article = make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)

    post_action(client, "publish_now", article)

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.publish_at is None
    assert article.version == 1


def test_author_unpublish_action_leaves_article_published(client, author_user, make_article):
    article = make_article(created_by=author_user)
    client.force_login(author_user)

    post_action(client, "unpublish", article)

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_author_changelist_lists_only_their_own_articles(
    client, author_user, make_staff, make_article
):
    own = make_article(status=Article.Status.DRAFT, created_by=author_user)
    by_byline = make_article(status=Article.Status.DRAFT, authors=[author_user.author_profile])
    make_article(status=Article.Status.DRAFT, created_by=make_staff("Author"))
    client.force_login(author_user)

    response = client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert {a.pk for a in response.context["cl"].result_list} == {own.pk, by_byline.pk}


def test_author_cannot_open_another_authors_article(client, author_user, make_staff, make_article):
    article = make_article(status=Article.Status.DRAFT, created_by=make_staff("Author"))
    client.force_login(author_user)

    response = client.get(change_url(article))

    # The admin answers as if the article did not exist, and sends them to the index.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_author_cannot_change_another_authors_article(
    client, author_user, make_staff, make_article
):
    other = make_staff("Author")
    article = make_article("Their story", status=Article.Status.DRAFT, created_by=other)
    client.force_login(other)
    data = form_data(client.get(change_url(article)))
    client.force_login(author_user)
    data["headline"] = "Hijacked"

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    article.refresh_from_db()
    assert article.headline == "Their story"
    assert article.version == 1


def test_author_can_view_but_not_edit_own_published_article(client, author_user, make_article):
    article = make_article("Live story", created_by=author_user)
    client.force_login(author_user)

    response = client.get(change_url(article))

    assert response.status_code == 200
    assert "Live story" in response.content.decode()
    assert response.context["has_change_permission"] is False
    assert 'name="headline"' not in response.content.decode()


def test_author_post_to_own_published_article_is_forbidden(
    client, author_user, editor_user, make_article
):
    article = make_article("Live story", created_by=author_user)
    # The author's page has no form to post, so post a complete one as an editor sees it.
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    client.force_login(author_user)
    data.update(headline="Rewritten", status="draft")

    response = client.post(change_url(article), data)

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline == "Live story"
    assert article.status == Article.Status.PUBLISHED
    assert article.version == 1


def test_author_submits_draft_for_review_from_change_form(client, author_user, make_article):
    article = make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)
    data = form_data(client.get(change_url(article)))
    data["status"] = "review"

    assert_saved(client.post(change_url(article), data))

    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert article.version == 2


def test_author_submits_draft_for_review_with_action(client, author_user, make_article):
    article = make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)

    response = post_action(client, "submit_for_review", article)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_author_submit_for_review_action_leaves_published_article_live(
    client, author_user, make_article
):
    article = make_article(created_by=author_user)
    client.force_login(author_user)

    post_action(client, "submit_for_review", article)

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert Article.objects.published().filter(pk=article.pk).exists()


# --- Editors: publishing ----------------------------------------------------------


def test_editor_publishes_draft_now_with_action(client, editor_user, make_article, make_author):
    article = make_article(status=Article.Status.DRAFT, authors=[make_author()])
    client.force_login(editor_user)
    before = timezone.now()

    post_action(client, "publish_now", article)

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert before <= article.publish_at <= timezone.now()
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_editor_publish_now_brings_scheduled_article_forward(
    client, editor_user, make_article, make_author
):
    article = make_article(publish_at=FUTURE, authors=[make_author()])
    client.force_login(editor_user)

    post_action(client, "publish_now", article)

    article.refresh_from_db()
    assert article.publish_at <= timezone.now()
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_editor_schedules_article_that_goes_live_at_its_time(
    client, editor_user, make_article, make_author, time_machine
):
    article = make_article(status=Article.Status.DRAFT, authors=[make_author()])
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    data.update(status="published", **split_datetime("publish_at", FUTURE))

    assert_saved(client.post(change_url(article), data))

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.publish_at == FUTURE
    assert not Article.objects.published().filter(pk=article.pk).exists()
    response = client.get(CHANGELIST_URL, {"publication": "scheduled"})
    assert [a.pk for a in response.context["cl"].result_list] == [article.pk]

    time_machine.move_to(FUTURE - timedelta(seconds=1), tick=False)
    assert not Article.objects.published().filter(pk=article.pk).exists()
    time_machine.move_to(FUTURE, tick=False)
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_editor_unpublishes_article_with_action(client, editor_user, make_article):
    article = make_article()
    client.force_login(editor_user)

    post_action(client, "unpublish", article)

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_editor_correction_moves_updated_time_on(client, editor_user, make_article, make_author):
    corrected_at = timezone.now().replace(microsecond=0)
    article = make_article(updated_at=corrected_at - timedelta(days=2), authors=[make_author()])
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    add_row(data, "corrections", text="The dam is 40 metres high, not 400.")
    prefix = f"corrections-{int(data['corrections-TOTAL_FORMS']) - 1}-created_at"
    data.update(split_datetime(prefix, corrected_at))

    assert_saved(client.post(change_url(article), data))

    correction = Correction.objects.get(article=article)
    assert correction.text == "The dam is 40 metres high, not 400."
    article.refresh_from_db()
    assert article.updated_at == corrected_at


def test_author_change_form_has_no_corrections_inline(client, author_user, make_article):
    article = make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)

    data = form_data(client.get(change_url(article)))

    assert "corrections-TOTAL_FORMS" not in data


# --- Body blocks --------------------------------------------------------------------


def quote_row(n: int, ordering: int) -> dict:
    return {"speaker": f"Speaker {n}", "text": f"Words {n}.", "ordering": ordering,
            "region": "body"}  # fmt: skip


def test_body_of_every_kind_of_block_saves_in_the_order_given(
    client, editor_user, section, make_article, make_photo
):
    other = make_article("Earlier story")
    photo = make_photo()
    client.force_login(editor_user)
    data = new_article_data(client, section, body="<p>One.</p>")
    add_row(data, "quotes", **quote_row(1, 20))
    add_row(data, "body_photos", photo=photo.pk, ordering=40, region="body")
    add_row(data, "read_mores", target=other.pk, ordering=50, region="body")
    add_row(data, "embeds", url="https://youtu.be/dQw4w9WgXcQ", ordering=30, region="body")

    assert_saved(client.post(ADD_URL, data))

    article = Article.objects.get(headline="Dam talks resume")
    assert [block.kind for block in article.blocks()] == [
        "text", "quote", "embed", "photo", "readmore",
    ]  # fmt: skip
    assert article.embeds.get().provider == "YouTube"
    assert article.body_text == "One."


def test_blocks_move_when_their_positions_change(client, editor_user, reference_article):
    client.force_login(editor_user)
    data = form_data(client.get(change_url(reference_article)))
    last_text = max(
        (i for i in range(4)),
        key=lambda i: int(data[f"text_blocks-{i}-ordering"]),
    )
    data[f"text_blocks-{last_text}-ordering"] = "1"  # the last paragraph to the top

    assert_saved(client.post(change_url(reference_article), data))

    blocks = Article.objects.get(pk=reference_article.pk)
    kinds = [block.kind for block in blocks.blocks()]
    assert kinds == ["text", "text", "quote", "text", "readmore", "text", "quote", "photo"]
    assert blocks.body_text.splitlines()[0] == "Last paragraph."


def test_photo_uploaded_in_place_joins_the_library(client, editor_user, make_article):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    add_row(data, "body_photos", ordering=5, region="body", new_alt_text="A dam at dawn",
            new_photographer="Rami Haddad", caption="The dam, this morning.")  # fmt: skip
    upload = SimpleUploadedFile("dam.jpg", jpeg_bytes(), content_type="image/jpeg")
    index = int(data["body_photos-TOTAL_FORMS"]) - 1

    assert_saved(
        client.post(change_url(article), {**data, f"body_photos-{index}-new_image": upload})
    )

    placed = article.body_photos.get()
    assert placed.photo.alt_text == "A dam at dawn"
    assert placed.shown_credit == "Photo by Rami Haddad"
    assert placed.shown_caption == "The dam, this morning."
    assert placed.photo.image.name.startswith("photos/")


def test_photo_block_without_a_photo_or_an_upload_is_a_form_error(
    client, editor_user, make_article
):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    add_row(data, "body_photos", ordering=5, region="body", caption="Nothing chosen")

    response = client.post(change_url(article), data)

    assert any("Choose a photo, or upload one" in message for message in errors(response))
    assert not article.body_photos.exists()


def test_placed_caption_and_credit_replace_the_photos_own_on_the_page(
    client, make_article, make_photo
):
    photo = make_photo(caption="Library caption", photographer="Library Person")
    article = make_article(blocks=[BodyPhoto(photo=photo, caption="Here it is the dam.",
                                             credit="Photo by Someone Else")])  # fmt: skip

    html = client.get(article.get_absolute_url()).content.decode()

    assert 'Here it is the dam. <span class="credit">(Photo by Someone Else)</span>' in html
    assert "Library caption" not in html and "Library Person" not in html


def test_change_form_shows_the_photo_library_as_thumbnails(
    client, editor_user, make_article, make_photo
):
    photo = make_photo(caption="Surveyors at the dam")
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)

    html = client.get(change_url(article) + "?more_blocks=1").content.decode()

    assert 'name="body_photos-0-photo"' in html
    assert f'src="{photo.thumbnail_url}"' in html
    assert "Surveyors at the dam" in html


def test_lead_photo_is_chosen_from_the_library_by_its_thumbnail(
    client, editor_user, make_article, make_photo
):
    first = make_photo(caption="Surveyors at the dam")
    second = make_photo(caption="The reservoir at dusk")
    article = make_article(status=Article.Status.DRAFT, lead_photo=first)
    client.force_login(editor_user)
    response = client.get(change_url(article))
    html = response.content.decode()
    picker = html[
        html.index('id="id_lead_photo"') : html.index("</div>", html.index('id="id_lead_photo"'))
    ]
    assert f'src="{second.thumbnail_url}"' in picker and "The reservoir at dusk" in picker
    assert re.search(rf'name="lead_photo" value="{first.pk}"[^>]*checked', picker)
    assert 'value=""' in picker and "No lead photo" in picker
    data = form_data(response)

    assert_saved(client.post(change_url(article), {**data, "lead_photo": str(second.pk)}))
    article.refresh_from_db()
    assert article.lead_photo == second

    data = form_data(client.get(change_url(article)))
    assert_saved(client.post(change_url(article), {**data, "lead_photo": ""}))
    article.refresh_from_db()
    assert article.lead_photo is None


def test_embed_of_an_unknown_provider_is_a_form_error_naming_the_supported(
    client, editor_user, make_article
):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    add_row(data, "embeds", url="https://example.org/video/1", ordering=5, region="body")

    response = client.post(change_url(article), data)

    assert any(
        "Supported: YouTube, Vimeo, X (Twitter), Bluesky, Mastodon" in message
        for message in errors(response)
    )
    assert not article.embeds.exists()


def test_read_more_without_destination_gets_a_plain_error(client, editor_user, make_article):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    add_row(data, "read_mores", ordering=5, region="body")

    response = client.post(change_url(article), data)

    messages = errors(response)
    assert any("Choose either one of our articles" in message for message in messages)
    assert not article.read_mores.exists()


def test_text_sent_without_the_editor_is_held_to_the_editorial_policy(
    client, editor_user, make_article
):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    data["text_blocks-0-text"] = (
        '<p onclick="steal()">Typed <strong>by hand</strong>.</p><script>steal()</script>'
        "<table><tr><td>A cell.</td></tr></table>"
    )

    assert_saved(client.post(change_url(article), data))

    first = article.text_blocks.order_by("ordering").first()
    # Only what the editor offers is kept (no table), and the words stay.
    assert first.text == "<p>Typed <strong>by hand</strong>.</p>A cell."


def test_change_form_without_javascript_offers_an_empty_block_of_each_kind(
    client, editor_user, make_article
):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)

    plain = form_data(client.get(change_url(article)))
    more = form_data(client.get(change_url(article) + "?more_blocks=1"))

    assert plain["quotes-TOTAL_FORMS"] == "0" and plain["text_blocks-TOTAL_FORMS"] == "3"
    for prefix in ("quotes", "body_photos", "read_mores", "embeds"):
        assert more[f"{prefix}-TOTAL_FORMS"] == "1", prefix
    assert (
        f"{change_url(article)}?more_blocks=1" in client.get(change_url(article)).content.decode()
    )


def test_deleting_a_quote_block_removes_it_from_the_page(client, editor_user, reference_article):
    client.force_login(editor_user)
    data = form_data(client.get(change_url(reference_article)))
    index = next(i for i in range(2) if data[f"quotes-{i}-speaker"] == "Samira Yousef")
    data[f"quotes-{index}-DELETE"] = "on"

    assert_saved(client.post(change_url(reference_article), data))

    html = client.get(reference_article.get_absolute_url()).content.decode()
    assert "Every dinar belongs to the people." in html
    assert "A list is only a beginning." not in html
    assert list(reference_article.quotes.values_list("speaker", flat=True)) == ["Karim al-Naseri"]


# --- Regions, conflicts, roles --------------------------------------------------------


def test_primary_region_is_added_to_regions_on_save(client, editor_user, section, make_region):
    iraq, syria = make_region("Iraq"), make_region("Syria")
    client.force_login(editor_user)
    data = new_article_data(client, section, regions="Syria", primary_region=iraq.pk)

    assert_saved(client.post(ADD_URL, data))

    article = Article.objects.get(headline="Dam talks resume")
    assert set(article.regions.all()) == {iraq, syria}
    assert Region.objects.count() == 2


def test_primary_region_alone_becomes_the_only_region(client, editor_user, section, make_region):
    iraq = make_region("Iraq")
    client.force_login(editor_user)
    data = new_article_data(client, section, regions="", primary_region=iraq.pk)

    assert_saved(client.post(ADD_URL, data))

    article = Article.objects.get(headline="Dam talks resume")
    assert list(article.regions.all()) == [iraq]


def test_second_editor_saving_stale_version_gets_conflict_error(client, make_staff, make_article):
    article = make_article("Original", status=Article.Status.DRAFT)
    other = Client()
    client.force_login(make_staff("Editor"))
    other.force_login(make_staff("Editor"))
    first = form_data(client.get(change_url(article)))
    second = form_data(other.get(change_url(article)))
    first["headline"], second["headline"] = "First edit", "Second edit"

    assert_saved(client.post(change_url(article), first))
    response = other.post(change_url(article), second)

    assert any("Someone else saved this article" in m for m in errors(response))
    article.refresh_from_db()
    assert article.headline == "First edit"
    assert article.version == 2


def test_moderator_is_forbidden_article_changelist(client, make_staff, make_article):
    make_article()
    client.force_login(make_staff("Moderator"))

    assert client.get(CHANGELIST_URL).status_code == 403


def test_moderator_is_forbidden_article_add_page(client, make_staff, section):
    client.force_login(make_staff("Moderator"))

    assert client.get(ADD_URL).status_code == 403
    data = {"headline": "Sneaky", "section": section.pk, "status": "published", "_save": "Save"}
    assert client.post(ADD_URL, data).status_code == 403
    assert not Article.objects.exists()


# --- Changelist -----------------------------------------------------------------------


@pytest.fixture
def make_listed_articles(make_article, make_author, make_region):
    """Articles as the changelist meets them: two bylines and two regions each."""
    authors = [make_author() for _ in range(4)]
    regions = [make_region() for _ in range(4)]

    def make(count: int) -> None:
        for n in range(count):
            make_article(
                authors=[authors[n % 4], authors[(n + 1) % 4]],
                regions=[regions[n % 4], regions[(n + 2) % 4]],
                primary_region=regions[n % 4],
            )

    return make


def changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST_URL)
    assert response.status_code == 200
    return len(queries)


def test_changelist_query_count_does_not_grow_with_rows(client, editor_user, make_listed_articles):
    client.force_login(editor_user)
    make_listed_articles(10)
    with_ten = changelist_queries(client)
    make_listed_articles(90)
    with_hundred = changelist_queries(client)

    assert with_hundred == with_ten


def test_changelist_of_hundred_articles_is_a_handful_of_queries(
    client, editor_user, make_listed_articles, django_assert_max_num_queries
):
    make_listed_articles(100)
    client.force_login(editor_user)

    with django_assert_max_num_queries(10):
        response = client.get(CHANGELIST_URL)

    assert len(response.context["cl"].result_list) == 100
    page = response.content.decode()
    first = response.context["cl"].result_list[0]
    assert ", ".join(author.name for author in first.author_list) in page


def listed(client, **params) -> set[int]:
    response = client.get(CHANGELIST_URL, params)
    assert response.status_code == 200
    return {article.pk for article in response.context["cl"].result_list}


def test_changelist_shows_section_with_kind_and_time_in_few_columns(
    client, editor_user, make_article, make_section
):
    when = timezone.make_aware(timezone.datetime(2026, 3, 4, 10, 58))
    make_article("Cities need shade", section=make_section("Middle East"), publish_at=when,
                 kind=Article.Kind.OPINION)  # fmt: skip
    make_article("Dam talks resume", publish_at=when)
    client.force_login(editor_user)

    response = client.get(CHANGELIST_URL)
    html = response.content.decode()

    assert '<td class="field-section_and_kind">Middle East · Opinion</td>' in html
    assert '<td class="field-section_and_kind">World</td>' in html  # news: the section only
    assert html.count('<td class="field-published">4\xa0Mar\xa02026 10:58</td>') == 2
    [table] = [t for t in find(parse(response), "table") if t.getAttribute("id") == "result_list"]
    assert len(find(find(table, "thead")[0], "th")) == 6  # the tick box and five columns


def test_changelist_filters_select_the_right_articles(
    client, editor_user, make_article, make_author, make_region, make_section
):
    iraq, syria = make_region("Iraq"), make_region("Syria")
    amira, leila = make_author("Amira Khalil"), make_author("Leila Farouk")
    sport = make_section("Sport")
    live = make_article("Oil revenue audited", regions=[iraq], authors=[amira])
    scheduled = make_article("Ceasefire talks", publish_at=FUTURE, regions=[syria])
    draft = make_article("Cup final", status=Article.Status.DRAFT, section=sport,
                         authors=[leila])  # fmt: skip
    client.force_login(editor_user)

    assert listed(client) == {live.pk, scheduled.pk, draft.pk}
    assert listed(client, publication="scheduled") == {scheduled.pk}
    assert listed(client, publication="live") == {live.pk}
    assert listed(client, publication="draft") == {draft.pk}
    assert listed(client, region=iraq.slug) == {live.pk}
    assert listed(client, authors__id__exact=leila.pk) == {draft.pk}
    assert listed(client, section__id__exact=sport.pk) == {draft.pk}
    assert listed(client, q="ceasefire") == {scheduled.pk}


# --- Preview ------------------------------------------------------------------------


def preview_url(client, article: Article) -> str:
    """The preview link as the change form shows it to the editor."""
    page = client.get(change_url(article)).content.decode()
    start = page.index('href="/preview/') + len('href="')
    return page[start : page.index('"', start)]


def test_preview_link_on_change_form_shows_draft_to_anyone(client, editor_user, make_article):
    article = make_article("Secret budget draft", status=Article.Status.DRAFT)
    client.force_login(editor_user)
    url = preview_url(client, article)
    client.logout()

    response = client.get(url)

    assert response.status_code == 200
    assert "Secret budget draft" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_tampered_preview_link_is_not_found(client, editor_user, make_article):
    article = make_article("Secret budget draft", status=Article.Status.DRAFT)
    client.force_login(editor_user)
    url = preview_url(client, article)
    client.logout()
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(reverse("articles:preview", args=[tampered])).status_code == 404
    # Another article's id spliced in front of this link's timestamp and signature.
    other = make_article(status=Article.Status.DRAFT)
    forged = signing.dumps(other.pk, salt=PREVIEW_SALT, compress=True).split(":", 1)[0]
    payload, signed = token.split(":", 1)
    assert forged != payload
    assert client.get(reverse("articles:preview", args=[f"{forged}:{signed}"])).status_code == 404


def test_expired_preview_link_is_not_found(client, editor_user, make_article, monkeypatch):
    article = make_article("Secret budget draft", status=Article.Status.DRAFT)
    client.force_login(editor_user)
    url = preview_url(client, article)
    client.logout()
    issued = time.time()

    def clock_at(seconds_later: float) -> None:
        # Only the signer's clock moves; the rest of the process keeps real time.
        monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: issued + seconds_later))

    clock_at(settings.PREVIEW_MAX_AGE - 60)
    assert client.get(url).status_code == 200
    clock_at(settings.PREVIEW_MAX_AGE + 60)
    assert client.get(url).status_code == 404


def test_editor_cannot_publish_an_article_without_an_author(client, editor_user, make_article):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    data["status"] = "published"

    response = client.post(change_url(article), data)

    assert "A published article needs at least one author." in errors(response)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_publish_now_action_skips_articles_without_an_author(
    client, editor_user, make_article, make_author
):
    lonely = make_article(status=Article.Status.DRAFT)
    credited = make_article(status=Article.Status.DRAFT, authors=[make_author()])
    client.force_login(editor_user)

    post_action(client, "publish_now", lonely, credited)

    lonely.refresh_from_db()
    credited.refresh_from_db()
    assert lonely.status == Article.Status.DRAFT
    assert credited.status == Article.Status.PUBLISHED


def test_author_link_target_search_offers_published_articles_of_others(
    client, make_staff, make_article
):
    author = make_staff("Author")
    make_article("Colleague's published dam story")
    make_article("Colleague's draft dam story", status=Article.Status.DRAFT)
    client.force_login(author)

    response = client.get(
        "/admin/autocomplete/",
        {"term": "dam", "app_label": "articles", "model_name": "relatedlink",
         "field_name": "target"},
    )  # fmt: skip

    assert response.status_code == 200
    labels = [result["text"] for result in response.json()["results"]]
    assert labels == ["Colleague's published dam story"]


def test_untouched_body_is_not_logged_as_changed(client, editor_user, reference_article):
    client.force_login(editor_user)
    data = form_data(client.get(change_url(reference_article)))
    data["standfirst"] = "A new standfirst."

    assert_saved(client.post(change_url(reference_article), data))

    entry = LogEntry.objects.filter(object_id=str(reference_article.pk)).latest("action_time")
    assert "Standfirst" in entry.get_change_message()
    assert "text" not in entry.get_change_message().lower()
    assert "quote" not in entry.get_change_message().lower()


def test_region_typed_in_lower_case_reuses_the_existing_region(
    client, editor_user, make_article, make_region
):
    iraq = make_region("Iraq")
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    data.update(regions="iraq", primary_region=str(iraq.pk))

    assert_saved(client.post(change_url(article), data))

    assert list(article.regions.all()) == [iraq]
    assert Region.objects.count() == 1


def test_related_link_without_destination_gets_a_plain_error(client, editor_user, make_article):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    add_row(data, "related_links", position="1")

    response = client.post(change_url(article), data)

    messages = errors(response)
    assert any("Choose either one of our articles" in message for message in messages)
    assert not any("related_link_has_one_destination" in message for message in messages)


def test_changelist_search_finds_region_and_author_names(
    client, editor_user, make_article, make_region, make_author
):
    kenya = make_region("Kenya")
    make_article("Transit line opens", primary_region=kenya, authors=[make_author("Ann Okafor")])
    make_article("Unrelated story")
    client.force_login(editor_user)

    for term in ("kenya", "okafor"):
        response = client.get(CHANGELIST_URL, {"q": term})
        assert [a.headline for a in response.context["cl"].result_list] == ["Transit line opens"]


def test_block_editor_import_map_is_allowed_by_its_hash_and_nothing_else_inline(
    client, editor_user, make_article
):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)

    response = client.get(change_url(article))

    html = response.content.decode()
    [import_map] = re.findall(r'<script type="importmap">(.*?)</script>', html, re.S)
    assert "content-editor/" in import_map and "django-prose-editor/" in import_map
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split("; ") if part.startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'", f"'sha256-{digest}'"]
    assert "'unsafe-inline'" in next(p for p in policy.split("; ") if p.startswith("style-src"))


# --- Fewer steps to write an article (posted as a browser without JavaScript would) -----


def lead_upload(**fields) -> dict:
    image = SimpleUploadedFile("lead.jpg", jpeg_bytes(), content_type="image/jpeg")
    return {"lead_image": image, **fields}


def test_lead_photo_uploaded_on_the_form_joins_the_library_and_leads(client, editor_user, section):
    client.force_login(editor_user)
    data = new_article_data(client, section)
    words = {"lead_alt_text": "A dam at dawn", "lead_caption": "The dam, this morning.",
             "lead_photographer": "Rami Haddad", "lead_agency": "Meridian"}  # fmt: skip

    assert_saved(client.post(ADD_URL, {**data, **lead_upload(**words)}))

    photo = Article.objects.get(headline="Dam talks resume").lead_photo
    assert (photo.alt_text, photo.caption) == ("A dam at dawn", "The dam, this morning.")
    assert photo.credit == "Photo by Rami Haddad/Meridian"
    assert photo.image.name.startswith("photos/")


def test_lead_photo_upload_without_saying_what_it_shows_stores_nothing(
    client, editor_user, section
):
    client.force_login(editor_user)
    data = new_article_data(client, section)

    response = client.post(ADD_URL, {**data, **lead_upload(lead_caption="The dam.")})

    assert field_errors(response, "lead_alt_text") == ["Say what the photo shows."]
    assert not Photo.objects.exists() and not Article.objects.exists()


def test_publish_now_button_publishes_with_the_editors_own_byline(
    client, editor_user, section, make_author
):
    writer = make_author("Hana Saleh", user=editor_user)
    client.force_login(editor_user)
    assert 'name="_publish"' in client.get(ADD_URL).content.decode()
    data = new_article_data(client, section)
    del data["_save"]

    assert_saved(client.post(ADD_URL, {**data, "_publish": "Publish now"}))

    article = Article.objects.get(headline="Dam talks resume")
    assert article.is_published
    assert [byline.author for byline in article.bylines.all()] == [writer]


def test_publish_now_button_is_not_offered_to_authors_and_does_not_publish_for_them(
    client, author_user, section
):
    client.force_login(author_user)
    assert 'name="_publish"' not in client.get(ADD_URL).content.decode()
    data = new_article_data(client, section)

    assert_saved(client.post(ADD_URL, {**data, "_publish": "Publish now"}))

    assert Article.objects.get(headline="Dam talks resume").status == Article.Status.DRAFT


def test_the_one_region_typed_becomes_the_kicker(client, editor_user, section, make_region):
    iraq = make_region("Iraq")
    client.force_login(editor_user)

    assert_saved(client.post(ADD_URL, new_article_data(client, section, regions="iraq")))

    article = Article.objects.get(headline="Dam talks resume")
    assert article.primary_region == iraq
    assert article.display_headline == "IRAQ: Dam talks resume"


def test_speaker_quoted_before_keeps_their_role_unless_another_is_given(
    client, editor_user, section, reference_article
):
    client.force_login(editor_user)
    data = new_article_data(client, section)
    add_row(data, "quotes", speaker="Samira Yousef", text="Again.", ordering=20, region="body")
    add_row(data, "quotes", speaker="Samira Yousef", speaker_role="minister", text="Now.",
            ordering=30, region="body")  # fmt: skip

    assert_saved(client.post(ADD_URL, data))

    quotes = Article.objects.get(headline="Dam talks resume").quotes.order_by("ordering")
    assert [quote.speaker_role for quote in quotes] == ["coalition director", "minister"]


def test_article_left_without_a_kicker_keeps_none_when_its_regions_stay(
    client, editor_user, make_article, make_region
):
    iraq = make_region("Iraq")
    article = make_article(status=Article.Status.DRAFT, regions=[iraq])
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    assert data["regions"] == "Iraq"  # a positive control: the region is on the form

    assert_saved(client.post(change_url(article), {**data, "headline": "Talks go on"}))

    article.refresh_from_db()
    assert (article.headline, article.primary_region) == ("Talks go on", None)


def test_a_refused_save_says_the_lead_photo_must_be_chosen_again_and_never_drops_it(
    client, editor_user, section
):
    """A browser does not send a chosen file back with a form shown again: the editor is
    told beside the upload, and words without a file are refused, not saved without it."""
    client.force_login(editor_user)
    data = new_article_data(client, section)
    words = {"lead_alt_text": "A dam at dawn", "lead_caption": "The dam, this morning."}

    refused = client.post(ADD_URL, {**data, "headline": "", **lead_upload(**words)})
    assert LEAD_FILE_AGAIN in field_errors(refused, "lead_image")

    again = client.post(ADD_URL, {**data, **words})  # the words came back; the file did not
    assert field_errors(again, "lead_image") == [LEAD_FILE_AGAIN]
    assert not Article.objects.exists() and not Photo.objects.exists()

    assert_saved(client.post(ADD_URL, {**data, **lead_upload(**words)}))
    assert Article.objects.get().lead_photo.alt_text == "A dam at dawn"
