"""One varnishd with the shipped VCL for the module, in front of the live test server."""

from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from tests.helpers.edge import Gateway, Varnish


@pytest.fixture(scope="session")
def plain_http():
    """The live server speaks plain HTTP; its middleware, set up once when the
    session-wide live server starts, must not redirect to HTTPS."""
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield


@pytest.fixture(scope="module")
def gateway(plain_http, live_server):
    address = urlsplit(live_server.url)
    relay = Gateway((address.hostname, address.port))
    yield relay
    relay.close()


@pytest.fixture(scope="module")
def varnish(gateway, tmp_path_factory):
    server = Varnish(tmp_path_factory.mktemp("varnish"), gateway.port)
    yield server
    server.stop()


@pytest.fixture
def edge(varnish, settings):
    """Pages carry xkey headers and changes are purged at this Varnish."""
    settings.EDGE_CACHE = f"varnish://127.0.0.1:{varnish.port}"
    settings.PAGE_CACHE_STALE_SECONDS = 1
    return varnish.base
