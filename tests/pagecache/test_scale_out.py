"""Scale-out: two app servers share the database and Redis and keep no state of their own.

Each server is a real gunicorn process on its own port. What an editor publishes through
one is seen at once through the other, although the other had the page cached.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from articles.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/0"
HOW_TO_START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
)


def database_url() -> str:
    """The test database, as the servers' DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = urllib.parse.quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def shared_redis():
    """A key prefix of this test's own in the shared Redis, removed afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running on 127.0.0.1:6379; start it: {HOW_TO_START_REDIS}")
    prefix = f"scale-out-{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@contextmanager
def app_server(prefix: str):
    """A gunicorn process on a port of its own; yields its base URL, stopped on exit."""
    address = f"127.0.0.1:{free_port()}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("ROOT_URLCONF", "DEBUG")},
        "DATABASE_URL": database_url(),
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--workers=1", f"--bind={address}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://{address}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"app server did not start:\n{server.communicate()[1][-3000:]}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def fetch(base: str, path: str) -> tuple[int, str, str]:
    """An anonymous reader's GET: status, body and the page cache's verdict."""
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, response.read().decode(), response.headers["X-Page-Cache"]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers["X-Page-Cache"]


class Editor:
    """An editor in a browser of their own, signed in to one app server's admin."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.post("/admin/login/?next=/admin/", {"username": username, "password": password})

    def post(self, path: str, data: dict) -> str:
        page = self.opener.open(self.base + path, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True)
        with self.opener.open(self.base + path, body.encode(), timeout=10) as response:
            return response.read().decode()

    def action(self, name: str, article: Article) -> None:
        page = self.post(
            "/admin/articles/article/",
            {"action": name, "_selected_action": [article.pk], "index": 0, "select_across": 0},
        )
        assert "article(s)" in page, "the admin did not confirm the action"


def test_publishing_through_one_app_server_is_fresh_through_the_other(
    shared_redis, django_user_model, make_article, make_author
):
    # A superuser: the role groups come from data migrations, which a transactional
    # test's flush may have emptied before this one.
    editor = django_user_model.objects.create_superuser("desk", password="correct-horse-battery")
    story = make_article(
        "Flood barrier holds on its first night",
        status=Article.Status.DRAFT,
        authors=[make_author()],
    )
    with app_server(shared_redis) as first, app_server(shared_redis) as second:
        # The second server has the front page cached, in Redis and in its own memory.
        fetch(second, "/")
        status, home, verdict = fetch(second, "/")
        assert status == 200 and verdict == "hit-local" and story.headline not in home

        desk = Editor(first, editor.username, "correct-horse-battery")
        desk.action("publish_now", story)

        status, home, verdict = fetch(second, "/")
        assert verdict == "miss" and story.headline in home
        assert fetch(second, story.get_absolute_url())[0] == 200
        # And the first server, which made the change, agrees.
        assert story.headline in fetch(first, "/")[1]

        desk.action("unpublish", story)

        status, home, _ = fetch(second, "/")
        assert story.headline not in home
        assert fetch(second, story.get_absolute_url())[0] == 404
