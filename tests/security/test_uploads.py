"""Hostile photo uploads: refused with a message, or stored as a clean re-encoded image.

Every file here is made in the test (Pillow or plain bytes). Each goes through the real
admin "add photo" page as an Editor and through the photo form; a refused file leaves no
row and no file behind, and a stored one is checked structurally: its segments, chunks or
RIFF chunks are only those that carry pixels, nothing follows the image's end marker, it
decodes as the format its extension names, and no metadata or markup is left in its bytes.
"""

import io
import random
import struct
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from articles import images
from articles.forms import PhotoForm
from articles.models import Author, Photo
from tests.helpers.images import exif_with_gps

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/photo/add/"
SCRIPT = b"<html><body><script>alert(document.domain)</script></body></html>"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'xmp:Label="home-address"/></rdf:RDF></x:xmpmeta>'
)
# Bytes that would betray metadata or markup anywhere in a stored file.
FORBIDDEN = (
    b"exif\x00\x00", b"http://ns.adobe.com/xap", b"adobe:ns:meta", b"gps", b"icc_profile",
    b"home-address", b"cameramaker", b"<script", b"<html", b"<svg",
)  # fmt: skip

TOO_MANY_PIXELS = "more than we can process"
NOT_A_PHOTO = "not a photo we can read"


# --- Files made here ----------------------------------------------------------------------


def encode(image: Image.Image, image_format: str, **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_args)
    return buffer.getvalue()


def picture(size=(64, 48)) -> Image.Image:
    """Two colours side by side, so a turn or a flip shows in the pixels."""
    image = Image.new("RGB", size, (220, 30, 30))
    image.paste((30, 30, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


@cache
def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def with_comment_segment(jpeg: bytes, payload: bytes) -> bytes:
    """A COM segment first thing after SOI, where content sniffers look for HTML."""
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: only its header can ever be read."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def png_with_text(payload: bytes) -> bytes:
    """A real PNG with markup in a tEXt chunk before its pixels."""
    data = encode(picture(), "PNG")
    at = data.index(b"IDAT") - 4
    return data[:at] + png_chunk(b"tEXt", b"Comment\x00" + payload) + data[at:]


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is edited to claim another size."""
    data = bytearray(encode(picture(), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode(picture().convert("P"), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


@cache
def sparse_png(side: int) -> bytes:
    """A real, complete one-bit PNG: huge in pixels, tiny as a file."""
    return encode(Image.new("1", (side, side)), "PNG", optimize=True)


# --- What a stored file may contain --------------------------------------------------------

# Before the scan: the JFIF header, tables and the frame; no APPn metadata, no comment.
JPEG_ALLOWED = {0xE0, 0xDB, 0xC4, 0xC0, 0xC1, 0xC2, 0xDD, 0xDA}
PNG_ALLOWED = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
WEBP_ALLOWED = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}


def jpeg_structure(data: bytes) -> list[int]:
    assert data[:2] == b"\xff\xd8", "no SOI"
    position, markers = 2, []
    while True:
        assert data[position] == 0xFF, f"not a marker at {position}"
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker == 0xE0:
            assert data[position + 4 : position + 9] == b"JFIF\x00"
        position += 2 + length
    # In the scan a 0xFF byte is always followed by 0x00 or a restart marker, so the first
    # EOI is the image's end: nothing may follow it.
    assert data.index(b"\xff\xd9", position) == len(data) - 2, "bytes after EOI"
    return markers


def png_structure(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, kinds = 8, []
    while True:
        (length,) = struct.unpack(">I", data[position : position + 4])
        kinds.append(data[position + 4 : position + 8])
        position += 12 + length
        if kinds[-1] == b"IEND":
            break
    assert position == len(data), "bytes after IEND"
    return kinds


def webp_structure(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8, "bytes after the RIFF"
    position, kinds = 12, []
    while position < len(data):
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        kinds.append(data[position : position + 4])
        position += 8 + length + (length & 1)
    if b"VP8X" in kinds:  # its flags: ICC, EXIF, XMP and animation all clear
        flags = data[data.index(b"VP8X") + 8]
        assert flags & 0b00101110 == 0, f"VP8X flags {flags:#x}"
    return kinds


STRUCTURE = {
    "JPEG": (jpeg_structure, JPEG_ALLOWED),
    "PNG": (png_structure, PNG_ALLOWED),
    "WEBP": (webp_structure, WEBP_ALLOWED),
}


def assert_clean(data: bytes, name: str) -> Image.Image:
    """The stored bytes are one image of the format its name says, and nothing else."""
    image = Image.open(io.BytesIO(data))
    image.load()
    assert images.EXTENSION[image.format] == Path(name).suffix, (image.format, name)
    walk, allowed = STRUCTURE[image.format]
    assert set(walk(data)) <= allowed
    assert not image.getexif()
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"} & set(image.info)
    lowered = data.lower()
    assert [marker for marker in FORBIDDEN if marker in lowered] == []
    return image


# --- The cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    message: str
    settings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    image_format: str


CASES = {
    # Decompression bombs: refused from the header, before any pixel is decoded.
    "png header claiming 100000x100000": (
        "bomb.png", lambda: png_header(100_000, 100_000), Refused(TOO_MANY_PIXELS)),
    "png header claiming 12000x12000": (
        "bomb.png", lambda: png_header(12_000, 12_000), Refused(TOO_MANY_PIXELS)),
    "real 7000x7000 png of a few kB": (
        "sparse.png", lambda: sparse_png(7000), Refused("7000×7000 pixels")),
    "jpeg frame claiming 65000x65000": (
        "bomb.jpg", lambda: jpeg_claiming(65_000, 65_000), Refused(TOO_MANY_PIXELS)),
    "gif screen claiming 65535x65535": (
        "bomb.gif", lambda: gif_claiming(65_535, 65_535), Refused(TOO_MANY_PIXELS)),
    "jpeg over a lowered pixel limit": (
        "big.jpg", lambda: encode(picture((1200, 1000)), "JPEG"),
        Refused("1200×1000 pixels", {"PHOTO_MAX_PIXELS": 1_000_000})),
    # Not images, or not images we decode.
    "text named .jpg": ("notes.jpg", lambda: b"Meeting notes, not a photo.\n" * 20,
                        Refused(NOT_A_PHOTO)),
    "html named .jpg": ("page.jpg", lambda: SCRIPT, Refused(NOT_A_PHOTO)),
    "svg with script": (
        "logo.svg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(1)</script></svg>",
        Refused(NOT_A_PHOTO)),
    "svg with script named .jpg": (
        "logo.jpg", lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(1)</script></svg>", Refused(NOT_A_PHOTO)),
    "pdf named .jpg": ("scan.jpg", lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\n",
                       Refused(NOT_A_PHOTO)),
    "jpeg start and html": ("half.jpg", lambda: b"\xff\xd8\xff\xe0" + SCRIPT,
                            Refused(NOT_A_PHOTO)),
    "truncated jpeg": ("cut.jpg", lambda: encode(picture((400, 300)), "JPEG")[:600],
                       Refused(NOT_A_PHOTO)),
    "tiff, a format we do not decode": ("scan.tif", lambda: encode(picture(), "TIFF"),
                                        Refused(NOT_A_PHOTO)),
    "bmp named .jpg": ("old.jpg", lambda: encode(picture(), "BMP"), Refused(NOT_A_PHOTO)),
    "empty file": ("empty.jpg", lambda: b"", Refused("The submitted file is empty.")),
    "file over the byte limit": (
        "large.jpg", lambda: encode(picture((200, 150)), "JPEG", quality=95),
        Refused("may be at most 1.0\xa0KB", {"PHOTO_MAX_UPLOAD_BYTES": 1024})),
    # Polyglots and metadata: stored, as fresh pixels only.
    "jpeg/html polyglot in a COM segment": (
        "poly.jpg", lambda: with_comment_segment(encode(picture(), "JPEG"), SCRIPT),
        Stored("JPEG")),
    "jpeg/html polyglot after EOI": (
        "poly.jpg", lambda: encode(picture(), "JPEG") + SCRIPT, Stored("JPEG")),
    "jpeg with gps exif, xmp, icc and a comment": (
        "camera.jpg",
        lambda: encode(picture(), "JPEG", exif=exif_with_gps(), xmp=XMP,
                       icc_profile=srgb_profile(), comment=b"CameraMaker <script>"),
        Stored("JPEG")),
    "png/html polyglot in tEXt and after IEND": (
        "poly.png", lambda: png_with_text(SCRIPT) + SCRIPT, Stored("PNG")),
    "png with gps exif and icc": (
        "shot.png", lambda: encode(picture(), "PNG", exif=exif_with_gps(),
                                   icc_profile=srgb_profile()),
        Stored("PNG")),
    "webp with gps exif, xmp and icc": (
        "shot.webp", lambda: encode(picture(), "WEBP", exif=exif_with_gps(), xmp=XMP,
                                    icc_profile=srgb_profile()),
        Stored("WEBP")),
    "gif with a script comment": (
        "anim.gif", lambda: encode(picture().convert("P"), "GIF", comment=SCRIPT),
        Stored("PNG")),
    # The stored name follows the bytes, not the uploaded name.
    "png named .jpg": ("really-a-png.jpg", lambda: encode(picture(), "PNG"), Stored("PNG")),
    "jpeg named .png": ("really-a-jpeg.png", lambda: encode(picture(), "JPEG"), Stored("JPEG")),
    "webp named .gif": ("really-a-webp.gif", lambda: encode(picture(), "WEBP"), Stored("WEBP")),
    "hostile file name": (
        '../../<script>alert(1)</script>".jpg', lambda: encode(picture(), "JPEG"),
        Stored("JPEG")),
}  # fmt: skip


@pytest.fixture
def editor_client(client, make_staff):
    client.force_login(make_staff("Editor"))
    return client


@pytest.fixture
def media_files(settings):
    def files() -> list[Path]:
        root = Path(settings.MEDIA_ROOT)
        return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []

    return files


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_the_bomb_files_are_small_and_only_claim_their_size():
    assert len(sparse_png(7000)) < 50_000
    assert Image.open(io.BytesIO(sparse_png(7000))).size == (7000, 7000)
    assert len(jpeg_claiming(65_000, 65_000)) < 2_000
    assert len(gif_claiming(65_535, 65_535)) < 2_000


@pytest.mark.parametrize(("name", "build", "expected"), CASES.values(), ids=CASES.keys())
def test_hostile_upload_through_the_admin_as_an_editor(
    editor_client, settings, media_files, name, build, expected
):
    if isinstance(expected, Refused):
        for setting, value in expected.settings.items():
            setattr(settings, setting, value)
    response = editor_client.post(
        ADD_URL, {"image": upload(name, build()), "alt_text": "A photo", "caption": "Caption"}
    )

    if isinstance(expected, Refused):
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["image"]
        assert any(expected.message in error for error in errors), errors
        assert Photo.objects.count() == 0
        assert media_files() == []
        return
    assert response.status_code == 302, response.context["adminform"].form.errors
    photo = Photo.objects.get()
    with photo.image.open("rb") as stored:
        image = assert_clean(stored.read(), photo.image.name)
    assert image.format == expected.image_format
    assert (photo.width, photo.height) == image.size == (64, 48)
    assert photo.image.name.startswith("photos/") and ".." not in photo.image.name
    uploads = [path for path in media_files() if "renditions" not in path.parts]
    assert uploads == [Path(settings.MEDIA_ROOT) / photo.image.name]


@pytest.mark.parametrize(("name", "build", "expected"), CASES.values(), ids=CASES.keys())
def test_hostile_upload_through_the_photo_form(settings, name, build, expected):
    if isinstance(expected, Refused):
        for setting, value in expected.settings.items():
            setattr(settings, setting, value)
    form = PhotoForm(data={"alt_text": "A photo"}, files={"image": upload(name, build())})

    if isinstance(expected, Refused):
        assert not form.is_valid()
        assert any(expected.message in error for error in form.errors["image"])
        assert Photo.objects.count() == 0
        return
    assert form.is_valid(), form.errors
    photo = form.save()
    with photo.image.open("rb") as stored:
        assert assert_clean(stored.read(), photo.image.name).format == expected.image_format


def test_case_list_covers_every_kind_of_hostile_file():
    outcomes = [expected for _name, _build, expected in CASES.values()]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    bombs = [o for o in refused if TOO_MANY_PIXELS in o.message or "×" in o.message]
    assert (len(refused), len(bombs), len(outcomes) - len(refused)) == (17, 6, 11)


def test_orientation_is_applied_to_the_stored_pixels(editor_client):
    # Orientation 6: the camera was turned clockwise; shown upright, the red left half of
    # the sensor is at the top.
    data = encode(picture((64, 48)), "JPEG", exif=exif_with_gps(orientation=6))
    response = editor_client.post(ADD_URL, {"image": upload("turned.jpg", data), "alt_text": "A"})
    assert response.status_code == 302
    photo = Photo.objects.get()
    with photo.image.open("rb") as stored:
        image = assert_clean(stored.read(), photo.image.name).convert("RGB")
    assert image.size == (48, 64) == (photo.width, photo.height)
    red, blue = image.getpixel((24, 8)), image.getpixel((24, 56))
    assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0], (red, blue)


def test_replacing_a_photo_with_a_hostile_file_keeps_the_old_one(editor_client, make_photo):
    photo = make_photo()
    before = photo.image.name
    response = editor_client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        {"image": upload("x.jpg", SCRIPT), "alt_text": "Changed"},
    )
    assert response.status_code == 200
    assert NOT_A_PHOTO in str(response.context["adminform"].form.errors["image"])
    photo.refresh_from_db()
    assert (photo.image.name, photo.alt_text) == (before, "A test photo")


def test_author_portrait_is_re_encoded_like_any_photo(admin_client):
    data = encode(picture(), "JPEG", exif=exif_with_gps(), xmp=XMP) + SCRIPT
    response = admin_client.post(
        "/admin/articles/author/add/",
        {"name": "Amira Khalil", "slug": "amira-khalil", "photo": upload("me.jpg", data)},
    )
    assert response.status_code == 302
    author = Author.objects.get()
    with author.photo.open("rb") as stored:
        assert_clean(stored.read(), author.photo.name)
    refused = admin_client.post(
        "/admin/articles/author/add/",
        {"name": "B", "slug": "b", "photo": upload("b.jpg", png_header(100_000, 100_000))},
    )
    assert TOO_MANY_PIXELS in str(refused.context["adminform"].form.errors["photo"])
    assert Author.objects.count() == 1


class Parsed(Exception):
    """Raised by a decoder that must never see an upload."""


def test_only_our_four_decoders_ever_parse_an_upload(monkeypatch):
    from PIL import BmpImagePlugin, TiffImagePlugin

    for plugin in (TiffImagePlugin.TiffImageFile, BmpImagePlugin.BmpImageFile):
        monkeypatch.setattr(plugin, "_open", lambda self: (_ for _ in ()).throw(Parsed()))
    for name, image_format in (("scan.tif", "TIFF"), ("old.bmp", "BMP")):
        with pytest.raises(ValidationError, match=NOT_A_PHOTO):
            images.normalise_upload(upload(name, encode(picture(), image_format)))


def test_upload_field_offers_only_the_formats_we_accept(editor_client):
    page = editor_client.get(ADD_URL).content.decode()
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in page


# --- Damaged files ------------------------------------------------------------------------

MUTANTS_PER_FORMAT = 150


def mutants(data: bytes, seed: int):
    """Deterministic damage: flipped bytes, cuts, repeated slices."""
    rng = random.Random(seed)
    for _ in range(MUTANTS_PER_FORMAT):
        damaged = bytearray(data)
        action = rng.choice(("flip", "cut", "repeat"))
        if action == "flip":
            for _ in range(rng.randint(1, 8)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        elif action == "cut":
            del damaged[rng.randrange(8, len(damaged)) :]
        else:
            start = rng.randrange(len(damaged))
            damaged[start:start] = damaged[start : start + rng.randint(1, 64)] * 3
        yield bytes(damaged)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's notes on corrupt EXIF
def test_damaged_files_are_form_errors_or_clean_images_never_crashes():
    sources = {
        "JPEG": encode(picture(), "JPEG", exif=exif_with_gps(orientation=6), xmp=XMP),
        "PNG": encode(picture(), "PNG", exif=exif_with_gps(), icc_profile=srgb_profile()),
        "WEBP": encode(picture(), "WEBP", exif=exif_with_gps(), xmp=XMP),
        "GIF": encode(picture().convert("P"), "GIF", comment=SCRIPT),
    }
    refused = stored = 0
    for seed, (image_format, data) in enumerate(sources.items()):
        for damaged in mutants(data, seed):
            try:
                clean = images.normalise_upload(upload(f"d.{image_format.lower()}", damaged))
            except ValidationError:
                refused += 1
                continue
            assert_clean(clean.read(), clean.name)
            stored += 1
    assert refused + stored == 4 * MUTANTS_PER_FORMAT
    assert refused and stored  # the damage both breaks files and leaves some readable
