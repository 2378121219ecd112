"""Media storage that cannot take a file (read-only, full, unreachable): the editor gets a
form error naming the problem with the rest of the form kept, and nothing is half-written
(no row without its file, no file without its row). Renditions made by a task are
retried later."""

import errno
import logging
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.utils import OperationalError

from articles import tasks
from articles.models import Article, Photo
from tests.conftest import jpeg_bytes
from tests.helpers import failing_storage
from tests.helpers.admin import (
    ADD_URL,
    add_row,
    assert_saved,
    errors,
    field_errors,
    new_article_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage_fails(settings):
    """Media storage that fails with the errno given; writes normally after the test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.helpers.failing_storage.FailingStorage"},
    }

    def fail(code):
        failing_storage.failure["errno"] = code

    yield fail
    failing_storage.failure["errno"] = None


def files_in(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def photo_upload():
    return SimpleUploadedFile("market.jpg", jpeg_bytes(120, 80), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("code", "problem"),
    [(errno.EROFS, "read-only"), (errno.ENOSPC, "full")],
)
def test_photo_upload_to_failing_storage_is_a_form_error_keeping_caption_and_alt_text(
    admin_client, storage_fails, settings, code, problem
):
    storage_fails(code)
    response = admin_client.post(
        "/admin/articles/photo/add/",
        {"image": photo_upload(), "alt_text": "Stalls at dawn", "caption": "The old market"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f"The photo could not be stored: the media storage is {problem}." in html
    assert "Nothing was saved" in html
    assert response.context["adminform"].form["alt_text"].value() == "Stalls at dawn"
    assert "The old market" in html and 'value="Stalls at dawn"' in html
    assert "market.jpg" not in html  # no picture of the file that was not stored
    assert not Photo.objects.exists()
    assert files_in(settings) == []  # not even the part a full disk took


def test_photo_upload_stores_when_the_storage_works_again(admin_client, storage_fails, settings):
    storage_fails(None)
    response = admin_client.post(
        "/admin/articles/photo/add/",
        {"image": photo_upload(), "alt_text": "Stalls at dawn", "caption": "The old market"},
    )
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert files_in(settings) == [photo.image.name]


def test_portrait_upload_to_read_only_storage_is_a_form_error_keeping_the_bio(
    admin_client, storage_fails, make_author, settings
):
    author = make_author("Amira Khalil")
    upload = photo_upload()
    storage_fails(errno.EROFS)
    response = admin_client.post(
        f"/admin/articles/author/{author.pk}/change/",
        {"name": author.name, "slug": author.slug, "bio": "Covers the north.", "photo": upload},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "The portrait could not be stored: the media storage is read-only." in html
    assert "Covers the north." in html
    author.refresh_from_db()
    assert (author.bio, author.photo.name) == ("", "")
    assert files_in(settings) == []


@pytest.mark.parametrize(
    ("code", "problem"),
    [(errno.ENOSPC, "full"), (errno.EROFS, "read-only")],
)
def test_lead_photo_uploaded_on_the_article_form_to_failing_storage_is_a_form_error(
    admin_client, storage_fails, section, settings, code, problem
):
    data = new_article_data(admin_client, section, headline="Floods reach the delta")
    storage_fails(code)
    response = admin_client.post(
        ADD_URL, {**data, "lead_image": photo_upload(), "lead_alt_text": "The flooded road"}
    )

    message = f"The photo could not be stored: the media storage is {problem}."
    assert any(message in error for error in field_errors(response, "lead_image"))
    form = response.context["adminform"].form
    assert form["headline"].value() == "Floods reach the delta"
    assert form["lead_alt_text"].value() == "The flooded road"
    assert not Article.objects.exists()
    assert not Photo.objects.exists()
    assert files_in(settings) == []


def test_body_photo_uploaded_in_place_to_failing_storage_is_a_form_error(
    admin_client, storage_fails, section, settings
):
    data = new_article_data(admin_client, section)
    add_row(data, "body_photos", ordering=5, region="body", new_alt_text="A dam at dawn")
    index = int(data["body_photos-TOTAL_FORMS"]) - 1
    storage_fails(errno.ENOSPC)
    response = admin_client.post(
        ADD_URL, {**data, f"body_photos-{index}-new_image": photo_upload()}
    )

    message = "The photo could not be stored: the media storage is full."
    assert any(message in error for error in errors(response))
    assert not Article.objects.exists()
    assert not Photo.objects.exists()
    assert files_in(settings) == []


def test_lead_photo_stored_for_a_form_refused_further_down_is_removed(
    admin_client, section, settings
):
    """The article's own fields were fine, so its upload was stored; a block below was
    not, so nothing is saved, and neither is the file kept."""
    data = new_article_data(admin_client, section)
    add_row(data, "body_photos", ordering=5, region="body", caption="Nothing chosen")
    response = admin_client.post(
        ADD_URL, {**data, "lead_image": photo_upload(), "lead_alt_text": "The flooded road"}
    )

    assert any("Choose a photo, or upload one" in message for message in errors(response))
    assert not Article.objects.exists() and not Photo.objects.exists()
    assert files_in(settings) == []


def test_lead_photo_uploaded_on_the_article_form_is_kept_with_its_row(
    admin_client, section, settings
):
    data = new_article_data(admin_client, section)
    response = admin_client.post(
        ADD_URL, {**data, "lead_image": photo_upload(), "lead_alt_text": "The flooded road"}
    )

    assert_saved(response)
    photo = Article.objects.get().lead_photo
    assert photo.alt_text == "The flooded road"
    assert files_in(settings) == [photo.image.name]


def test_s3_errors_are_a_form_error_too(admin_client, monkeypatch):
    from botocore.exceptions import EndpointConnectionError
    from django.core.files.storage import FileSystemStorage

    def unreachable(self, name, content):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/media")

    monkeypatch.setattr(FileSystemStorage, "_save", unreachable)
    response = admin_client.post(
        "/admin/articles/photo/add/",
        {"image": photo_upload(), "alt_text": "Stalls at dawn", "caption": "The old market"},
    )

    assert response.status_code == 200
    assert "the media storage is not available" in response.content.decode()
    assert not Photo.objects.exists()


def test_photo_stored_by_a_save_the_database_refused_is_removed(
    admin_client, monkeypatch, settings
):
    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Photo, "save", busy)
    response = admin_client.post(
        "/admin/articles/photo/add/",
        {"image": photo_upload(), "alt_text": "Stalls at dawn", "caption": "The old market"},
    )

    assert response.status_code == 503
    assert not Photo.objects.exists()
    assert files_in(settings) == []


def test_renditions_task_meeting_full_storage_logs_and_retries_later(
    make_photo, storage_fails, settings, caplog
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    photo = make_photo(size=(700, 400))
    original = files_in(settings)
    storage_fails(errno.ENOSPC)

    with caplog.at_level(logging.WARNING, logger="articles.tasks"):
        assert tasks.build_photo_renditions.call(photo.pk) is False

    assert files_in(settings) == original  # no rendition, nor part of one, left behind
    photo.refresh_from_db()
    assert photo.renditions == {}
    [message] = [r.getMessage() for r in caplog.records if r.name == "articles.tasks"]
    assert f"photo {photo.pk}" in message and "full" in message
    [retry] = default_task_backend.results
    assert list(retry.args) == [photo.pk, 2]
    assert retry.task.run_after is not None

    storage_fails(None)
    assert retry.task.call(*retry.args, **retry.kwargs) is True
    photo.refresh_from_db()
    assert photo.renditions["items"]
