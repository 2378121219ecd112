"""SQLite: an online copy of one snapshot while writers go on, checked, and written back."""

import sqlite3
from pathlib import Path

from .errors import BackupError

MAGIC = b"SQLite format 3\x00"
# Without WAL a reader blocks writers, so the copy goes this many pages at a time.
STEP_PAGES = 256
# Each write by another connection restarts a stepped copy; after this many restarts it
# is taken in one go instead, so busy writers can never keep it from finishing.
MAX_RESTARTS = 20


def database_file(connection) -> str:
    if connection.is_in_memory_db():
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return str(connection.settings_dict["NAME"])


def _timeout(connection) -> float:
    return connection.settings_dict.get("OPTIONS", {}).get("timeout", 20)


def backup(connection, target: Path) -> None:
    """Copy the database of Django ``connection`` into the (empty) file ``target``."""
    name = database_file(connection)
    if not Path(name).is_file():
        raise BackupError(f"The SQLite database {name} does not exist.")
    # Our own connection: Django's may be inside a transaction of the caller's.
    source = sqlite3.connect(name, timeout=_timeout(connection))
    destination = sqlite3.connect(target)
    try:
        wal = source.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        if wal:
            # In WAL mode a reader never blocks writers, so the whole copy is one read of
            # one snapshot while they go on committing. Copying in steps would gain nothing
            # and restart at every commit of theirs, possibly forever.
            source.backup(destination)
        else:
            stepped_copy(source, destination)
        # A self-contained file: no -wal beside it, checked before it is called a backup.
        destination.execute("PRAGMA journal_mode=DELETE")
        result = destination.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"The copy failed SQLite's integrity check: {result}")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {name}: {error}") from error
    finally:
        destination.close()
        source.close()


class _TooManyRestarts(Exception):
    pass


def stepped_copy(source, destination) -> None:
    """Copy a rollback-journal database a few pages at a time, letting writers in between."""
    restarts, last = 0, None

    def progress(status, remaining, total):
        nonlocal restarts, last
        if last is not None and remaining > last:
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise _TooManyRestarts
        last = remaining

    try:
        source.backup(destination, pages=STEP_PAGES, progress=progress, sleep=0.005)
    except _TooManyRestarts:
        source.backup(destination)  # writers wait for this one read, then carry on


def check(path: Path) -> None:
    """Refuse a SQLite file that is damaged or not a Newsroom database."""
    try:
        database = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = database.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
        finally:
            database.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
    if result != "ok":
        raise BackupError(f"{path} is damaged (SQLite's integrity check: {result}).")
    if "django_migrations" not in tables:
        raise BackupError(f"{path} is a SQLite database, but not a Newsroom one.")


def restore(connection, path: Path) -> None:
    """Replace the database of Django ``connection`` with the backup at ``path``."""
    # Written through SQLite, not by replacing the file: processes that still have the
    # database open (and its -wal and -shm files) see the restored data at their next
    # read instead of a file swapped under them.
    name = database_file(connection)
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(name, timeout=_timeout(connection))
    try:
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore into {name}: {error}") from error
    finally:
        destination.close()
        source.close()
