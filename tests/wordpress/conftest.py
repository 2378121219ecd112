import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from tests.helpers.images import jpeg_bytes
from tests.helpers.wordpress import EXPORT, HEADER


@pytest.fixture
def wxr(tmp_path):
    """Write an export of the given items; ``version`` picks the WXR namespace."""

    def write(*items, version="1.2", channel="", name="export.xml") -> Path:
        path = tmp_path / name
        body = HEADER.format(v=version) + channel + "".join(items) + "</channel></rss>\n"
        path.write_text(body, encoding="utf-8")
        return path

    return write


@pytest.fixture
def uploads(tmp_path):
    """A copy of the old site's wp-content/uploads: two of the three photos are there."""
    folder = tmp_path / "uploads"
    (folder / "2019" / "05").mkdir(parents=True)
    for name in ("spillway", "reservoir"):
        (folder / "2019" / "05" / f"{name}.jpg").write_bytes(jpeg_bytes(80, 60))
    return folder


@pytest.fixture
def run_import(db):
    """Run the command as an operator would; returns what it printed."""

    def run(path=EXPORT, *args):
        out, err = io.StringIO(), io.StringIO()
        call_command("import_wordpress", str(path), *args, stdout=out, stderr=err)
        return SimpleNamespace(out=out.getvalue(), err=err.getvalue())

    return run


@pytest.fixture
def imported(run_import, uploads):
    """The invented site of exports/meridian.xml, imported with its media folder."""
    return run_import(EXPORT, "--media-dir", str(uploads))
