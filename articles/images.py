"""Checking and re-encoding uploaded photos, and the renditions pages serve.

Every upload is decoded and written out afresh: orientation applied, all metadata
(EXIF, GPS, XMP, comments, ICC) left behind, so a photo can never leak where a source
stood. Oversized images are scaled down; images with more pixels than we are willing to
decode (decompression bombs) are refused with a form error before they are decoded.

Renditions are smaller copies in WebP with a JPEG fallback, made once per image file
(``build_renditions``) and recorded on the photo, so pages list them without touching
storage.
"""

import io
import logging
import warnings
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Formats we accept, and what we store them as.
OUTPUT_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG", "MPO": "JPEG"}
EXTENSION = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}

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


def _too_many_pixels(width: int, height: int) -> ValidationError:
    return ValidationError(
        f"This image is {width}×{height} pixels, too large to process; "
        "please upload a smaller version.",
        code="too_many_pixels",
    )


def normalise_upload(upload) -> ContentFile:
    """Return a clean re-encoded copy of an uploaded image, or raise ValidationError."""
    if upload.size > settings.PHOTO_MAX_UPLOAD_BYTES:
        limit = settings.PHOTO_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError(f"This file is too large; photos may be at most {limit} MB.")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; a bomb is a bomb either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                if probe.format not in OUTPUT_FORMAT:
                    raise ValidationError(
                        "Upload a JPEG, PNG, WebP or GIF photo.", code="invalid_image_format"
                    )
                width, height = probe.size
                if width * height > settings.PHOTO_MAX_PIXELS:
                    raise _too_many_pixels(width, height)
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as opened:
                source_format = opened.format
                image = ImageOps.exif_transpose(opened)
                output = OUTPUT_FORMAT[source_format]
                if output == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                    image = image.convert("RGBA")
                edge = settings.PHOTO_MAX_DIMENSION
                if max(image.size) > edge:
                    image = image.copy() if image is opened else image
                    image.thumbnail((edge, edge), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                _save_clean(image, buffer, output, quality=88)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            "This image has too many pixels to process; please upload a smaller version.",
            code="too_many_pixels",
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError("This file is not an image we can read.") from error
    name = Path(getattr(upload, "name", "photo") or "photo").stem[:80] or "photo"
    return ContentFile(buffer.getvalue(), name=f"{name}{EXTENSION[output]}")


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


def build_renditions(photo, *, force: bool = False) -> bool:
    """Make the photo's renditions unless they already exist for its current image.

    Returns True when renditions were written. A missing or unreadable source file is
    logged and leaves the photo without renditions (pages then use the original), so
    this never breaks a save or a page.
    """
    if not photo.pk or not photo.image:
        return False
    if not force and photo.renditions.get("source") == photo.image.name:
        return False
    storage = default_storage
    stem = Path(photo.image.name).stem[:60]
    items = []
    try:
        with photo.image.open("rb") as source_file:
            source_bytes = photo.image.size
            with Image.open(source_file) as opened:
                source = opened.convert("RGB")
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
                    f"renditions/{photo.pk}/{stem}-{width}.{extension}",
                    ContentFile(buffer.getvalue()),
                )
                items.append(
                    {
                        "format": kind,
                        "type": mime,
                        "width": width,
                        "height": height,
                        "name": name,
                        "bytes": buffer.tell(),
                    }
                )
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        logger.warning("No renditions for photo %s (%s): %s", photo.pk, photo.image.name, error)
        for item in items:
            storage.delete(item["name"])
        return False
    for old in photo.renditions.get("items", []):
        storage.delete(old["name"])
    photo.renditions = {"source": photo.image.name, "bytes": source_bytes, "items": items}
    # Dimensions too: files stored without going through a form may lack them.
    photo.width, photo.height = source.size
    type(photo).objects.filter(pk=photo.pk).update(
        renditions=photo.renditions, width=photo.width, height=photo.height
    )
    return True


def media_type(name: str) -> str:
    return MIME_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
