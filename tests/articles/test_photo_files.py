"""A photo's files leave storage with it, when it is deleted or its image replaced, and its
old renditions when new ones are built; so does an author's portrait."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from articles import images
from articles.models import Photo
from tests.helpers.images import jpeg_bytes

pytestmark = pytest.mark.django_db

IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


def files_of(photo: Photo) -> list[str]:
    photo.refresh_from_db()
    return [photo.image.name, *(item["name"] for item in photo.renditions.get("items", ()))]


def stored(names) -> list[str]:
    return [name for name in names if default_storage.exists(name)]


def test_photo_with_renditions_has_files_to_remove(make_photo):
    names = files_of(make_photo(renditions=True, size=(700, 400)))
    assert len(names) == 1 + 6 and stored(names) == names  # what the tests below delete


@pytest.mark.parametrize("storage", ["filesystem", "in memory"])
def test_deleted_photo_loses_its_file_and_renditions_once_the_delete_commits(
    make_photo, settings, storage, django_capture_on_commit_callbacks
):
    if storage == "in memory":  # as S3-style storage: only the storage API reaches the files
        settings.STORAGES = {**settings.STORAGES, "default": IN_MEMORY}
    photo = make_photo(renditions=True)
    names = files_of(photo)
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        photo.delete()
        assert stored(names) == names  # nothing goes before the commit
    assert len(after_commit) >= 1
    assert stored(names) == []


def test_photos_deleted_together_in_the_admin_lose_their_files(
    admin_client, make_photo, django_capture_on_commit_callbacks
):
    photos = [make_photo(renditions=True), make_photo(renditions=True), make_photo()]
    names = [name for photo in photos for name in files_of(photo)]
    kept = make_photo(renditions=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/articles/photo/",
            {
                "action": "delete_selected",
                "_selected_action": [photo.pk for photo in photos],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert not Photo.objects.filter(pk__in=[photo.pk for photo in photos]).exists()
    assert stored(names) == []
    assert stored(files_of(kept)) == files_of(kept)


def test_photo_deleted_from_its_admin_page_loses_its_files(
    admin_client, make_photo, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True)
    names = files_of(photo)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/articles/photo/{photo.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert stored(names) == []


def test_replaced_image_and_its_renditions_go_and_the_new_ones_are_built(
    admin_client, make_photo, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True)
    old = files_of(photo)
    upload = SimpleUploadedFile("harbour.jpg", jpeg_bytes(700, 400))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/articles/photo/{photo.pk}/change/", {"image": upload, "alt_text": "A quay"}
        )
        assert stored(old) == old  # the old page is still served until the edit commits
    assert response.status_code == 302
    assert stored(old) == []
    new = files_of(photo)
    assert "harbour" in new[0] and images.renditions_current(photo)
    assert len(new) == 1 + 6 and stored(new) == new


def test_editing_a_caption_keeps_every_file(
    admin_client, make_photo, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True)
    names = files_of(photo)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/articles/photo/{photo.pk}/change/",
            {"alt_text": "A quay at noon", "caption": "New caption"},
        )
    assert response.status_code == 302
    assert files_of(photo) == names and stored(names) == names


def test_image_replaced_in_code_loses_its_old_file(make_photo, django_capture_on_commit_callbacks):
    photo = make_photo()
    old = photo.image.name
    with django_capture_on_commit_callbacks(execute=True):
        photo.image.save("newer.jpg", ContentFile(jpeg_bytes()))
    assert not default_storage.exists(old) and default_storage.exists(photo.image.name)


def test_file_another_photo_points_at_is_kept(make_photo, django_capture_on_commit_callbacks):
    photo = make_photo(renditions=True)
    original, *renditions = files_of(photo)
    sharing = Photo.objects.create(image=original, alt_text="The same file, used again")
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert stored([original]) == [original]
    assert stored(renditions) == []  # the other photo never used these: it gets its own
    with django_capture_on_commit_callbacks(execute=True):
        sharing.delete()
    assert stored([original]) == []


def test_renditions_a_copied_photo_serves_are_kept(make_photo, django_capture_on_commit_callbacks):
    photo = make_photo(renditions=True)
    names = files_of(photo)
    copy = Photo.objects.get(pk=photo.pk)
    copy.pk = None
    copy.save()
    assert copy.webp_srcset == photo.webp_srcset != ""
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert stored(names) == names


def test_missing_file_is_no_error_and_the_rest_still_go(
    make_photo, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True)
    original, *renditions = files_of(photo)
    default_storage.delete(original)
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert stored(renditions) == []


def test_storage_failure_is_logged_and_the_other_files_still_go(
    make_photo, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True)
    original, *renditions = files_of(photo)
    real_delete = FileSystemStorage.delete

    def flaky(storage, name):
        if name == original:
            raise ConnectionError("storage unreachable")
        real_delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert stored(renditions) == [] and stored([original]) == [original]
    assert f"Could not delete {original}" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_files_stay_when_the_delete_rolls_back_and_go_when_it_commits(make_photo):
    photo = make_photo(renditions=True)
    pk, names = photo.pk, files_of(photo)
    with pytest.raises(RuntimeError), transaction.atomic():
        photo.delete()
        raise RuntimeError("the rest of the change failed")
    photo = Photo.objects.get(pk=pk)
    assert stored(names) == names

    with transaction.atomic():
        photo.image.save("newer.jpg", ContentFile(jpeg_bytes()))
        transaction.set_rollback(True)
    photo = Photo.objects.get(pk=pk)
    assert photo.image.name == names[0] and stored(names) == names

    photo.delete()  # in autocommit the callbacks run as soon as the delete is done
    assert stored(names) == []


# --- Authors' portraits ----------------------------------------------------------------------


def portrait(make_author, name="Amira Khalil"):
    author = make_author(name)
    author.photo.save("amira.jpg", ContentFile(jpeg_bytes(96, 96)))
    return author


def test_a_replaced_portrait_goes_and_the_new_one_stays(
    admin_client, make_author, django_capture_on_commit_callbacks
):
    author = portrait(make_author)
    old = author.photo.name
    upload = SimpleUploadedFile("amira-new.jpg", jpeg_bytes(120, 120))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/articles/author/{author.pk}/change/",
            {"name": author.name, "slug": author.slug, "bio": "", "photo": upload},
        )
        assert stored([old]) == [old]  # still shown until the edit commits
    assert response.status_code == 302
    author.refresh_from_db()
    assert stored([old]) == []
    assert "amira-new" in author.photo.name and stored([author.photo.name])


def test_a_deleted_authors_portrait_goes_unless_another_author_shows_it(
    make_author, django_capture_on_commit_callbacks
):
    author = portrait(make_author)
    name = author.photo.name
    twin = make_author("Amira K.", photo=name)  # one file, two rows
    with django_capture_on_commit_callbacks(execute=True):
        author.delete()
    assert stored([name]) == [name]
    with django_capture_on_commit_callbacks(execute=True):
        twin.delete()
    assert stored([name]) == []


# --- Rebuilt renditions ----------------------------------------------------------------------


def copy_of(photo: Photo) -> Photo:
    copy = Photo.objects.get(pk=photo.pk)
    copy.pk = None
    copy.save()
    return copy


def test_forced_rebuild_removes_the_old_renditions_once_the_new_ones_are_saved(
    make_photo, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True, size=(700, 400))
    original, *old = files_of(photo)
    with django_capture_on_commit_callbacks(execute=True):
        assert images.build_renditions(photo, force=True)
        assert stored(old) == old  # pages still list these until the new ones commit
    assert stored(old) == []
    new = files_of(photo)
    assert new[0] == original and len(new) == 1 + 6 and stored(new) == new


@pytest.mark.parametrize("change", ["forced rebuild", "new image"])
def test_rebuilding_keeps_the_renditions_a_copied_photo_still_serves(
    make_photo, change, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True, size=(700, 400))
    names = files_of(photo)
    copy = copy_of(photo)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "new image":
            photo.image.save("newer.jpg", ContentFile(jpeg_bytes(700, 400)))
        assert images.build_renditions(photo, force=change == "forced rebuild")
    new = files_of(photo)
    assert set(new[1:]).isdisjoint(names) and stored(new) == new  # the photo was rebuilt
    assert files_of(copy) == names and stored(names) == names


@pytest.mark.parametrize("why", ["files lost in a restore", "storage that overwrites"])
def test_rebuilt_renditions_saved_under_their_old_names_are_kept(
    make_photo, settings, why, django_capture_on_commit_callbacks
):
    photo = make_photo(renditions=True, size=(700, 400))
    names = files_of(photo)
    renditions = names[1:]
    if why == "files lost in a restore":
        for name in renditions:
            default_storage.delete(name)
    else:  # as S3 storage does unless told otherwise: a file saved again keeps its name
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"allow_overwrite": True}},
        }
    with django_capture_on_commit_callbacks(execute=True):
        assert images.build_renditions(photo, force=True)
    assert files_of(photo) == names and stored(names) == names
