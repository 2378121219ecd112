"""SQLite whose writers wait their turn in a queue instead of polling for the lock.

SQLite lets one transaction write at a time. A writer that finds the database locked
sleeps and retries on its busy timeout, with sleeps that grow to 100 ms: in a burst of
comments an unlucky writer keeps waking just after another took the lock and waits
for seconds while later ones go first.

Here a write transaction (Django begins every one with ``BEGIN IMMEDIATE``) first
takes its process's writer lock, so the threads of one app server queue on a lock
that wakes the next one the moment it is free. The one thread at the head of that
queue then takes an ``flock`` on a file beside the database, shared by every app
server process, retrying each millisecond. Both waits give up after the database's
``timeout`` with SQLite's own "database is locked" error. Statements outside a
transaction, and other programs, still wait on SQLite's busy timeout as before.
"""

import fcntl
import os
import threading
import time

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError


class Writer:
    """One process's turn at writing to one database file."""

    def __init__(self, path: str):
        self.lock = threading.Lock()
        self.fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self.lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.lock.release()
                    raise OperationalError("database is locked") from None
                time.sleep(0.001)

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.lock.release()


_writers: dict[str, Writer] = {}
_writers_lock = threading.Lock()


def writer(path: str) -> Writer:
    with _writers_lock:
        if path not in _writers:
            _writers[path] = Writer(path)
        return _writers[path]


def _forget_writers_in_child() -> None:
    # A forked child shares its parent's lock files' open descriptions, and with them
    # the parent's flocks: it opens its own.
    global _writers_lock
    for inherited in _writers.values():
        os.close(inherited.fd)  # closing a copy leaves the parent's lock alone
    _writers.clear()
    _writers_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_writers_in_child)


class DatabaseWrapper(base.DatabaseWrapper):
    _writer = None  # held from BEGIN to COMMIT or ROLLBACK

    def _start_transaction_under_autocommit(self):
        if self.is_in_memory_db():
            return super()._start_transaction_under_autocommit()
        held = writer(self.settings_dict["NAME"])
        held.acquire(timeout=self.settings_dict["OPTIONS"].get("timeout", 5))
        self._writer = held
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_writing()
            raise

    def _commit(self):
        try:
            super()._commit()
        finally:
            # A COMMIT that failed (a deferred foreign key) leaves the transaction open:
            # the lock stays held until the rollback that follows.
            if self.connection is None or not self.connection.in_transaction:
                self._end_writing()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._end_writing()

    def _close(self):
        try:
            super()._close()
        finally:
            self._end_writing()

    def _end_writing(self):
        if self._writer is not None:
            held, self._writer = self._writer, None
            held.release()
