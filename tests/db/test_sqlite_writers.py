"""SQLite's writers take turns (newsroom/db/sqlite): a write transaction holds the writer
lock from BEGIN to COMMIT or ROLLBACK, waiting writers queue instead of polling SQLite,
and a writer that cannot get its turn fails with SQLite's own error instead of hanging."""

import subprocess
import sys
import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from django.db.utils import OperationalError

from articles.models import Section

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writer lock"),
    pytest.mark.django_db(transaction=True),
]

# Another process asks for the writer lock without waiting; prints what it found.
PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("taken")
else:
    print("free")
"""

# Another process takes the writer lock and keeps it until its standard input closes.
HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.read()
"""


def lock_file() -> str:
    connection.ensure_connection()
    return f"{connection.settings_dict['NAME']}-writer.lock"


def other_process_finds_lock() -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, lock_file()], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@contextmanager
def lock_held_by_other_process():
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, lock_file()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


@contextmanager
def writer_timeout(seconds: float):
    options = connection.settings_dict["OPTIONS"]
    before = options.get("timeout")
    options["timeout"] = seconds
    try:
        yield
    finally:
        options["timeout"] = before


def test_a_write_transaction_holds_the_lock_until_commit_or_rollback():
    assert other_process_finds_lock() == "free"
    with transaction.atomic():
        Section.objects.create(name="Held", slug="held")
        assert other_process_finds_lock() == "taken"
    assert other_process_finds_lock() == "free"

    with pytest.raises(RuntimeError), transaction.atomic():
        Section.objects.create(name="Rolled back", slug="rolled-back")
        assert other_process_finds_lock() == "taken"
        raise RuntimeError("the view failed")
    assert other_process_finds_lock() == "free"
    assert list(Section.objects.values_list("slug", flat=True)) == ["held"]


def test_reads_outside_a_transaction_do_not_take_the_lock():
    with lock_held_by_other_process():
        assert Section.objects.count() == 0


def test_a_writer_that_never_gets_its_turn_fails_with_sqlites_error_and_writes_nothing():
    with (
        writer_timeout(0.2),
        lock_held_by_other_process(),
        pytest.raises(OperationalError, match="database is locked"),
        transaction.atomic(),
    ):
        Section.objects.create(name="Waiting", slug="waiting")
    assert not Section.objects.exists()
    # Its turn came back to the process: the next transaction writes.
    with transaction.atomic():
        Section.objects.create(name="Next", slug="next")
    assert Section.objects.get().slug == "next"


def test_threads_queue_for_their_turn_instead_of_asking_sqlite():
    """With SQLite's busy timeout at zero, two overlapping BEGIN IMMEDIATEs would fail at
    once with "database is locked": every one succeeds, so they waited in the queue."""
    threads, writes = 8, 20
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def write(number: int):
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 0")
            start.wait()
            for n in range(writes):
                with transaction.atomic():
                    Section.objects.create(name=f"S {number}.{n}", slug=f"s-{number}-{n}")
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert Section.objects.count() == threads * writes
