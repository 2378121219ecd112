"""The settings module under an operator's environment, read without touching this process.

The production values are the documented sample, `.env.production.example`: it is read as
an operator would fill it in, then run through the settings module again or through
`check --deploy` in a fresh interpreter.
"""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.production.example"
SETTINGS = ROOT / "newsroom" / "settings.py"


def example_environment() -> dict[str, str]:
    """The sample's variables, with a strong generated SECRET_KEY for its placeholder."""
    values = {}
    for line in EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    assert values["SECRET_KEY"].startswith("django-insecure-")  # refused if left in
    values["SECRET_KEY"] = secrets.token_urlsafe(64)
    return values


def settings_under(environment: dict[str, str]) -> dict:
    """The settings module's values with exactly this environment (nothing inherited)."""
    with mock.patch.dict(os.environ, environment, clear=True):
        return runpy.run_path(str(SETTINGS))


def check_deploy(environment: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
