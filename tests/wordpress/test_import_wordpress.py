"""``manage.py import_wordpress``: an invented WordPress site brought over, and run again."""

from datetime import UTC, datetime

import html5lib
import pytest
from django.core import mail
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import default_task_backend
from PIL import Image

from articles import images, tasks
from articles.models import Article, Author, Page, Photo, Region, Section, body_text
from comments.models import Comment, Reason
from newsroom.redirects.models import LegacyPath
from newsroom.wordpress import importer as wordpress
from newsroom.wordpress.models import ImportedItem
from tests.helpers.admin import assert_saved, change_url, form_data
from tests.helpers.images import jpeg_bytes
from tests.helpers.wordpress import EXPORT, WORDPRESS_COM, comment, imported_object, item

pytestmark = pytest.mark.django_db


def article(wp_id) -> Article:
    return imported_object(Article, wp_id)


def counts() -> dict[str, int]:
    models = [Article, Author, Section, Region, Photo, Comment, LegacyPath, ImportedItem]
    return {model.__name__: model.objects.count() for model in models}


def summary_row(output: str, kind: str) -> list[int]:
    """created, updated, skipped, missing media, warnings of one kind in the summary."""
    for line in output.splitlines():
        if line.split()[:1] == [kind]:
            return [int(n) for n in line.split()[1:]]
    raise AssertionError(f"no {kind} row in:\n{output}")


# --- Posts → articles -------------------------------------------------------------------------


def test_post_becomes_article_with_slug_dates_standfirst_and_byline(imported):
    dam = article(101)
    assert dam.headline == "Dam reservoir reaches a record level"
    assert dam.slug == "dam-reservoir-record"
    assert dam.status == Article.Status.PUBLISHED and dam.is_published
    assert dam.publish_at == datetime(2019, 5, 3, 8, 15, tzinfo=UTC)  # the GMT date
    assert dam.updated_at == datetime(2019, 5, 4, 6, 0, tzinfo=UTC)
    assert dam.standfirst == "Spillways opened as the lake rises & farmers move pumps."
    assert dam.author_list == [Author.objects.get(name="Amira Khalil")]


def test_future_post_is_scheduled_and_draft_stays_unpublished(imported):
    ferry, notes = article(103), article(104)
    assert ferry.is_scheduled
    assert ferry.publish_at == datetime(2099, 1, 1, 7, 0, tzinfo=UTC)
    assert notes.status == Article.Status.DRAFT and notes.publish_at is None


@pytest.mark.parametrize(
    ("wp_status", "expected"),
    [("pending", "draft"), ("private", "draft"), ("publish", "published")],
)
def test_wordpress_statuses_map_to_ours(wxr, run_import, wp_status, expected):
    run_import(wxr(item(1, status=wp_status)))
    assert article(1).status == expected


def test_trashed_posts_are_skipped_and_reported(imported):
    assert not ImportedItem.objects.filter(kind="post", wp_id="107").exists()
    assert "post 107: status “trash” is not imported" in imported.err


def test_title_entities_and_unicode_become_a_plain_headline(imported):
    assert article(102).headline == "Café owners & farmers agree on “fair” prices — at last"
    assert article(105).headline == "سلام على النهر"


def test_slug_that_cannot_be_ascii_falls_back_to_the_wordpress_id(imported):
    assert article(105).slug == "post-105"


def test_duplicated_slug_gets_a_suffix_and_a_warning(imported):
    assert article(104).slug == "dam-reservoir-record-2"
    assert "slug “dam-reservoir-record” is taken; using “dam-reservoir-record-2”" in imported.err


def test_slug_taken_by_an_existing_article_is_not_stolen(make_article, wxr, run_import):
    ours = make_article()
    run_import(wxr(item(1, slug=ours.slug)))
    assert Article.objects.get(pk=ours.pk).slug == ours.slug
    assert article(1).slug == f"{ours.slug}-2"


def test_authors_are_created_once_with_their_display_name(imported):
    assert Author.objects.filter(name="Amira Khalil").count() == 1
    assert [a.author_list[0].name for a in (article(101), article(103), article(104))] == [
        "Amira Khalil"
    ] * 3
    assert article(102).author_list[0].name == "Tomás Ruiz"


def test_existing_author_with_the_same_slug_and_name_is_reused(wxr, run_import):
    ours = Author.objects.create(name="Writer", slug="writer")
    run_import(wxr(item(1)))
    assert article(1).author_list == [ours]


def test_sticky_post_is_remembered_and_named(imported):
    assert ImportedItem.objects.get(kind="post", wp_id="101").sticky
    assert not ImportedItem.objects.get(kind="post", wp_id="102").sticky
    assert "Sticky on WordPress: Dam reservoir" in imported.out


def test_sticky_post_leads_the_home_page_though_newer_posts_came_after(imported, client):
    dam = article(101)
    assert dam.is_lead and list(Article.objects.filter(is_lead=True)) == [dam]
    assert article(105).publish_at > dam.publish_at  # not the newest
    assert "Leads the home page: Dam reservoir reaches a record level" in imported.out
    page = client.get("/").content.decode()
    lead = page[page.index('class="lead-story"') : page.index("</section>")]
    assert "Dam reservoir reaches a record level" in lead


STICKY = "<wp:is_sticky>1</wp:is_sticky>"


def test_newest_published_sticky_post_leads_and_replaces_the_lead_before(
    wxr, run_import, make_article
):
    ours = make_article("Our own lead", is_lead=True)
    run_import(
        wxr(
            item(1, extra=STICKY, date="2020-02-01 10:00:00"),
            item(2, extra=STICKY, date="2020-02-03 10:00:00"),
            item(3, extra=STICKY, date="2020-02-05 10:00:00", status="draft"),
            item(4, date="2020-02-07 10:00:00"),
        )
    )
    assert list(Article.objects.filter(is_lead=True)) == [article(2)]
    assert not Article.objects.get(pk=ours.pk).is_lead


def test_import_without_sticky_posts_keeps_our_lead(wxr, run_import, make_article):
    ours = make_article("Our own lead", is_lead=True)
    run_import(wxr(item(1), item(2)))
    assert list(Article.objects.filter(is_lead=True)) == [ours]


def test_dry_run_chooses_no_lead(wxr, run_import, make_article):
    ours = make_article("Our own lead", is_lead=True)
    result = run_import(wxr(item(1, extra=STICKY)), "--dry-run")
    assert "Leads the home page: A story" in result.out
    assert list(Article.objects.filter(is_lead=True)) == [ours]


def test_pages_become_the_sites_pages_not_articles(imported, client):
    about = imported_object(Page, 110, kind="page")
    assert (about.title, about.slug, about.published) == ("About us", "about", True)
    assert about.body == "<p>We report from the places others forget.</p>"
    assert not Article.objects.filter(headline="About us").exists()
    assert b"places others forget" in client.get("/about/").content
    assert "Not imported (other post types): 1 nav_menu_item." in imported.out
    assert summary_row(imported.out, "pages")[:3] == [3, 0, 0]


def test_a_page_on_an_address_of_the_site_moves_and_its_text_is_cleaned(imported, client):
    help_page = imported_object(Page, 111, kind="page")
    assert help_page.slug == "search-page"
    assert "“search” is taken here; using “search-page”" in imported.err
    body = html5lib.parse(help_page.body, namespaceHTMLElements=False)
    assert not body.findall(".//script")
    assert [p.text for p in body.findall(".//p")] == [
        "Type a place or a name.", "Older stories are in the archive."
    ]  # fmt: skip
    assert client.get("/search/").status_code == 200  # the site's search, still
    assert b"Type a place" in client.get("/search-page/").content


def test_old_page_addresses_lead_to_published_pages(imported, client):
    assert client.get("/?page_id=110").url == "/about/"
    assert client.get("/?page_id=111").url == "/search-page/"
    assert client.get("/?page_id=112").status_code == 200  # the home page: still a draft
    assert LegacyPath.objects.get(path="/?page_id=112").page.slug == "advertise"
    assert not LegacyPath.objects.filter(path="/about/").exists()  # the same address here


def test_a_draft_page_is_imported_unpublished(imported, client):
    advertise = imported_object(Page, 112, kind="page")
    assert advertise.slug == "advertise" and not advertise.published
    response = client.get("/advertise/")
    assert response.status_code == 404 and b"never finished" not in response.content


def test_pages_are_imported_once_and_updated_only_when_asked(imported, run_import, uploads):
    about = imported_object(Page, 110, kind="page")
    about.title = "About the Ledger"
    about.save()
    again = run_import(EXPORT, "--media-dir", str(uploads))
    assert summary_row(again.out, "pages")[:3] == [0, 0, 3]
    assert Page.objects.count() == 3 and Page.objects.get(pk=about.pk).title == "About the Ledger"
    updated = run_import(EXPORT, "--media-dir", str(uploads), "--update")
    assert summary_row(updated.out, "pages")[:3] == [0, 3, 0]
    assert Page.objects.count() == 3 and Page.objects.get(pk=about.pk).title == "About us"


def test_pages_stay_pages_even_when_named_as_a_post_type(run_import):
    run_import(EXPORT, "--post-type", "post", "--post-type", "page")
    assert not Article.objects.filter(headline="About us").exists()
    assert imported_object(Page, 110, kind="page").slug == "about"


def test_closed_comments_stay_closed(imported):
    assert article(101).comments_enabled
    assert not article(102).comments_enabled


# --- Sections and regions -----------------------------------------------------------------


def test_categories_become_sections_and_tags_regions(imported):
    assert article(101).section.slug == "iraq"  # the most specific of World › … › Iraq
    assert article(102).section.name == "Food & Farming"
    assert sorted(r.name for r in article(101).regions.all()) == ["Mosul", "Water"]
    evora = article(102).regions.get()
    assert (evora.name, evora.slug) == ("Évora", "evora")
    assert article(101).primary_region is None


def test_uncategorized_posts_go_to_the_default_section(run_import, uploads):
    run_import(EXPORT, "--section-default", "briefs")
    assert article(103).section.slug == "briefs"
    assert not Section.objects.filter(slug="uncategorized").exists()


def test_regions_from_categories_makes_subcategories_places(run_import):
    run_import(EXPORT, "--regions-from", "categories")
    dam = article(101)
    assert dam.section.slug == "world"
    assert sorted(r.slug for r in dam.regions.all()) == ["iraq", "middle-east"]
    assert dam.primary_region.slug == "iraq"
    assert dam.display_headline == "IRAQ: Dam reservoir reaches a record level"
    assert not Region.objects.filter(slug="mosul").exists()


def test_existing_section_with_the_same_slug_is_used(make_section, run_import):
    ours = Section.objects.create(name="Iraq desk", slug="iraq")
    run_import(EXPORT)
    assert article(101).section == ours


# --- Bodies ---------------------------------------------------------------------------------


def body_html(article: Article) -> str:
    """Everything the article's text blocks hold."""
    return "".join(block.text for block in article.text_blocks.all())


def test_classic_body_keeps_paragraphs_quote_and_caption_photo(imported):
    dam = article(101)
    blocks = dam.blocks()
    assert blocks[0].text.startswith("<p>Engineers at the northern dam")
    assert blocks[2].kind == "photo"
    assert (
        blocks[3].text == "<blockquote>We have never seen the lake this full in May.</blockquote>"
    )
    spillway = blocks[2].photo
    assert spillway.caption == "The eastern spillway, opened for the first time in a decade"
    assert spillway.alt_text == "Water pouring through an open spillway"


def test_photo_used_twice_is_one_photo_and_an_unknown_one_is_left_out(imported):
    dam = article(101)
    placed = [block for block in dam.blocks() if block.kind == "photo"]
    assert len(placed) == dam.body_photos.count() >= 2
    assert {block.photo_id for block in placed} == {placed[0].photo_id}
    assert "post 101: image 999 is not in the export" in imported.err


def test_block_editor_body_is_clean(imported):
    cafe = article(102)
    text = body_html(cafe)
    assert "<!--" not in text and "class=" not in text and "onclick" not in text
    kinds = [block.kind for block in cafe.blocks()]
    assert kinds == ["text", "text", "photo", "text", "text", "embed", "text", "text", "text"]
    market = cafe.body_photos.get().photo
    assert (market.alt_text, market.caption) == (
        "Crates of tomatoes at the market",
        "The Saturday market in Évora",
    )


def test_shortcodes_are_reported_and_never_reach_readers(imported):
    dam = article(101)
    assert "contact-form-7" not in body_html(dam) and "[embed]" not in body_html(dam)
    assert "post 101: shortcode [contact-form-7] removed" in imported.err
    assert "post 101: “[sic]” kept as text" in imported.err


def test_embeds_of_both_editors_become_embed_blocks_and_the_rest_are_reported_links(imported):
    dam, cafe = article(101), article(102)
    assert [(e.provider, e.url) for e in dam.embeds.all()] == [
        ("YouTube", "https://www.youtube.com/watch?v=Xy12Ab34Cd5"),  # alone on its line
        ("Vimeo", "https://vimeo.com/76979871"),  # [video src=…]
    ]
    assert [(e.provider, e.url) for e in cafe.embeds.all()] == [
        ("YouTube", "https://www.youtube.com/watch?v=Ab12Cd34Ef5")  # a wp:embed block
    ]
    # Nothing is lost: what we cannot embed stays a link, and the operator is told.
    assert '<a href="https://video.example.org/watch/123"' in body_html(dam)
    assert '<a href="https://clips.example.net/v/88"' in body_html(cafe)
    assert "The signing, filmed by the cooperative" in body_html(cafe)  # the embed's caption
    for note in (
        "post 101: [embed] of https://video.example.org/watch/123 kept as a link",
        "post 101: [audio] of https://old.meridian.example/wp-content/uploads/2019/05/gauge.mp3"
        " kept as a link",
        "post 102: embed block of https://clips.example.net/v/88 kept as a link",
    ):
        assert note in imported.err
    assert "youtube" not in imported.err.lower() and "vimeo" not in imported.err.lower()


def test_imported_bodies_are_valid_blocks_with_their_search_text(imported):
    for wp_id in (101, 102, 103, 104, 105):
        imported_article = article(wp_id)
        imported_article.full_clean()
        for block in imported_article.blocks():
            block.full_clean()
        # The words search reads are those of the blocks, as a save in the admin makes them.
        texts = [block.text for block in imported_article.text_blocks.all()]
        assert imported_article.body_text == body_text(texts) != ""


def test_imported_article_saves_unchanged_in_the_admin(imported, client, make_staff):
    client.force_login(make_staff("Editor"))
    dam = article(101)
    before = [(block.kind, block.key, getattr(block, "text", "")) for block in dam.blocks()]
    assert_saved(client.post(change_url(dam), form_data(client.get(change_url(dam)))))
    dam = article(101)
    assert [(block.kind, block.key, getattr(block, "text", "")) for block in dam.blocks()] == before


# --- Photos ---------------------------------------------------------------------------------


def test_featured_image_becomes_the_lead_photo_from_the_media_folder(imported):
    lead = article(101).lead_photo
    assert lead.caption == "The reservoir at dawn, seen from the northern bank"
    assert lead.alt_text == "A wide lake under a pale sky"
    assert (lead.width, lead.height) == (80, 60)
    with Image.open(lead.image.path) as image:
        assert image.format == "JPEG"
    assert lead.source_url == ""


def test_missing_media_is_recorded_with_its_address_and_reported(imported, client):
    cafe = article(102)
    assert not cafe.lead_photo.image
    assert cafe.lead_photo.source_url == (
        "https://old.meridian.example/wp-content/uploads/2019/05/market.jpg"
    )
    assert summary_row(imported.out, "photos")[3] == 1
    assert "media file missing for https://old.meridian.example/wp-content" in imported.err
    response = client.get(cafe.get_absolute_url())
    assert response.status_code == 200
    assert b"<img" not in response.content.split(b'class="article-body"')[1].split(b"</div>")[0]


def test_without_a_media_folder_every_photo_is_missing(run_import):
    result = run_import(EXPORT)
    assert summary_row(result.out, "photos")[:4] == [3, 0, 0, 3]
    assert not any(photo.image for photo in Photo.objects.all())


def test_home_page_lists_articles_whose_photo_is_missing(imported, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Café owners &amp; farmers agree".encode() in response.content


def test_photos_of_published_articles_get_renditions_once_the_import_commits(
    run_import, uploads, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the immediate task backend
        run_import(EXPORT, "--media-dir", str(uploads))
    dam = article(101)
    photos = [dam.lead_photo, *(placed.photo for placed in dam.body_photos.all())]
    assert len(photos) >= 2 and all(images.renditions_current(photo) for photo in photos)
    response = client.get(dam.get_absolute_url())
    assert dam.lead_photo.webp_srcset and dam.lead_photo.webp_srcset in response.text


THUMBNAIL = (
    "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
    "<wp:meta_value>{}</wp:meta_value></wp:postmeta>"
)


def attachment(wp_id, name) -> str:
    return (
        f"<item><title>{name}</title><wp:post_id>{wp_id}</wp:post_id>"
        "<wp:post_type>attachment</wp:post_type>"
        f"<wp:attachment_url>https://old.example/wp-content/uploads/2019/05/{name}.jpg"
        "</wp:attachment_url></item>"
    )


@pytest.fixture
def deferred_tasks(settings):
    """Tasks are kept, not run: which photos were queued, in order."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    build = tasks.build_photo_renditions.func
    return lambda: [r.args[0] for r in default_task_backend.results if r.task.func is build]


def test_photos_of_scheduled_articles_are_queued_and_of_drafts_not(
    wxr, run_import, uploads, deferred_tasks, django_capture_on_commit_callbacks
):
    export = wxr(
        attachment(8, "spillway"),
        attachment(9, "reservoir"),
        item(1, extra=THUMBNAIL.format(8), status="future", date="2099-01-01 07:00:00"),
        item(2, extra=THUMBNAIL.format(9), status="draft"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import(export, "--media-dir", str(uploads))
    scheduled, draft = article(1), article(2)
    assert scheduled.is_scheduled and scheduled.lead_photo.image and draft.lead_photo.image
    assert deferred_tasks() == [scheduled.lead_photo.pk]


def test_dry_run_queues_no_renditions(
    run_import, uploads, settings, deferred_tasks, django_capture_on_commit_callbacks
):
    run_import(EXPORT, "--media-dir", str(uploads))  # photos with files, renditions not built
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_import(EXPORT, "--media-dir", str(uploads), "--update", "--dry-run")
    assert deferred_tasks() == []
    assert not (settings.MEDIA_ROOT / "renditions").exists()
    with django_capture_on_commit_callbacks(execute=True):  # the same run, for real
        run_import(EXPORT, "--media-dir", str(uploads), "--update")
    with_files = Photo.objects.exclude(image="").values_list("pk", flat=True)
    assert len(with_files) == 2 and sorted(deferred_tasks()) == sorted(with_files)


# --- Comments -------------------------------------------------------------------------------


def test_comments_keep_threads_five_levels_deep_when_replies_come_first(imported):
    dam = article(101)
    by_wp = {wp_id: imported_object(Comment, wp_id, "comment") for wp_id in range(501, 506)}
    chain = [by_wp[501]]
    while reply := Comment.objects.filter(parent=chain[-1]).first():
        chain.append(reply)
    assert [c.pk for c in chain] == [by_wp[n].pk for n in range(501, 506)]
    assert all(c.article == dam for c in chain)


def test_comment_fields_and_statuses_are_kept(imported):
    dana = imported_object(Comment, 504, "comment")
    assert (dana.name, dana.email, dana.author_url, dana.ip) == (
        "Dana",
        "dana@example.org",
        "https://dana.example.org",
        "198.51.100.4",
    )
    assert dana.created_at == datetime(2019, 5, 3, 12, 0, tzinfo=UTC)
    statuses = {n: imported_object(Comment, n, "comment").status for n in (501, 506, 507, 508)}
    assert statuses == {501: "approved", 506: "pending", 507: "spam", 508: "removed"}
    assert imported_object(Comment, 501, "comment").name == "Bilal & Sons"


def test_pingbacks_are_skipped_and_reported(imported):
    assert not ImportedItem.objects.filter(kind="comment", wp_id="509").exists()
    assert "post 101: pingback 509 not imported" in imported.err


def test_comment_html_goes_through_the_comment_sanitiser(imported):
    text = imported_object(Comment, 501, "comment").body_html
    document = html5lib.parse(text, treebuilder="dom", namespaceHTMLElements=False)
    assert not document.getElementsByTagName("script")
    assert [e.tagName for e in document.getElementsByTagName("strong")] == ["strong"]


def test_imported_comments_skip_the_pipeline_and_send_no_mail(imported):
    assert mail.outbox == []
    assert not Reason.objects.exists()
    assert not Comment.objects.filter(notified_at__isnull=True).exists()


def test_reply_to_a_comment_that_is_not_imported_starts_a_thread(wxr, run_import):
    result = run_import(wxr(item(1, comments=[comment(11, parent=99)])))
    assert imported_object(Comment, 11, "comment").parent is None
    assert "comment 11 answers 99, which is not imported" in result.err


def test_replies_answering_each_other_in_a_loop_are_all_imported(wxr, run_import):
    run_import(wxr(item(1, comments=[comment(11, parent=12), comment(12, parent=11)])))
    first, second = (imported_object(Comment, n, "comment") for n in (11, 12))
    assert (first.parent, second.parent) == (None, first)


def test_imported_article_page_shows_its_comments(imported, client):
    response = client.get(article(101).get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Bilal &amp; Sons", "Chen", "Dana", "Emeka"):
        assert f'<strong class="comment-author">{name}</strong>' in page
    assert "Still waiting for a moderator" not in page
    assert "Buy pumps here" not in page


# --- Old addresses --------------------------------------------------------------------------


def test_old_permalink_redirects_permanently_to_the_article(imported, client):
    response = client.get("/world/dam-reservoir-record/")
    assert response.status_code == 301
    assert response["Location"] == article(101).get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_old_permalink_without_trailing_slash_and_in_unicode_redirect(imported, client):
    assert client.get("/world/dam-reservoir-record").url == article(101).get_absolute_url()
    assert client.get("/world/سلام/").url == article(105).get_absolute_url()


def test_query_string_permalink_redirects(imported, client):
    response = client.get("/?p=102")
    assert response.status_code == 301
    assert response["Location"] == article(102).get_absolute_url()


def test_old_links_to_unpublished_articles_do_not_redirect(imported, client):
    assert client.get("/?p=103").status_code == 200  # the home page: the ferry is scheduled
    assert client.get("/?p=104").status_code == 200
    assert client.get("/?p=999").status_code == 200


def test_pages_read_no_redirect_table_unless_asked(imported, client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(article(101).get_absolute_url()).status_code == 200
        assert client.get("/").status_code == 200
    assert not any("newsroom_legacypath" in q["sql"] for q in queries.captured_queries)


# --- Running the import ---------------------------------------------------------------------


def test_admin_lists_imported_items_and_old_addresses(imported, admin_client):
    paths = admin_client.get(reverse("admin:redirects_legacypath_changelist"))
    assert "/world/dam-reservoir-record/" in paths.content.decode()
    url = reverse("admin:wordpress_importeditem_changelist") + "?sticky__exact=1"
    sticky = admin_client.get(url).content.decode()
    assert 'class="field-wp_id">101<' in sticky
    assert 'class="field-wp_id">102<' not in sticky


def test_summary_counts_each_kind(imported):
    assert summary_row(imported.out, "articles")[:3] == [5, 0, 2]
    assert summary_row(imported.out, "comments")[:3] == [8, 0, 2]
    assert summary_row(imported.out, "authors")[0] == 3
    assert summary_row(imported.out, "redirects")[0] == 12  # 8 for posts, 4 for pages


def test_progress_is_shown_on_stderr(imported):
    assert "14/14 items (100%)" in imported.err


def test_running_twice_creates_nothing_new(imported, run_import, uploads):
    before = counts()
    again = run_import(EXPORT, "--media-dir", str(uploads))
    assert counts() == before
    for kind in ("articles", "photos", "comments", "authors", "sections", "regions", "redirects"):
        assert summary_row(again.out, kind)[0] == 0, kind
    assert summary_row(again.out, "articles")[2] == 7


def test_new_comments_of_an_imported_post_are_added_on_the_next_run(wxr, run_import):
    run_import(wxr(item(1, comments=[comment(11)])))
    run_import(wxr(item(1, comments=[comment(11), comment(12, parent=11)])))
    assert Comment.objects.count() == 2
    assert imported_object(Comment, 12, "comment").parent == imported_object(Comment, 11, "comment")


def test_article_deleted_here_is_not_imported_again(wxr, run_import):
    export = wxr(item(1), item(2))
    run_import(export)
    article(1).delete()
    again = run_import(export)
    assert list(Article.objects.values_list("slug", flat=True)) == ["story-2"]
    assert "post 1: its article was deleted here; not imported again" in again.err


def test_update_reapplies_the_export_without_duplicates(imported, run_import, uploads):
    dam = article(101)
    dam.headline = "Edited here"
    dam.save()
    before = counts()
    again = run_import(EXPORT, "--media-dir", str(uploads), "--update")
    assert counts() == before
    assert article(101).headline == "Dam reservoir reaches a record level"
    assert summary_row(again.out, "articles")[:2] == [0, 5]


def test_dry_run_writes_nothing(run_import, uploads, settings):
    result = run_import(EXPORT, "--media-dir", str(uploads), "--dry-run")
    assert set(counts().values()) == {0}
    assert summary_row(result.out, "articles")[0] == 5
    assert "Dry run: nothing was written." in result.out
    assert not (settings.MEDIA_ROOT / "photos").exists()


def test_bad_item_is_reported_with_its_id_and_the_rest_imported(imported):
    assert "post 106 skipped: unreadable date" in imported.err
    assert not ImportedItem.objects.filter(kind="post", wp_id="106").exists()
    assert Article.objects.count() == 5


def test_item_the_database_refuses_is_skipped_and_the_rest_of_its_batch_written(wxr, run_import):
    export = wxr(item(1, comments=[comment(11)]), item(2), item(1, slug="same-id-again"))
    result = run_import(export)
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["story-1", "story-2"]
    assert Comment.objects.get().article == article(1)
    assert "post 1 skipped:" in result.err
    assert summary_row(result.out, "articles")[:3] == [2, 0, 1]


def test_malformed_file_fails_clearly_and_writes_nothing(tmp_path, run_import):
    broken = tmp_path / "broken.xml"
    broken.write_text(EXPORT.read_text(encoding="utf-8")[:-400], encoding="utf-8")
    with pytest.raises(CommandError, match=r"not well-formed XML: .* at line \d+, column \d+"):
        run_import(broken)
    assert set(counts().values()) == {0}


def test_xml_that_is_not_a_wordpress_export_is_refused(tmp_path, run_import):
    feed = tmp_path / "feed.xml"
    feed.write_text('<rss version="2.0"><channel><title>A feed</title></channel></rss>')
    with pytest.raises(CommandError, match="not a WordPress export"):
        run_import(feed)


def test_entity_expansion_bomb_is_refused_as_malformed(tmp_path, run_import):
    bomb = tmp_path / "bomb.xml"
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 12))
    bomb.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e0 "lol">{entities}]>'
        "<rss><channel><title>&e11;</title></channel></rss>"
    )
    with pytest.raises(CommandError, match="not well-formed XML"):
        run_import(bomb)


def test_media_paths_outside_the_media_folder_are_never_read(wxr, run_import, tmp_path):
    (tmp_path / "secret.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "media-copy").mkdir()
    attachment = (
        "<item><title>x</title><wp:post_id>9</wp:post_id><wp:post_type>attachment"
        "</wp:post_type><wp:attachment_url>https://old.example/elsewhere.jpg</wp:attachment_url>"
        "<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>"
        "<wp:meta_value>../secret.jpg</wp:meta_value></wp:postmeta></item>"
    )
    thumbnail = (
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        "<wp:meta_value>9</wp:meta_value></wp:postmeta>"
    )
    run_import(wxr(attachment, item(1, extra=thumbnail)), "--media-dir", tmp_path / "media-copy")
    assert not article(1).lead_photo.image


def test_older_wxr_versions_are_read(wxr, run_import):
    run_import(wxr(item(1, title="From WXR 1.1"), version="1.1"))
    assert article(1).headline == "From WXR 1.1"


def test_wordpress_com_export_with_https_namespaces_is_imported(run_import):
    run_import(WORDPRESS_COM)
    lighthouse = article(41)
    assert lighthouse.headline == "Lighthouse lamp relit after forty years"
    assert lighthouse.standfirst == "Volunteers brought the harbour light back."
    assert lighthouse.publish_at == datetime(2021, 6, 14, 8, 30, tzinfo=UTC)
    assert lighthouse.section.name == "Shipping"
    assert "Volunteers spent two winters" in lighthouse.body_text
    assert Author.objects.get().name == "Ines Quay"
    assert Comment.objects.get(article=lighthouse).name == "Old Keeper"


def test_namespaces_are_those_the_file_binds_to_the_wordpress_prefixes(tmp_path, run_import):
    export = tmp_path / "export.xml"
    export.write_text(
        '<rss version="2.0" xmlns:wp="urn:example:any-wxr" xmlns:dc="urn:example:any-dc">'
        "<channel><wp:wxr_version>1.2</wp:wxr_version>"
        "<item><title>Bound elsewhere</title><dc:creator>writer</dc:creator>"
        "<wp:post_id>3</wp:post_id><wp:post_name>bound-elsewhere</wp:post_name>"
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>"
        "</channel></rss>"
    )
    run_import(export)
    assert article(3).headline == "Bound elsewhere"
    assert Author.objects.get().name == "writer"


def test_rss_feed_binding_no_wp_prefix_is_refused(tmp_path, run_import):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>A blog</title>'
        "<item><title>A post</title><dc:creator>writer</dc:creator>"
        "<content:encoded>Text.</content:encoded></item></channel></rss>"
    )
    with pytest.raises(CommandError, match="not a WordPress export"):
        run_import(feed)
    assert set(counts().values()) == {0}


def test_interrupted_import_finishes_when_run_again(wxr, run_import, monkeypatch):
    export = wxr(*(item(n) for n in range(1, 6)))
    real = wordpress.Importer.prepare

    def interrupted(self, post, *args):
        if post.wp_id == "4":
            raise KeyboardInterrupt
        return real(self, post, *args)

    monkeypatch.setattr(wordpress.Importer, "prepare", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_import(export, "--batch-size", "2")
    assert Article.objects.count() == 2  # the first batch committed, the second did not
    monkeypatch.setattr(wordpress.Importer, "prepare", real)
    run_import(export)
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        f"story-{n}" for n in range(1, 6)
    ]
