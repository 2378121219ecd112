"""/readyz/ tells a load balancer the truth: each dependency that failed, by name."""

from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.tasks import build_photo_renditions

pytestmark = pytest.mark.django_db


def failed(response) -> set[str]:
    """The dependencies a 503 names, one a line ("cache: ConnectionError")."""
    assert response.status_code == 503, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {line.split(":")[0] for line in response.content.decode().splitlines()}


def test_ready_when_every_dependency_answers(client):
    response = client.get("/readyz/")

    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_readiness_is_never_cached(client, settings):
    settings.PAGE_CACHE_SECONDS = 3600
    for _ in range(2):
        response = client.get("/readyz/")
        assert response.status_code == 200
        assert "X-Page-Cache" not in response  # not stored by the page cache either
        assert "no-store" in response["Cache-Control"]


def test_readiness_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301  # the positive control: others redirect

    assert client.get("/readyz/").status_code == 200


def test_not_ready_names_the_cache_when_it_is_down(cache_down, client):
    assert failed(client.get("/readyz/")) == {"cache"}


def test_not_ready_names_the_cache_even_before_a_page_found_it_down(cache_down, client):
    """The breaker is closed until a call fails; readiness asks Redis itself either way."""
    assert failed(client.get("/readyz/")) == {"cache"}
    assert failed(client.get("/readyz/")) == {"cache"}  # and with the breaker open


def test_not_ready_names_the_database_when_it_is_down(client, monkeypatch):
    def refuse():
        raise OperationalError("injected: the database does not answer")

    monkeypatch.setattr(connection, "ensure_connection", refuse)

    assert failed(client.get("/readyz/")) == {"database"}


def test_not_ready_names_media_storage_when_it_fails(client, monkeypatch):
    def refuse(self, name):
        raise OSError("injected: the media volume is gone")

    monkeypatch.setattr(FileSystemStorage, "exists", refuse)

    assert failed(client.get("/readyz/")) == {"storage"}


@pytest.fixture
def probe_writes(settings, monkeypatch, tmp_path):
    from newsroom import readiness

    settings.READY_STORAGE_WRITE_EVERY = 60
    monkeypatch.setitem(readiness._last_write, "at", float("-inf"))
    return readiness


def test_not_ready_names_media_storage_that_no_longer_takes_writes(
    probe_writes, client, monkeypatch
):
    def full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)

    assert failed(client.get("/readyz/")) == {"storage"}


def test_the_storage_write_probe_cleans_up_and_runs_once_a_minute(
    probe_writes, client, monkeypatch
):
    saved = []
    real_save = FileSystemStorage._save
    monkeypatch.setattr(
        FileSystemStorage, "_save", lambda self, n, c: saved.append(n) or real_save(self, n, c)
    )

    for _ in range(3):
        assert client.get("/readyz/").status_code == 200
    assert len(saved) == 1  # the next two probes only asked
    assert not FileSystemStorage().exists(saved[0])  # and the file is gone again


def test_not_ready_names_every_dependency_that_failed(cache_down, client, monkeypatch):
    monkeypatch.setattr(
        FileSystemStorage, "exists", lambda self, name: (_ for _ in ()).throw(OSError("gone"))
    )

    assert failed(client.get("/readyz/")) == {"cache", "storage"}


@pytest.fixture
def task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.READY_TASK_MAX_AGE = 600


def test_ready_while_the_oldest_waiting_task_is_recent(task_queue, client):
    build_photo_renditions.enqueue(1)
    assert DBTaskResult.objects.ready().count() == 1

    assert client.get("/readyz/").status_code == 200


def test_not_ready_names_the_task_queue_when_a_task_waits_too_long(task_queue, client):
    build_photo_renditions.enqueue(1)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=601))

    response = client.get("/readyz/")

    assert failed(response) == {"tasks"}
    assert "600 s" in response.content.decode()


def test_a_finished_old_task_does_not_make_the_queue_late(task_queue, client):
    build_photo_renditions.enqueue(1)
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - timedelta(hours=2), status="SUCCESSFUL"
    )

    assert client.get("/readyz/").status_code == 200
