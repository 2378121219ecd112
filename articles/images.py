"""Checking and re-encoding uploaded photos.

Every upload is decoded and written out afresh: orientation applied, all metadata
(EXIF, GPS, XMP, comments) left behind, so a photo can never leak where a source stood.
"""

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats we accept, and what we store them as.
OUTPUT_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG", "MPO": "JPEG"}
EXTENSION = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def normalise_upload(upload) -> ContentFile:
    """Return a clean re-encoded copy of an uploaded image, or raise ValidationError."""
    if upload.size > settings.PHOTO_MAX_UPLOAD_BYTES:
        limit = settings.PHOTO_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError(f"This file is too large; photos may be at most {limit} MB.")
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            if probe.format not in OUTPUT_FORMAT:
                raise ValidationError(
                    "Upload a JPEG, PNG, WebP or GIF photo.", code="invalid_image_format"
                )
            width, height = probe.size
            if width * height > settings.PHOTO_MAX_PIXELS:
                raise ValidationError(
                    f"This image is {width}×{height} pixels, too large to process; "
                    "please upload a smaller version."
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            source_format = image.format
            image = ImageOps.exif_transpose(image)
            output = OUTPUT_FORMAT[source_format]
            if output == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            buffer = io.BytesIO()
            # No exif/icc/xmp arguments: nothing from the original file is carried over.
            image.save(buffer, format=output, quality=88, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ValidationError("This file is not an image we can read.") from error
    name = Path(getattr(upload, "name", "photo") or "photo").stem[:80] or "photo"
    return ContentFile(buffer.getvalue(), name=f"{name}{EXTENSION[output]}")
