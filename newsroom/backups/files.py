"""Backup file names, and writing a file so that it exists only once it is whole."""

import datetime
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .errors import BackupError

SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


def default_path(kind: str, now: datetime.datetime | None = None) -> Path:
    """``BACKUP_DIR/newsroom-<UTC time>.<suffix>``: names sort in the order they were made."""
    now = now or datetime.datetime.now(datetime.UTC)
    return Path(settings.BACKUP_DIR) / f"newsroom-{now:%Y%m%dT%H%M%SZ}{SUFFIXES[kind]}"


def media_path(database_backup: Path) -> Path:
    """Where ``--media`` puts the archive that goes with a database backup."""
    return database_backup.with_name(database_backup.stem + ".media.tar.gz")


def human_size(path: Path) -> str:
    return filesizeformat(path.stat().st_size).replace("\xa0", " ")


@contextmanager
def atomic_file(final: Path):
    """Yield a temporary path beside ``final``; rename it to ``final`` only on success.

    The temporary file is made by mkstemp, so it and the backup are readable by their
    owner only: backups hold e-mail addresses and password hashes.
    """
    if final.exists():
        raise BackupError(f"{final} already exists; give another name or move it away.")
    if not final.parent.is_dir():
        raise BackupError(f"No such folder: {final.parent}")
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, final)
        _fsync_folder(final.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    # A rename survives a power cut only once the folder is on disk too.
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
