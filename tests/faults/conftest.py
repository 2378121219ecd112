"""Faults are injected, not assumed: a shared cache that does not answer."""

import os
import runpy
import socket
from pathlib import Path
from unittest import mock

import pytest

SETTINGS = Path(__file__).resolve().parents[2] / "newsroom" / "settings.py"


def closed_port() -> int:
    """A local port nothing listens on (taken from the system, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_caches(cache_url: str, **environment) -> dict:
    """CACHES exactly as the settings module makes them for this CACHE_URL."""
    with mock.patch.dict(os.environ, {"CACHE_URL": cache_url, **environment}):
        return runpy.run_path(str(SETTINGS))["CACHES"]


@pytest.fixture
def cache_down(settings):
    """The production cache (CACHE_URL=redis://…), pointed at a port nothing listens on.

    Every call to it fails at once (connection refused), as when Redis is stopped. Each
    test gets a port of its own, so no test inherits another's outage.
    """
    settings.CACHES = production_caches(f"redis://127.0.0.1:{closed_port()}/0")
    return settings.CACHES


@pytest.fixture
def use_production_cache(settings):
    """Switch this test to the production cache for a CACHE_URL; returns CACHES."""

    def use(cache_url: str, **environment) -> dict:
        settings.CACHES = production_caches(cache_url, **environment)
        return settings.CACHES

    return use
