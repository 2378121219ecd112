"""Outside tools for the browser and HTML checks, found on this machine or failing loudly.

Nothing is downloaded here: `make test` installs axe-core and vnu.jar from npm (see
package.json) and CI installs Chromium and Java (see .ci/run). A missing tool is a test
failure that says how to install it, never a silent skip.
"""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Screenshots of every page checked in the browser, for people to look at.
ARTIFACTS = ROOT / "test-artifacts"


def require(path: str | Path, how: str) -> str:
    found = shutil.which(str(path)) if not Path(path).is_absolute() else path
    if not found or not Path(found).exists():
        pytest.fail(f"{path} is missing; {how}", pytrace=False)
    return str(found)
