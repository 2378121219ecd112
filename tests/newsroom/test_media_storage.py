"""Media on S3-style object storage (MEDIA_BUCKET): settings, uploads, pages, deletes, backups.

The bucket is a real S3 API, moto's server on 127.0.0.1 (``s3_server`` in
tests/conftest.py); the storage is configured by running the settings module under the
environment an operator would set, so these tests go through the same code as production.
"""

import io
import os
import urllib.request
from types import SimpleNamespace
from urllib.parse import urlsplit
from uuid import uuid4

import boto3
import html5lib
import pytest
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from PIL import Image
from storages.backends.s3 import S3Storage

from articles.models import Photo
from tests.helpers.environment import (
    EXAMPLE,
    check_deploy,
    example_environment,
    settings_under,
)
from tests.helpers.images import exif_with_gps, jpeg_bytes

pytestmark = pytest.mark.django_db

# A stuck server fails a test within seconds instead of hanging the run (the storage
# itself has the settings' timeouts).
BOUNDED = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1})
CDN = "https://media.news.example.org/"


@pytest.fixture
def s3_media(s3_server, settings):
    """A new empty bucket; ``use(**environment)`` makes it the media storage, configured
    from MEDIA_* variables by newsroom/settings.py."""
    bucket = f"media-{uuid4().hex[:16]}"
    credentials = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1", config=BOUNDED, **credentials
    )
    client.create_bucket(Bucket=bucket)

    def use(**environment) -> dict:
        storage = settings_under(
            {
                "MEDIA_BUCKET": bucket,
                "MEDIA_ENDPOINT_URL": s3_server,
                "MEDIA_REGION": "us-east-1",
                "MEDIA_ACCESS_KEY_ID": credentials["aws_access_key_id"],
                "MEDIA_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
                **environment,
            }
        )["STORAGES"]["default"]
        assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
        settings.STORAGES = {**settings.STORAGES, "default": storage}
        return storage

    def keys() -> set[str]:
        listing = client.list_objects_v2(Bucket=bucket)
        return {item["Key"] for item in listing.get("Contents", ())}

    return SimpleNamespace(bucket=bucket, client=client, endpoint=s3_server, use=use, keys=keys)


def files_of(photo: Photo) -> set[str]:
    photo.refresh_from_db()
    return {photo.image.name, *(item["name"] for item in photo.renditions.get("items", ()))}


def linked_images(page: bytes) -> list[str]:
    """Every image URL a page gives browsers: img src and srcset, picture source srcset."""
    document = html5lib.parse(page, namespaceHTMLElements=False)
    urls = []
    for element in document.iter():
        if element.tag in ("img", "source"):
            urls += [element.get("src")] if element.get("src") else []
            urls += [part.split()[0] for part in element.get("srcset", "").split(",") if part]
    return urls


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# --- Settings ---------------------------------------------------------------------------


def test_media_stay_in_the_local_folder_unless_a_bucket_is_named():
    values = settings_under({})
    assert values["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert values["MEDIA_URL"] == "/media/"
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == ["'self'"]


def test_media_variables_build_the_s3_backend_with_their_options():
    values = settings_under(
        {
            "MEDIA_BUCKET": "newsroom-media",
            "MEDIA_ENDPOINT_URL": "https://objects.example.org",
            "MEDIA_REGION": "auto",
            "MEDIA_ACCESS_KEY_ID": "key-id",
            "MEDIA_SECRET_ACCESS_KEY": "key-secret",
            "MEDIA_URL": "https://cdn.example.org/media/",
            "MEDIA_PUBLIC_READ": "true",
        }
    )
    client_config = values["STORAGES"]["default"]["OPTIONS"].pop("client_config")
    assert client_config.signature_version == "s3v4"
    assert (client_config.connect_timeout, client_config.read_timeout) == (5, 30)
    assert values["STORAGES"]["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "newsroom-media",
            "endpoint_url": "https://objects.example.org",
            "region_name": "auto",
            "access_key": "key-id",
            "secret_key": "key-secret",
            "custom_domain": "cdn.example.org/media",
            "url_protocol": "https:",
            "querystring_auth": False,
            "querystring_expire": 86400,
            "default_acl": "public-read",
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == [
        "'self'",
        "https://cdn.example.org",
    ]


def test_signed_links_to_a_private_bucket_and_credentials_from_the_environment():
    options = settings_under(
        {"MEDIA_BUCKET": "private-media", "MEDIA_SIGNED_URLS": "1"},
    )["STORAGES"]["default"]["OPTIONS"]
    assert options["querystring_auth"] is True and options["querystring_expire"] == 86400
    assert options["default_acl"] is None
    assert options["object_parameters"] == {"CacheControl": "private, max-age=86400"}
    # AWS's own endpoint, boto3's region and credential chain, links to the bucket.
    left_to_boto3 = {"custom_domain", "endpoint_url", "region_name", "access_key", "secret_key"}
    assert not left_to_boto3 & set(options)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"MEDIA_URL": "/media/"}, "full public address of the media"),
        ({"MEDIA_SIGNED_URLS": "1", "MEDIA_URL": CDN}, "set one of them, not both"),
        ({"MEDIA_SIGNED_URLS": "1", "MEDIA_SIGNED_URL_SECONDS": "600"}, "more than a cached"),
        ({"MEDIA_SIGNED_URLS": "1", "MEDIA_SIGNED_URL_SECONDS": "999999"}, "at most 7 days"),
    ],
)
def test_media_settings_that_cannot_work_are_refused_at_start(environment, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        settings_under({"MEDIA_BUCKET": "newsroom-media", **environment})


@pytest.mark.parametrize(
    "environment",
    [
        {"MEDIA_URL": CDN},
        {"MEDIA_ENDPOINT_URL": "https://objects.example.org:8443", "MEDIA_REGION": "auto"},
        {"MEDIA_REGION": "eu-west-1"},
        {"MEDIA_REGION": "eu-west-1", "MEDIA_SIGNED_URLS": "1"},
        {"MEDIA_BUCKET": "media.news.example.org", "MEDIA_REGION": "eu-west-1"},
        {"MEDIA_BUCKET": "media.news.example.org", "MEDIA_REGION": "us-east-1"},
        {"MEDIA_BUCKET": "media.news.example.org"},
        {"MEDIA_REGION": "us-east-1"},
    ],
)
def test_media_url_and_content_security_policy_match_where_the_storage_links(environment):
    """The links are made by boto3 itself (no request is sent), not by our guess."""
    environment = {
        "MEDIA_BUCKET": "newsroom-media",
        "MEDIA_ACCESS_KEY_ID": "key-id",
        "MEDIA_SECRET_ACCESS_KEY": "key-secret",
        **environment,
    }
    values = settings_under(environment)
    url = S3Storage(**values["STORAGES"]["default"]["OPTIONS"]).url("photos/2026/01/a.jpg")
    address = urlsplit(url)
    assert url.startswith(values["MEDIA_URL"]) and address.path.endswith("/photos/2026/01/a.jpg")
    origin = f"{address.scheme}://{address.netloc}"
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == ["'self'", origin]


def example_media_environment() -> dict[str, str]:
    """The commented MEDIA_* lines of .env.production.example, as if uncommented."""
    values = {}
    for line in EXAMPLE.read_text().splitlines():
        name, equals, value = line.removeprefix("# ").partition("=")
        if line.startswith("# MEDIA_") and equals and name.isupper():
            values[name] = value
    return values


@pytest.mark.parametrize("through_cdn", [True, False])
def test_production_example_with_its_media_bucket_passes_check_deploy(through_cdn):
    """The sample's commented media lines work as they stand, with or without a CDN."""
    media = example_media_environment()
    assert {"MEDIA_BUCKET", "MEDIA_ENDPOINT_URL", "MEDIA_URL"} <= set(media)
    if not through_cdn:
        del media["MEDIA_URL"]
    environment = {**example_environment(), **media}
    options = settings_under(environment)["STORAGES"]["default"]["OPTIONS"]
    assert options.get("custom_domain") == ("media.news.example.org" if through_cdn else None)
    result = check_deploy({"PATH": os.environ["PATH"], **environment})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# --- Photos in the bucket ---------------------------------------------------------------


def test_editor_upload_stores_a_clean_original_and_renditions_and_pages_link_to_the_cdn(
    client, make_staff, make_article, s3_media, django_capture_on_commit_callbacks
):
    s3_media.use(MEDIA_URL=CDN)
    client.force_login(make_staff("Editor"))
    data = jpeg_bytes(700, 400, exif=exif_with_gps())
    with django_capture_on_commit_callbacks(execute=True):  # the renditions task runs at once
        response = client.post(
            "/admin/articles/photo/add/",
            {"image": upload("from-camera.jpg", data), "alt_text": "A market", "caption": "Stalls"},
        )
    assert response.status_code == 302, response.content
    photo = Photo.objects.get()
    assert sorted({item["width"] for item in photo.renditions["items"]}) == [320, 640, 700]
    names = files_of(photo)
    assert s3_media.keys() == names and len(names) == 1 + 3 * 2

    original = s3_media.client.get_object(Bucket=s3_media.bucket, Key=photo.image.name)
    assert original["ContentType"] == "image/jpeg"
    assert original["CacheControl"] == "public, max-age=86400"
    with Image.open(io.BytesIO(original["Body"].read())) as stored:
        assert stored.size == (700, 400) and not stored.getexif()  # re-encoded: no GPS
    webp = next(item for item in photo.renditions["items"] if item["format"] == "webp")
    head = s3_media.client.head_object(Bucket=s3_media.bucket, Key=webp["name"])
    assert (head["ContentType"], head["CacheControl"]) == ("image/webp", "public, max-age=86400")

    article = make_article(lead_photo=photo)
    page = Client().get(article.get_absolute_url())
    assert page.status_code == 200
    linked = linked_images(page.content)
    assert linked and all(url.startswith(CDN) for url in linked), linked
    renditions = names - {photo.image.name}
    assert {url.removeprefix(CDN) for url in linked} == renditions


def test_signed_links_on_the_page_fetch_the_images_from_a_private_bucket(
    make_photo, make_article, s3_media
):
    s3_media.use(MEDIA_SIGNED_URLS="true")
    photo = make_photo(renditions=True, size=(700, 400))
    page = Client().get(make_article(lead_photo=photo).get_absolute_url())
    linked = linked_images(page.content)
    assert linked
    for url in set(linked):
        assert url.startswith(f"{s3_media.endpoint}/{s3_media.bucket}/photos/") or url.startswith(
            f"{s3_media.endpoint}/{s3_media.bucket}/renditions/"
        )
        assert "X-Amz-Signature=" in url
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "private, max-age=86400"
            with Image.open(io.BytesIO(response.read())) as image:
                assert image.width in (320, 640, 700)


def test_an_upload_never_replaces_an_object_with_the_same_name(make_photo, s3_media):
    s3_media.use()
    first = make_photo()
    second = Photo(alt_text="Another")
    second.image.save(
        first.image.name.rsplit("/", 1)[-1], ContentFile(jpeg_bytes(90, 60)), save=False
    )
    second.save()
    assert second.image.name != first.image.name
    assert s3_media.keys() == {first.image.name, second.image.name}
    with Image.open(storages["default"].open(first.image.name)) as image:
        assert image.size == (64, 48)  # the first photo's own pixels


def test_deleting_a_photo_in_the_admin_removes_its_objects(
    client, make_staff, make_photo, s3_media, django_capture_on_commit_callbacks
):
    s3_media.use(MEDIA_URL=CDN)
    photo = make_photo(renditions=True, size=(700, 400))
    kept = make_photo(renditions=True)
    assert s3_media.keys() == files_of(photo) | files_of(kept)
    client.force_login(make_staff("Editor"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/articles/photo/{photo.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert s3_media.keys() == files_of(kept)


def test_replacing_a_photos_image_swaps_its_objects(
    make_photo, s3_media, django_capture_on_commit_callbacks
):
    s3_media.use()
    photo = make_photo(renditions=True, size=(700, 400))
    old = files_of(photo)
    with django_capture_on_commit_callbacks(execute=True):
        photo.image.save("new.jpg", ContentFile(jpeg_bytes(400, 300)))
    # The old renditions stay recorded until new ones are built, but their files are gone.
    assert photo.image.name not in old and s3_media.keys() == {photo.image.name}


# --- Backups ----------------------------------------------------------------------------


def test_backup_and_restore_of_media_refuse_a_bucket_with_a_clear_message(s3_media, tmp_path):
    s3_media.use()
    refused = f"Media are kept in S3Storage \\(bucket {s3_media.bucket}\\), not in a local folder"
    with pytest.raises(CommandError, match=f"{refused}; back them up with that storage's"):
        call_command("backup", tmp_path / "site.backup", "--media", stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []  # refused before the database was copied

    call_command("backup", tmp_path / "site.backup", stdout=io.StringIO())  # without media
    with pytest.raises(CommandError, match=f"{refused}; restore them with that storage's"):
        call_command("restore", tmp_path / "site.backup", "--media", "--noinput")
