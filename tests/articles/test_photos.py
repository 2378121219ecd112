"""Photos: uploads re-encoded without metadata, renditions made once in a task, markup.

Hostile uploads (bombs, polyglots, files that are not images) are in
tests/security/test_uploads.py.
"""

import io
import struct
import zlib

import html5lib
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks import default_task_backend
from PIL import Image

from articles import fragments, images, tasks
from articles.forms import PhotoForm
from articles.models import Article, BodyPhoto, Byline, Photo
from tests.helpers.admin import form_data
from tests.helpers.images import GPS_IFD, exif_with_gps, jpeg_bytes

pytestmark = pytest.mark.django_db

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>where=secret-location</rdf:RDF></x:xmpmeta>'


def image_bytes(image_format: str, size=(64, 48), **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(buffer, image_format, **save_args)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: only its header is ever read."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def reopen(content) -> Image.Image:
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


# --- Uploads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "name", "extra"),
    [
        ("JPEG", "a.jpg", {"xmp": XMP}),
        ("PNG", "a.png", {}),
        ("WEBP", "a.webp", {"xmp": XMP}),
    ],
)
def test_upload_keeps_no_exif_gps_or_xmp(image_format, name, extra):
    data = image_bytes(image_format, exif=exif_with_gps(), **extra)
    original = Image.open(io.BytesIO(data))
    assert original.getexif().get_ifd(GPS_IFD), "the test image must carry GPS data"

    clean = images.normalise_upload(upload(data, name))
    result = reopen(clean)
    assert result.format == image_format
    assert not result.getexif()
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile"} & set(result.info)
    clean.seek(0)
    raw = clean.read()
    assert b"secret-location" not in raw and b"CameraMaker" not in raw


def test_upload_applies_exif_orientation():
    # Orientation 6: the camera was turned; the stored pixels must be upright.
    data = image_bytes("JPEG", size=(64, 48), exif=exif_with_gps(orientation=6))
    result = reopen(images.normalise_upload(upload(data)))
    assert result.size == (48, 64)


def test_upload_larger_than_the_limit_is_scaled_down(settings):
    settings.PHOTO_MAX_DIMENSION = 100
    result = reopen(images.normalise_upload(upload(jpeg_bytes(400, 200))))
    assert result.size == (100, 50)


def test_upload_with_more_pixels_than_allowed_is_refused(settings):
    settings.PHOTO_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as error:
        images.normalise_upload(upload(jpeg_bytes(64, 48)))
    assert error.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    "side", [12_000, 100_000]
)  # Pillow warns at the first, raises at the second
def test_decompression_bomb_is_a_validation_error(side):
    with pytest.raises(ValidationError) as error:
        images.normalise_upload(upload(png_header(side, side), "bomb.png"))
    assert error.value.code == "too_many_pixels"


def test_decompression_bomb_is_a_form_error_not_a_crash():
    form = PhotoForm(
        data={"alt_text": "Something"},
        files={"image": upload(png_header(100_000, 100_000), "bomb.png")},
    )
    assert not form.is_valid()
    assert form.errors["image"]


def test_file_that_is_not_an_image_is_a_form_error():
    form = PhotoForm(
        data={"alt_text": "Something"}, files={"image": upload(b"<svg></svg>", "x.jpg")}
    )
    assert not form.is_valid()
    assert form.errors["image"]


def test_upload_larger_than_the_byte_limit_is_refused(settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError, match="too large"):
        images.normalise_upload(upload(jpeg_bytes()))


# --- Renditions ----------------------------------------------------------------------------


def _file(width: int, height: int) -> ContentFile:
    return ContentFile(jpeg_bytes(width, height))


def test_renditions_are_webp_and_jpeg_at_every_width_up_to_the_source(make_photo):
    photo = make_photo()
    photo.image.save("wide.jpg", _file(1000, 500))
    assert images.build_renditions(photo)
    photo.refresh_from_db()
    items = photo.renditions["items"]
    assert sorted({item["width"] for item in items}) == [320, 640, 960, 1000]
    for item in items:
        with default_storage.open(item["name"]) as stored:
            decoded = Image.open(stored)
            assert decoded.format == {"webp": "WEBP", "jpeg": "JPEG"}[item["format"]]
            assert decoded.size == (item["width"], item["height"])
            assert item["height"] == round(500 * item["width"] / 1000)
            assert item["bytes"] == default_storage.size(item["name"])


def test_renditions_are_made_once_and_reused(make_photo, monkeypatch):
    photo = make_photo()
    assert images.build_renditions(photo)
    photo.refresh_from_db()
    names = [item["name"] for item in photo.renditions["items"]]

    def fail(*args, **kwargs):
        raise AssertionError("renditions re-encoded")

    monkeypatch.setattr(images, "_save_clean", fail)
    assert not images.build_renditions(photo)
    photo.refresh_from_db()
    assert [item["name"] for item in photo.renditions["items"]] == names


def test_new_image_gets_new_renditions_and_old_files_are_removed(
    make_photo, django_capture_on_commit_callbacks
):
    photo = make_photo()
    images.build_renditions(photo)
    old = [item["name"] for item in photo.renditions["items"]]
    photo.image.save("replacement.jpg", _file(700, 400))
    assert photo.webp_srcset == ""  # stale renditions are never served
    with django_capture_on_commit_callbacks(execute=True):
        assert images.build_renditions(photo)
    assert not any(default_storage.exists(name) for name in old)
    assert "replacement" in photo.webp_srcset


def rendition_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT / "renditions"
    return {str(path.relative_to(settings.MEDIA_ROOT)) for path in root.rglob("*.*")}


def test_two_builds_at_once_keep_one_set_of_files(
    make_photo, settings, django_capture_on_commit_callbacks
):
    photo = make_photo(size=(700, 400))
    late = Photo.objects.get(pk=photo.pk)  # a second worker, loaded before the first ends
    with django_capture_on_commit_callbacks(execute=True):
        assert images.build_renditions(photo)
        assert not images.build_renditions(late)
    recorded = {item["name"] for item in Photo.objects.get(pk=photo.pk).renditions["items"]}
    assert len(recorded) == 6 and rendition_files(settings) == recorded


def test_build_for_an_image_replaced_meanwhile_records_and_keeps_nothing(
    make_photo, settings, django_capture_on_commit_callbacks
):
    photo = make_photo()
    stale = Photo.objects.get(pk=photo.pk)
    photo.image.save("newer.jpg", _file(80, 60))
    with django_capture_on_commit_callbacks(execute=True):
        assert not images.build_renditions(stale)
    assert Photo.objects.get(pk=photo.pk).renditions == {}
    assert rendition_files(settings) == set()


def test_missing_source_file_gives_no_renditions_and_no_error(make_photo, client, make_article):
    photo = make_photo()
    default_storage.delete(photo.image.name)
    assert not images.build_renditions(photo)
    assert photo.renditions == {}
    article = make_article(lead_photo=photo)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def test_build_renditions_command_fills_in_missing_ones(make_photo, capsys):
    photos = [make_photo(), make_photo()]
    version = fragments.version()
    call_command("build_renditions")
    assert all(Photo.objects.get(pk=photo.pk).webp_srcset for photo in photos)
    assert "Renditions built for 2 photo(s); 0 could not be read" in capsys.readouterr().out
    assert fragments.version() != version  # cached pages get the srcsets

    version = fragments.version()
    call_command("build_renditions")
    assert "Renditions built for 0 photo(s); 0 could not be read" in capsys.readouterr().out
    assert fragments.version() == version


# --- Markup --------------------------------------------------------------------------------


def parse(response):
    return html5lib.parse(response.content, treebuilder="dom", namespaceHTMLElements=False)


def srcset_widths(value: str) -> list[int]:
    return [int(part.split()[1].rstrip("w")) for part in value.split(",")]


@pytest.fixture
def photo_with_renditions(make_photo):
    photo = make_photo(alt_text="A harbour at dawn")
    photo.image.save("harbour.jpg", _file(1800, 1200))
    images.build_renditions(photo)
    return photo


def test_article_lead_photo_has_srcset_sizes_dimensions_and_is_not_lazy(
    client, make_article, photo_with_renditions
):
    article = make_article(lead_photo=photo_with_renditions)
    page = parse(client.get(article.get_absolute_url()))
    picture = page.getElementsByTagName("picture")[0]
    source = picture.getElementsByTagName("source")[0]
    image = picture.getElementsByTagName("img")[0]
    assert source.getAttribute("type") == "image/webp"
    assert srcset_widths(source.getAttribute("srcset")) == [320, 640, 960, 1280, 1600]
    assert srcset_widths(image.getAttribute("srcset")) == [320, 640, 960, 1280, 1600]
    assert ".jpg" in image.getAttribute("src") and "-960." in image.getAttribute("src")
    assert source.getAttribute("sizes") == image.getAttribute("sizes") != ""
    assert (image.getAttribute("width"), image.getAttribute("height")) == ("1800", "1200")
    assert image.getAttribute("alt") == "A harbour at dawn"
    assert not image.hasAttribute("loading")
    assert image.getAttribute("fetchpriority") == "high"


def test_body_photos_load_lazily(client, reference_article):
    page = parse(client.get(reference_article.get_absolute_url()))
    body = [f for f in page.getElementsByTagName("figure") if "photo" in f.getAttribute("class")]
    lead, in_body = body[0], body[1]
    assert not lead.getElementsByTagName("img")[0].hasAttribute("loading")
    assert in_body.getElementsByTagName("img")[0].getAttribute("loading") == "lazy"


def test_home_top_story_photo_is_eager_and_section_cards_are_lazy(
    client, make_article, make_section, photo_with_renditions
):
    make_article("Top", lead_photo=photo_with_renditions)
    make_article("Second", lead_photo=photo_with_renditions, section=make_section("Sport"))
    page = parse(client.get("/"))
    lead = page.getElementsByTagName("section")[0]
    assert "lead-story" in lead.getAttribute("class")
    lead_image = lead.getElementsByTagName("img")[0]
    assert not lead_image.hasAttribute("loading")
    assert lead_image.getAttribute("width") == "1800"
    cards = [
        img
        for section in page.getElementsByTagName("section")
        if "section-block" in section.getAttribute("class")
        for img in section.getElementsByTagName("img")
    ]
    assert cards and all(img.getAttribute("loading") == "lazy" for img in cards)
    assert all(img.getAttribute("srcset") for img in cards)


def test_photo_without_renditions_falls_back_to_the_original(client, make_article, make_photo):
    photo = make_photo()
    article = make_article(lead_photo=photo)
    image = parse(client.get(article.get_absolute_url())).getElementsByTagName("img")[0]
    assert image.getAttribute("src") == photo.image.url
    assert not image.hasAttribute("srcset")


# --- Admin ---------------------------------------------------------------------------------


def test_admin_upload_builds_renditions_in_a_task_once_the_save_commits(
    admin_client, django_capture_on_commit_callbacks
):
    data = image_bytes("JPEG", size=(700, 400), exif=exif_with_gps())
    with django_capture_on_commit_callbacks() as after_commit:
        response = admin_client.post(
            "/admin/articles/photo/add/",
            {"image": upload(data, "from-camera.jpg"), "alt_text": "A market", "caption": "Stalls"},
        )
    assert response.status_code == 302, response.content
    photo = Photo.objects.get()
    with photo.image.open() as stored:
        assert not Image.open(stored).getexif()
    assert photo.renditions == {}  # nothing encoded inside the request's transaction

    for callback in after_commit:  # the immediate backend runs the task at once
        callback()
    photo.refresh_from_db()
    assert sorted({item["width"] for item in photo.renditions["items"]}) == [320, 640, 700]


def test_admin_photo_list_and_form_show_a_small_thumbnail(admin_client, photo_with_renditions):
    smallest = photo_with_renditions.thumbnail_url
    assert "-320.jpg" in smallest
    for url in (
        "/admin/articles/photo/",
        f"/admin/articles/photo/{photo_with_renditions.pk}/change/",
    ):
        page = parse(admin_client.get(url))
        sources = [img.getAttribute("src") for img in page.getElementsByTagName("img")]
        assert smallest in sources, url


# --- Renditions in a task ------------------------------------------------------------------

DEFERRED_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queued(settings):
    """Tasks are kept, not run, as when the worker has not reached them yet."""
    settings.TASKS = DEFERRED_TASKS
    default_task_backend.clear()

    def photo_ids() -> list[int]:
        build = tasks.build_photo_renditions.func
        return [r.args[0] for r in default_task_backend.results if r.task.func is build]

    return photo_ids


def test_photo_task_is_queued_once_per_new_image_and_does_nothing_when_run_again(
    admin_client, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/articles/photo/add/",
            {"image": upload(jpeg_bytes(700, 400)), "alt_text": "A market"},
        )
    photo = Photo.objects.get()
    assert queued() == [photo.pk]
    assert tasks.build_photo_renditions.call(photo.pk) is True
    names = [item["name"] for item in Photo.objects.get().renditions["items"]]
    assert tasks.build_photo_renditions.call(photo.pk) is False
    assert [item["name"] for item in Photo.objects.get().renditions["items"]] == names

    change = f"/admin/articles/photo/{photo.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(change, {"alt_text": "A market at noon"})
    assert queued() == [photo.pk]  # a new caption needs no new renditions
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(change, {"image": upload(jpeg_bytes(500, 300)), "alt_text": "B"})
    assert queued() == [photo.pk, photo.pk]
    assert tasks.build_photo_renditions.call(photo.pk) is True
    assert {item["width"] for item in Photo.objects.get().renditions["items"]} == {320, 500}
    assert tasks.build_photo_renditions.call(photo.pk + 1000) is False  # deleted meanwhile


def test_publishing_queues_renditions_for_the_articles_photos_that_lack_them(
    client, make_staff, make_article, make_author, make_photo, queued,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    lead, in_body, ready = make_photo(), make_photo(), make_photo(renditions=True)
    draft = make_article(status=Article.Status.DRAFT, lead_photo=lead)
    BodyPhoto.objects.create(article=draft, ordering=1, photo=in_body)
    BodyPhoto.objects.create(article=draft, ordering=2, photo=ready)
    Byline.objects.create(article=draft, author=make_author())
    assert tasks.queue_article_renditions(draft) == 0  # drafts wait: readers cannot see them

    client.force_login(make_staff("Editor"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/articles/article/",
            {"action": "publish_now", "index": "0", "_selected_action": [draft.pk]},
        )
    assert response.status_code == 302
    assert Article.objects.get(pk=draft.pk).status == Article.Status.PUBLISHED
    assert sorted(queued()) == sorted([lead.pk, in_body.pk])

    default_task_backend.clear()
    change = f"/admin/articles/article/{draft.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, form_data(client.get(change)))
    assert response.status_code == 302
    assert sorted(queued()) == sorted([lead.pk, in_body.pk])  # still missing: asked again

    for photo_id in queued():
        tasks.build_photo_renditions.call(photo_id)
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change, form_data(client.get(change)))
    assert queued() == []


def test_no_page_view_encodes_an_image_and_the_task_brings_the_srcset(
    client, make_article, make_photo, make_region, make_author, queued, monkeypatch, settings
):
    photo = make_photo(size=(800, 600), alt_text="A quay")
    region, author = make_region("Iraq"), make_author("Amira Khalil")
    article = make_article(
        "Harbour reopens", lead_photo=photo, regions=[region], primary_region=region,
        authors=[author], body="<p>One.</p>[photo 1]<p>Two.</p>",
    )  # fmt: skip
    BodyPhoto.objects.create(article=article, ordering=1, photo=make_photo(size=(900, 500)))
    pages = [
        article.get_absolute_url(), "/", article.section.get_absolute_url(),
        region.get_absolute_url(), author.get_absolute_url(), "/search/?q=harbour",
        "/rss/", "/atom/", f"/region/{region.slug}/rss/", f"/author/{author.slug}/atom/",
        "/sitemap.xml", "/sitemap-news.xml", "/corrections/",
    ]  # fmt: skip

    def encoder_used(*args, **kwargs):
        raise AssertionError("an image was decoded or encoded during a page view")

    with monkeypatch.context() as patched:
        patched.setattr(Image.Image, "save", encoder_used)
        patched.setattr(Image, "open", encoder_used)
        patched.setattr(images, "build_renditions", encoder_used)
        responses = {url: client.get(url) for url in pages}
        again = client.get(article.get_absolute_url())
    assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(pages, 200)
    lead = parse(responses[article.get_absolute_url()]).getElementsByTagName("img")[0]
    assert lead.getAttribute("src") == photo.image.url and not lead.hasAttribute("srcset")
    assert again["X-Page-Cache"].startswith("hit")
    assert Photo.objects.exclude(renditions={}).count() == 0
    assert rendition_files(settings) == set() and queued() == []

    # The worker gets to the task: renditions made, cached pages renewed.
    version = fragments.version()
    assert tasks.build_photo_renditions.call(photo.pk) is True
    assert fragments.version() != version
    fresh = client.get(article.get_absolute_url())
    assert fresh["X-Page-Cache"] == "miss"
    lead = parse(fresh).getElementsByTagName("img")[0]
    assert srcset_widths(lead.getAttribute("srcset")) == [320, 640, 800]
    version = fragments.version()
    assert tasks.build_photo_renditions.call(photo.pk) is False
    assert fragments.version() == version
