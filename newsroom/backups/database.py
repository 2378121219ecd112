"""The site's database as a whole: which engine it is, and a backup and a restore of it
that read and write one consistent snapshot, by way of that engine's own module."""

from pathlib import Path

from django.db import connections
from django.db.utils import ConnectionDoesNotExist

from . import postgres, sqlite
from .errors import BackupError
from .files import SUFFIXES, atomic_file

KIND_NAMES = {"sqlite": "a SQLite database", "postgresql": "a PostgreSQL dump (pg_dump -Fc)"}


def vendor(alias: str = "default") -> str:
    """The database engine of ``alias`` if backups support it."""
    try:
        connection = connections[alias]
    except ConnectionDoesNotExist as error:
        raise BackupError(f"No database {alias!r} in DATABASES.") from error
    if connection.vendor not in SUFFIXES:
        raise BackupError(
            f"Backups support SQLite and PostgreSQL; database {alias!r} is "
            f"{connection.vendor}. Use that database's own backup tools."
        )
    return connection.vendor


def describe(alias: str = "default") -> str:
    """The database a restore would replace, in words."""
    kind = vendor(alias)
    name = connections[alias].settings_dict["NAME"]
    if kind == "sqlite":
        return f"the SQLite database {name}"
    host = connections[alias].settings_dict.get("HOST") or "the local server"
    return f"the PostgreSQL database {name} on {host}"


def backup(path: Path, alias: str = "default") -> None:
    """Write a consistent copy of database ``alias`` to ``path`` (which must not exist)."""
    kind = vendor(alias)
    with atomic_file(path) as temporary:
        if kind == "sqlite":
            sqlite.backup(connections[alias], temporary)
        else:
            postgres.backup(connections[alias].settings_dict, temporary)


def file_kind(path: Path) -> str | None:
    """``"sqlite"`` or ``"postgresql"`` from the file's first bytes; None if neither."""
    with open(path, "rb") as file:
        head = file.read(len(sqlite.MAGIC))
    if head.startswith(sqlite.MAGIC):
        return "sqlite"
    if head.startswith(postgres.MAGIC):
        return "postgresql"
    return None


def check(path: Path, alias: str = "default") -> str:
    """Refuse anything but a readable backup for this database's engine; return its kind."""
    kind = vendor(alias)
    if not path.exists():
        raise BackupError(f"No such file: {path}")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        found = file_kind(path)
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}") from error
    if found is None:
        raise BackupError(
            f"{path} is not a Newsroom backup: neither a SQLite database nor a pg_dump archive."
        )
    if found != kind:
        raise BackupError(
            f"{path} is {KIND_NAMES[found]}, but database {alias!r} is "
            f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}. Restore it on a site of "
            f"that kind (or move the data with dumpdata/loaddata)."
        )
    if kind == "sqlite":
        sqlite.check(path)
    else:
        postgres.check(path, connections[alias].settings_dict)
    return kind


def restore(path: Path, kind: str, alias: str = "default") -> None:
    """Replace database ``alias`` with the backup at ``path``, of the ``kind`` check() found."""
    connection = connections[alias]
    connection.close()  # nothing of ours stays open on the old tables
    if kind == "sqlite":
        sqlite.restore(connection, path)
    else:
        postgres.restore(connection.settings_dict, path)
