"""Consistent copies of the database, taken while the site keeps writing, and restores.

SQLite is copied with its online backup API, PostgreSQL with ``pg_dump``; both read one
snapshot, so a backup never holds half of a transaction. Files are written under a
temporary name and renamed when complete: a backup that exists is a whole one. Media are
restored the same way round: unpacked beside MEDIA_ROOT, then swapped in. The
management commands ``backup`` and ``restore`` are thin wrappers around this module.
"""

import datetime
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.db.utils import ConnectionDoesNotExist
from django.template.defaultfilters import filesizeformat

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
KIND_NAMES = {"sqlite": "a SQLite database", "postgresql": "a PostgreSQL dump (pg_dump -Fc)"}
# Without WAL a reader blocks writers, so the copy goes this many pages at a time.
SQLITE_STEP_PAGES = 256
# Each write by another connection restarts a stepped copy; after this many restarts it
# is taken in one go instead, so busy writers can never keep it from finishing.
SQLITE_MAX_RESTARTS = 20


class BackupError(Exception):
    """Something an operator can fix; the message says what."""


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


def default_path(kind: str, now: datetime.datetime | None = None) -> Path:
    """``BACKUP_DIR/newsroom-<UTC time>.<suffix>``: names sort in the order they were made."""
    now = now or datetime.datetime.now(datetime.UTC)
    return Path(settings.BACKUP_DIR) / f"newsroom-{now:%Y%m%dT%H%M%SZ}{SUFFIXES[kind]}"


def human_size(path: Path) -> str:
    return filesizeformat(path.stat().st_size).replace("\xa0", " ")


def file_kind(path: Path) -> str | None:
    """``"sqlite"`` or ``"postgresql"`` from the file's first bytes; None if neither."""
    with open(path, "rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


@contextmanager
def atomic_file(final: Path):
    """Yield a temporary path beside ``final``; rename it to ``final`` only on success."""
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
        # The rename itself survives a power cut only once the folder is on disk too.
        directory = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        temporary.unlink(missing_ok=True)


# --- Backup -----------------------------------------------------------------------------


def backup_database(path: Path, alias: str = "default") -> None:
    """Write a consistent copy of database ``alias`` to ``path`` (which must not exist)."""
    kind = vendor(alias)
    with atomic_file(path) as temporary:
        if kind == "sqlite":
            _backup_sqlite(connections[alias], temporary)
        else:
            _backup_postgresql(connections[alias].settings_dict, temporary)


def _sqlite_file(connection) -> str:
    if connection.is_in_memory_db():
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return str(connection.settings_dict["NAME"])


def _sqlite_timeout(connection) -> float:
    return connection.settings_dict.get("OPTIONS", {}).get("timeout", 20)


def _backup_sqlite(connection, target: Path) -> None:
    name = _sqlite_file(connection)
    if not Path(name).is_file():
        raise BackupError(f"The SQLite database {name} does not exist.")
    # Our own connection: Django's may be inside a transaction of the caller's.
    source = sqlite3.connect(name, timeout=_sqlite_timeout(connection))
    destination = sqlite3.connect(target)
    try:
        wal = source.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        if wal:
            # In WAL mode a reader never blocks writers, so the whole copy is one read of
            # one snapshot while they go on committing. Copying in steps would gain nothing
            # and restart at every commit of theirs, possibly forever.
            source.backup(destination)
        else:
            _stepped_copy(source, destination)
        # A self-contained file: no -wal beside it, checked before it is called a backup.
        destination.execute("PRAGMA journal_mode=DELETE")
        check = destination.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copy failed SQLite's integrity check: {check}")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {name}: {error}") from error
    finally:
        destination.close()
        source.close()


class _TooManyRestarts(Exception):
    pass


def _stepped_copy(source, destination) -> None:
    """Copy a rollback-journal database a few pages at a time, letting writers in between."""
    restarts, last = 0, None

    def progress(status, remaining, total):
        nonlocal restarts, last
        if last is not None and remaining > last:
            restarts += 1
            if restarts > SQLITE_MAX_RESTARTS:
                raise _TooManyRestarts
        last = remaining

    try:
        source.backup(destination, pages=SQLITE_STEP_PAGES, progress=progress, sleep=0.005)
    except _TooManyRestarts:
        source.backup(destination)  # writers wait for this one read, then carry on


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for a Django PostgreSQL database (the password never in argv)."""
    options = settings_dict.get("OPTIONS", {})
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH. Install PostgreSQL's client tools, the same "
            f"major version as the server or newer (Debian: apt-get install postgresql-client)."
        )
    return found


def _run(args: list[str], env: dict[str, str], failure: str) -> subprocess.CompletedProcess:
    # Fixed arguments, no shell; the password travels in the environment.
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{failure}: {detail}")
    return result


def _backup_postgresql(settings_dict: dict, target: Path) -> None:
    # pg_dump reads every table in one repeatable-read snapshot and takes only locks that
    # writers don't wait for, so the site keeps running while it works.
    args = [_pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}"]
    _run(args, pg_environment(settings_dict), "pg_dump failed")


def media_folder() -> Path:
    """The folder ``backup --media`` archives: MEDIA_ROOT, if media are kept there.

    Checked before the database is copied, so a backup that cannot include the media
    stops before writing anything."""
    _refuse_remote_media(
        "back them up with that storage's own tools (bucket versioning or replication), "
        "and back up without --media."
    )
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        raise BackupError(f"MEDIA_ROOT {root} is not a folder; there are no media to back up.")
    return root


def backup_media(path: Path) -> None:
    """Archive MEDIA_ROOT (uploaded photos and their renditions) into a .tar.gz."""
    root = media_folder()
    with atomic_file(path) as temporary, tarfile.open(temporary, "w:gz") as archive:
        archive.add(root, arcname=".")


def media_path(database_backup: Path) -> Path:
    """Where ``--media`` puts the archive that goes with a database backup."""
    return database_backup.with_name(database_backup.stem + ".media.tar.gz")


# --- Restore ----------------------------------------------------------------------------


def check_backup(path: Path, alias: str = "default") -> str:
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
        _check_sqlite_backup(path)
    else:
        env = pg_environment(connections[alias].settings_dict)
        _run(
            [_pg_tool("pg_restore"), "--list", str(path)],
            env,
            f"{path} is not a readable pg_dump archive",
        )
    return kind


def _check_sqlite_backup(path: Path) -> None:
    try:
        backup = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = backup.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
        finally:
            backup.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
    if check != "ok":
        raise BackupError(f"{path} is damaged (SQLite's integrity check: {check}).")
    if "django_migrations" not in tables:
        raise BackupError(f"{path} is a SQLite database, but not a Newsroom one.")


def describe(alias: str = "default") -> str:
    """The database a restore would replace, in words."""
    kind = vendor(alias)
    name = connections[alias].settings_dict["NAME"]
    if kind == "sqlite":
        return f"the SQLite database {name}"
    host = connections[alias].settings_dict.get("HOST") or "the local server"
    return f"the PostgreSQL database {name} on {host}"


def restore_database(
    path: Path, alias: str = "default", confirm=None, media: Path | None = None
) -> bool:
    """Replace database ``alias`` with the backup at ``path``, once it passed check_backup
    and ``confirm()``, if given, returned true. Returns whether it was restored.

    With ``media``, an archive written by backup_media, MEDIA_ROOT is replaced too. The
    archive is checked before ``confirm()`` and unpacked before the database is touched;
    MEDIA_ROOT is swapped only once the database is restored, so a failure at any step
    before that leaves both as they were.
    """
    kind = check_backup(path, alias)
    if media is not None:
        check_media(media)
    if confirm is not None and not confirm():
        return False
    staged = _stage_media(media) if media is not None else None
    try:
        connection = connections[alias]
        connection.close()  # nothing of ours stays open on the old tables
        if kind == "sqlite":
            _restore_sqlite(connection, path)
        else:
            _restore_postgresql(connection.settings_dict, path)
    except BaseException:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    if staged is not None:
        _swap_media(staged)
    return True


def _restore_sqlite(connection, path: Path) -> None:
    # Written through SQLite, not by replacing the file: processes that still have the
    # database open (and its -wal and -shm files) see the restored data at their next
    # read instead of a file swapped under them.
    name = _sqlite_file(connection)
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(name, timeout=_sqlite_timeout(connection))
    try:
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore into {name}: {error}") from error
    finally:
        destination.close()
        source.close()


def _restore_postgresql(settings_dict: dict, path: Path) -> None:
    # One transaction: a restore that fails half-way leaves the database as it was.
    args = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={settings_dict['NAME']}",
        str(path),
    ]
    _run(args, pg_environment(settings_dict), "pg_restore failed; the database is unchanged")


# --- Media ------------------------------------------------------------------------------


def media_root() -> Path:
    """The folder a media restore replaces: MEDIA_ROOT, through any symlink to it."""
    _refuse_remote_media("restore them with that storage's own tools, and restore without --media.")
    root = Path(os.path.realpath(settings.MEDIA_ROOT))
    if root.exists() and not root.is_dir():
        raise BackupError(f"MEDIA_ROOT {root} is not a folder.")
    if os.path.ismount(root):
        # A mount point cannot be renamed, so it cannot be swapped for the restored copy.
        raise BackupError(
            f"MEDIA_ROOT {root} is a mount point, which restore cannot swap. Restore "
            "without --media, empty the folder and unpack the archive into it with tar."
        )
    return root


def _refuse_remote_media(advice: str) -> None:
    """Media in object storage (MEDIA_BUCKET) are not a folder these commands can copy:
    MEDIA_ROOT then holds nothing of the site's, however many files it may have."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        where = getattr(storage, "bucket_name", None)
        where = f" (bucket {where})" if where else ""
        raise BackupError(
            f"Media are kept in {type(storage).__name__}{where}, not in a local folder; {advice}"
        )


def check_media(path: Path) -> None:
    """Refuse anything but a media archive that backup_media could have written.

    Only folders, files and hard links to files earlier in the archive are accepted, all
    below its top folder ``.``: an absolute name, ``..``, a symbolic link or a device
    file is refused, whatever it points at, rather than trusted to extraction alone.
    """
    media_root()
    if not hasattr(tarfile, "data_filter"):  # added in Python 3.11.4
        raise BackupError("Restoring media needs Python 3.11.4 or newer (tarfile's filters).")
    if not path.exists():
        raise BackupError(f"No such file: {path} (`backup --media` writes it beside the backup).")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"{path} is not a readable .tar.gz archive: {error}") from error
    if not members or not (members[0].isdir() and members[0].name == "."):
        raise BackupError(f"{path} is not a media archive written by `backup --media`.")
    files: set[PurePosixPath] = set()
    for member in members:
        problem = _member_problem(member, files)
        if problem:
            raise BackupError(f"{path} is refused: {member.name!r} is {problem}.")


def _member_problem(member: tarfile.TarInfo, files: set[PurePosixPath]) -> str | None:
    """What is wrong with one archive member, or None; ``files`` collects the files seen."""
    name = PurePosixPath(member.name)
    if name.is_absolute():
        return "an absolute path"
    if not member.name.startswith("./") and member.name != ".":
        return "outside the archive's top folder"
    if ".." in name.parts:
        return "a path leading out of the folder"
    if member.isreg():
        files.add(name)
    elif member.islnk():
        if PurePosixPath(member.linkname) not in files:
            return "a hard link to something that is not a file earlier in the archive"
    elif member.issym():
        return "a symbolic link"
    elif not member.isdir():
        return "a device file or other special file"
    return None


def _stage_media(path: Path) -> Path:
    """Unpack the archive into a new hidden folder beside MEDIA_ROOT; return that folder."""
    root = media_root()
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        staged = root.parent / f".{root.name}.restoring-{secrets.token_hex(4)}"
        staged.mkdir()  # the usual mode for a new folder, unless MEDIA_ROOT had its own
        if root.is_dir():
            staged.chmod(root.stat().st_mode & 0o7777)
    except OSError as error:
        raise BackupError(f"Cannot make a folder beside MEDIA_ROOT {root}: {error}") from error
    files: set[PurePosixPath] = set()

    def only_ours(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo:
        # Checked again as it is unpacked, in case the file changed since check_media;
        # tarfile's own "data" filter then drops owners and unsafe modes.
        if problem := _member_problem(member, files):
            raise tarfile.FilterError(f"{member.name!r} is {problem}")
        return tarfile.data_filter(member, destination)

    try:
        with tarfile.open(path, "r:gz") as archive:
            # Every member passes only_ours first: ruff cannot see the filter.
            archive.extractall(staged, filter=only_ours)  # noqa: S202
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        shutil.rmtree(staged, ignore_errors=True)
        raise BackupError(f"Could not unpack {path}; the media are unchanged: {error}") from error
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _swap_media(staged: Path) -> None:
    """Put the unpacked folder in MEDIA_ROOT's place and delete the old one."""
    root = media_root()
    old = root.parent / f".{root.name}.old-{secrets.token_hex(4)}"
    try:
        if root.exists():
            os.rename(root, old)
        try:
            os.rename(staged, root)
        except OSError:
            if old.exists():
                os.rename(old, root)
            raise
    except OSError as error:
        shutil.rmtree(staged, ignore_errors=True)
        raise BackupError(
            f"Could not put the restored media in place of {root}: {error}"
        ) from error
    shutil.rmtree(old, ignore_errors=True)
