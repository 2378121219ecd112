"""Small real images for uploads and photo fixtures, with EXIF as cameras write it."""

import io

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_bytes(width=64, height=48, color=(200, 80, 40), exif=None) -> bytes:
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: orientation, camera, and where the photo was taken."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "CameraMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (33.0, 18.0, 0.0), 3: "E", 4: (44.0, 22.0, 0.0)})
    return exif
