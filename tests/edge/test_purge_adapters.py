"""Purge adapters speak each edge's purge-by-key API; a local fake server records the calls."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest

from articles.models import Article
from newsroom.pagecache import edge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_api():
    """An HTTP server on 127.0.0.1 that records every request and answers ``reply``."""
    calls, reply = [], {"status": 200, "body": {"success": True}}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            calls.append(
                {"path": self.path, "headers": dict(self.headers), "body": json.loads(body or "{}")}
            )
            payload = json.dumps(reply["body"]).encode()
            self.send_response(reply["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", calls, reply
    server.shutdown()
    server.server_close()


def test_fastly_purges_the_keys_in_one_batch_with_its_token(fake_api, settings):
    base, calls, _ = fake_api
    settings.FASTLY_API_URL = base
    settings.FASTLY_API_TOKEN = "fastly-secret"
    settings.EDGE_CACHE = "fastly://SERVICE1"
    assert edge.purge_edge.call("fastly://SERVICE1", ["article-1", "home"]) is True
    [call] = calls
    assert call["path"] == "/service/SERVICE1/purge"
    assert call["headers"]["Fastly-Key"] == "fastly-secret"
    assert call["body"] == {"surrogate_keys": ["article-1", "home"]}


def test_cloudflare_purges_tags_in_batches_of_thirty_with_a_bearer_token(fake_api, settings):
    base, calls, _ = fake_api
    settings.CLOUDFLARE_API_URL = base
    settings.CLOUDFLARE_API_TOKEN = "cf-secret"
    settings.EDGE_CACHE = "cloudflare://ZONE1"
    keys = [f"article-{n}" for n in range(45)]
    assert edge.purge_edge.call("cloudflare://ZONE1", keys) is True
    assert [call["path"] for call in calls] == ["/zones/ZONE1/purge_cache"] * 2
    assert calls[0]["headers"]["Authorization"] == "Bearer cf-secret"
    assert calls[0]["body"]["tags"] + calls[1]["body"]["tags"] == keys


def test_a_refused_purge_is_logged_and_tried_again_later(fake_api, settings, caplog):
    base, calls, reply = fake_api
    settings.CLOUDFLARE_API_URL = base
    settings.EDGE_CACHE = "cloudflare://ZONE1"
    reply.update(status=200, body={"success": False, "errors": [{"code": 1000}]})
    with (
        mock.patch.object(edge.default_task_backend, "supports_defer", True),
        mock.patch.object(edge, "_enqueue") as enqueue,
    ):
        assert edge.purge_edge.call("cloudflare://ZONE1", ["home"], 1) is False
    assert len(calls) == 1 and "failed (attempt 1)" in caplog.text
    [(retry, *args)] = [call.args for call in enqueue.call_args_list]
    assert args == ["cloudflare://ZONE1", ["home"], 2] and retry.run_after is not None


def test_an_edge_that_does_not_answer_is_a_logged_failure_not_an_error(settings, caplog):
    settings.EDGE_CACHE = "varnish://127.0.0.1:9"  # nothing listens on the discard port
    assert edge.purge_edge.call(settings.EDGE_CACHE, ["home"]) is False
    assert "Edge purge of 1 keys" in caplog.text and "giving up" in caplog.text


def test_an_editors_save_purges_every_configured_edge_after_commit(
    fake_api, settings, make_article
):
    base, calls, _ = fake_api
    settings.FASTLY_API_URL = settings.CLOUDFLARE_API_URL = base
    settings.EDGE_CACHE = "fastly://S1,cloudflare://Z1"
    article = make_article("Purged everywhere")
    calls.clear()
    article.headline = "Purged everywhere, edited"
    article.save()
    paths = sorted(call["path"] for call in calls)
    assert paths == ["/service/S1/purge", "/zones/Z1/purge_cache"]
    fastly = next(call for call in calls if call["path"].startswith("/service/"))
    assert f"article-{article.pk}" in fastly["body"]["surrogate_keys"]
    assert Article.objects.get(pk=article.pk).headline.endswith("edited")


def test_no_edge_configured_purges_nothing(fake_api, settings, make_article):
    _, calls, _ = fake_api
    settings.EDGE_CACHE = ""
    make_article().save()
    assert calls == [] and edge.key_headers({"home"}) == {}


def test_an_unknown_edge_is_a_clear_configuration_error(settings):
    settings.EDGE_CACHE = "akamai://x"
    with pytest.raises(ValueError, match="unknown edge"):
        edge.targets()


def test_no_edge_is_purged_while_the_apps_own_cache_cannot_be_told(fake_api, settings, caplog):
    base, calls, _ = fake_api
    settings.FASTLY_API_URL = base
    with mock.patch.object(edge.sharedcache, "is_up", return_value=False):
        assert edge.purge_edge.call("fastly://S1", ["home"]) is False
    assert calls == [] and "shared cache is unavailable" in caplog.text
    assert edge.purge_edge.call("fastly://S1", ["home"]) is True and len(calls) == 1
