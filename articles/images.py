"""Checking and re-encoding uploaded photos, and the renditions pages serve.

Every upload is decoded and written out afresh: orientation applied, all metadata
(EXIF, GPS, XMP, comments, ICC) left behind, so a photo can never leak where a source
stood. Oversized images are scaled down; images with more pixels than we are willing to
decode (decompression bombs) are refused with a form error before they are decoded.

Renditions are smaller copies in WebP with a JPEG fallback, made once per image file
(``build_renditions``, run by the task in ``tasks.py``, never in a page view) and recorded
on the photo, so pages list them without touching storage. Until they exist, pages show
the re-encoded original.

A deleted photo's files, and the files of an image an editor replaced, are removed from
storage once the change commits (``remove_unused_files``), unless another photo uses them;
so do an author's replaced or deleted portrait.
"""

import io
import logging
import struct
import warnings
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import router, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from . import storage

logger = logging.getLogger(__name__)

# Formats we accept, and what we store them as.
OUTPUT_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG", "MPO": "JPEG"}
EXTENSION = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
# Only these of Pillow's many decoders ever see an upload's bytes (MPO is read by the
# JPEG one): anything else is refused before it is parsed at all.
DECODERS = ("JPEG", "PNG", "WEBP", "GIF")
# What a damaged or hostile file can make Pillow raise while it is opened, decoded or
# transposed. Each is the upload's fault, so each is a form error, never a server error.
UNREADABLE = (
    UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error,
    IndexError, KeyError, TypeError, ZeroDivisionError, MemoryError,
)  # fmt: skip

# Widths offered to browsers in srcset; a photo never gets one wider than itself.
RENDITION_WIDTHS = (320, 640, 960, 1280, 1600)
# Our name for each rendition format: (Pillow format, MIME type, file extension).
RENDITION_FORMATS = {
    "webp": ("WEBP", "image/webp", "webp"),
    "jpeg": ("JPEG", "image/jpeg", "jpg"),
}
MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    size = f"{width}×{height} pixels" if width and height else "too many pixels"
    return ValidationError(
        f"This image has {size}, more than we can process; please upload a smaller version.",
        code="too_many_pixels",
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        "This file is not a photo we can read. Upload a JPEG, PNG, WebP or GIF image.",
        code="invalid_image",
    )


def normalise_upload(upload) -> ContentFile:
    """Return a clean re-encoded copy of an uploaded image, or raise ValidationError.

    The copy holds pixels only: whatever else the file carried (metadata, comments,
    anything appended after the image) is left behind, and its name ends in the
    extension of the format it is really in.
    """
    if upload.size > settings.PHOTO_MAX_UPLOAD_BYTES:
        size, limit = filesizeformat(upload.size), filesizeformat(settings.PHOTO_MAX_UPLOAD_BYTES)
        raise ValidationError(
            f"This file is too large ({size}); photos may be at most {limit}.", code="too_large"
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; a bomb is a bomb either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=DECODERS) as probe:
                if probe.format not in OUTPUT_FORMAT:
                    raise _not_an_image()
                # Read from the header: nothing has been decoded yet.
                width, height = probe.size
                if width * height > settings.PHOTO_MAX_PIXELS:
                    raise _too_many_pixels(width, height)
                probe.verify()
            upload.seek(0)
            with Image.open(upload, formats=DECODERS) as opened:
                source_format = opened.format
                image = ImageOps.exif_transpose(opened)
                output = OUTPUT_FORMAT[source_format]
                if output == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                    image = image.convert("RGBA")
                edge = settings.PHOTO_MAX_DIMENSION
                if max(image.size) > edge:
                    image.thumbnail((edge, edge), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                _save_clean(image, buffer, output, quality=88)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except UNREADABLE as error:
        raise _not_an_image() from error
    stem = slugify(Path(getattr(upload, "name", "") or "").stem)[:80] or "photo"
    return ContentFile(buffer.getvalue(), name=f"{stem}{EXTENSION[output]}")


def _save_clean(image: Image.Image, target, image_format: str, quality: int) -> None:
    """Encode pixels only: Pillow would otherwise carry some metadata over from ``info``."""
    image.info = {}
    # No exif/icc_profile/xmp arguments: nothing from the original file is written.
    image.save(target, format=image_format, quality=quality, optimize=image_format != "WEBP")


def rendition_widths(source_width: int) -> list[int]:
    """The srcset widths for a source: the standard ones it can fill, and its own if smaller."""
    widths = [width for width in RENDITION_WIDTHS if width <= source_width]
    if source_width < RENDITION_WIDTHS[-1] and source_width not in widths:
        widths.append(source_width)
    return widths


def renditions_current(photo) -> bool:
    """Whether the photo's recorded renditions were made from its present image file."""
    return bool(photo.image) and photo.renditions.get("source") == photo.image.name


class StorageFailed(Exception):
    """The media storage did not take a rendition; its message says why."""


def build_renditions(photo, *, force: bool = False) -> bool:
    """Make the photo's renditions unless they already exist for its current image.

    Returns True when renditions were written. A missing or unreadable source file is
    logged and leaves the photo without renditions (pages then use the original), so
    this never breaks a save or a page. A storage that does not take the files raises
    ``StorageFailed``, having removed those it took, so the caller can try again later.
    Safe to run twice at once: the second to finish finds the first's renditions recorded
    and removes its own files. Files left over (the old renditions, or this run's unused
    ones) go through ``remove_unused_files`` once the change commits, so a file some row
    still uses is never deleted.
    """
    if not photo.pk or not photo.image:
        return False
    if not force and renditions_current(photo):
        return False
    using = router.db_for_write(type(photo), instance=photo)
    try:
        source, source_bytes = _decode_source(photo)
    except (*UNREADABLE, Image.DecompressionBombError) as error:
        logger.warning("No renditions for photo %s (%s): %s", photo.pk, photo.image.name, error)
        return False
    items = _store_renditions(photo, source, using)
    if items is None:
        return False
    renditions = {"source": photo.image.name, "bytes": source_bytes, "items": items}
    if not _record_renditions(photo, renditions, source.size, force=force, using=using):
        return False
    photo.renditions = renditions
    photo.width, photo.height = source.size
    return True


def _store_renditions(photo, source: Image.Image, using: str) -> list[dict] | None:
    """Every rendition's record once all are stored; None if one could not be encoded.
    A storage failure raises ``StorageFailed``. Either way the files this run stored are
    removed again."""
    items: list[dict] = []
    unused = {"source": photo.image.name, "items": items}
    try:
        # One by one: a failure part-way still knows which files it left behind.
        for item in _write_renditions(photo, source):
            items.append(item)
    except storage.STORAGE_ERRORS as error:
        # Removed now: nothing records them, and a task retrying later makes new ones.
        remove_unused_files(type(photo), photo.pk, "", unused, using=using)
        raise StorageFailed(storage.problem(error)) from error
    except (*UNREADABLE, Image.DecompressionBombError) as error:
        logger.warning("No renditions for photo %s (%s): %s", photo.pk, photo.image.name, error)
        _remove_on_commit(type(photo), photo.pk, "", unused, using)
        return None
    return items


def _decode_source(photo) -> tuple[Image.Image, int]:
    """The photo's image file decoded to RGB pixels, and the file's size in bytes."""
    with photo.image.open("rb") as source_file:
        source_bytes = photo.image.size
        with Image.open(source_file, formats=DECODERS) as opened:
            return opened.convert("RGB"), source_bytes


def _write_renditions(photo, source: Image.Image) -> Iterator[dict]:
    """Encode and store every rendition of ``source``, yielding each one's record once its
    file is stored."""
    stem = Path(photo.image.name).stem[:60]
    for width in rendition_widths(source.width):
        height = max(1, round(source.height * width / source.width))
        resized = (
            source
            if width == source.width
            else source.resize((width, height), Image.Resampling.LANCZOS)
        )
        for kind, (pillow_format, mime, extension) in RENDITION_FORMATS.items():
            buffer = io.BytesIO()
            _save_clean(resized.copy(), buffer, pillow_format, quality=80)
            name = storage.save(
                default_storage,
                f"renditions/{photo.pk}/{stem}-{width}.{extension}",
                ContentFile(buffer.getvalue()),
            )
            yield {
                "format": kind,
                "type": mime,
                "width": width,
                "height": height,
                "name": name,
                "bytes": buffer.tell(),
            }


def _record_renditions(
    photo, renditions: dict, size: tuple[int, int], *, force: bool, using: str
) -> bool:
    """Record ``renditions`` on the photo's row, unless the row changed while they were
    encoded; returns whether they were recorded.

    Whichever files lose (the row's previous renditions, or these) are removed once this
    commits, except those a row still uses.
    """
    model = type(photo)
    photos = model.objects.using(using)
    with transaction.atomic(using=using):
        # Locked, and read again: the image may have been replaced, or its renditions
        # made by another worker, while these were being encoded.
        current = photos.select_for_update().filter(pk=photo.pk).values("image", "renditions")
        row = current.first()
        if (
            row is None
            or row["image"] != photo.image.name
            or (not force and row["renditions"].get("source") == photo.image.name)
        ):
            _remove_on_commit(model, photo.pk, "", renditions, using)
            return False
        # Dimensions too: files stored without going through a form may lack them.
        width, height = size
        photos.filter(pk=photo.pk).update(renditions=renditions, width=width, height=height)
        # Only once this commits, and never a file a row still uses: another photo may
        # serve the same renditions, and a storage that reuses names may have written
        # the new ones over the old.
        _remove_on_commit(model, photo.pk, "", row["renditions"], using)
    return True


# --- Files nothing uses any more ----------------------------------------------------------
# Ours rather than django-cleanup's: that library deletes a FileField's old file on save
# or delete, but knows nothing of the renditions a photo lists in JSON, and deletes a
# file without asking whether another row still uses it (a copied photo shares its files,
# a storage that reuses names may have written the new file over the old one).

# The uploaded file of each model that has one; a Photo also has renditions made from it.
FILE_FIELDS = {"photo": "image", "author": "photo"}


def _file_field(model) -> str:
    return FILE_FIELDS[model._meta.model_name]


def _columns(model) -> list[str]:
    """The file field, and the renditions made from it where the model keeps them."""
    fields = {field.name for field in model._meta.concrete_fields}
    return [_file_field(model), *(["renditions"] if "renditions" in fields else [])]


def _renditions(row) -> dict:
    return (
        row.get("renditions") if isinstance(row, dict) else getattr(row, "renditions", None)
    ) or {}


def remove_deleted_files(sender, instance, using, **kwargs) -> None:
    """pre_delete: once the delete commits, the row's file (and renditions) leave storage.

    Before the delete, not after, so a field left out of the query (``only()``) can still
    be read from the row."""
    name = getattr(instance, _file_field(sender)).name
    _remove_on_commit(sender, instance.pk, name, _renditions(instance), using)


def remove_replaced_files(sender, instance, raw, using, update_fields, **kwargs) -> None:
    """pre_save: a save that gives a photo or portrait another file (or none) removes the
    old file, and the renditions made from it, once it commits. New renditions are queued
    by the caller."""
    field = _file_field(sender)
    if raw or instance.pk is None or (update_fields is not None and field not in update_fields):
        return
    old = sender._base_manager.using(using).filter(pk=instance.pk).values(*_columns(sender))
    old = old.first()
    if old is None or not old[field]:
        return
    # A new upload is stored by the field after this signal, under a name of its own.
    current = getattr(instance, field)
    if old[field] == current.name and getattr(current, "_committed", True):
        return
    _remove_on_commit(sender, instance.pk, old[field], _renditions(old), using)


def _remove_on_commit(model, pk, file_name: str, renditions: dict, using: str) -> None:
    if file_name or renditions.get("items"):
        # Never before the commit: a rolled-back delete or edit still needs its files.
        # Robust: the database change has happened; a storage hiccup must not undo the reply.
        remove = partial(remove_unused_files, model, pk, file_name, renditions, using=using)
        transaction.on_commit(remove, using=using, robust=True)


def remove_unused_files(
    model, pk: int | None, file_name: str, renditions: dict, *, using: str | None = None
) -> list[str]:
    """Delete a row's uploaded file and the rendition files listed in ``renditions`` from
    storage, except those a row still uses; returns the names deleted.

    A row uses its file, and its renditions while they are current (made from that file):
    two rows may share one file, and the row ``pk`` may by now have new renditions that
    happen to reuse a name. A file already missing is not an error.
    """
    field = _file_field(model)
    names = [file_name, *(item["name"] for item in renditions.get("items", ()))]
    names = list(dict.fromkeys(name for name in names if name))
    sources = {name for name in (file_name, renditions.get("source")) if name}
    rows = model._base_manager.using(using).filter(Q(**{f"{field}__in": sources}) | Q(pk=pk))
    in_use = set()
    for row in rows.values(*_columns(model)):
        in_use.add(row[field])
        current = _renditions(row)
        if current.get("source") == row[field]:
            in_use.update(item["name"] for item in current.get("items", ()))
    storage = model._meta.get_field(field).storage
    deleted = []
    for name in names:
        if name in in_use:
            continue
        try:
            storage.delete(name)
        except Exception:  # S3 and friends raise their own errors: one file left over, logged
            logger.warning("Could not delete %s from storage", name, exc_info=True)
        else:
            deleted.append(name)
    return deleted


def media_type(name: str) -> str:
    return MIME_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
