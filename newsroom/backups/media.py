"""Media (uploaded photos and their renditions): an archive of MEDIA_ROOT, checked member
by member before it is trusted, unpacked beside MEDIA_ROOT and then swapped in."""

import os
import secrets
import shutil
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages

from .errors import BackupError
from .files import atomic_file


def folder() -> Path:
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


def backup(path: Path) -> None:
    """Archive MEDIA_ROOT (uploaded photos and their renditions) into a .tar.gz."""
    root = folder()
    with atomic_file(path) as temporary, tarfile.open(temporary, "w:gz") as archive:
        archive.add(root, arcname=".")


def root() -> Path:
    """The folder a media restore replaces: MEDIA_ROOT, through any symlink to it."""
    _refuse_remote_media("restore them with that storage's own tools, and restore without --media.")
    media_root = Path(os.path.realpath(settings.MEDIA_ROOT))
    if media_root.exists() and not media_root.is_dir():
        raise BackupError(f"MEDIA_ROOT {media_root} is not a folder.")
    if os.path.ismount(media_root):
        # A mount point cannot be renamed, so it cannot be swapped for the restored copy.
        raise BackupError(
            f"MEDIA_ROOT {media_root} is a mount point, which restore cannot swap. Restore "
            "without --media, empty the folder and unpack the archive into it with tar."
        )
    return media_root


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


def check(path: Path) -> None:
    """Refuse anything but a media archive that ``backup`` could have written.

    Only folders, files and hard links to files earlier in the archive are accepted, all
    below its top folder ``.``: an absolute name, ``..``, a symbolic link or a device
    file is refused, whatever it points at, rather than trusted to extraction alone.
    """
    root()
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


def stage(path: Path) -> Path:
    """Unpack the archive into a new hidden folder beside MEDIA_ROOT; return that folder."""
    staged = _staging_folder(root())
    files: set[PurePosixPath] = set()

    def only_ours(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo:
        # Checked again as it is unpacked, in case the file changed since check();
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


def _staging_folder(media_root: Path) -> Path:
    try:
        media_root.parent.mkdir(parents=True, exist_ok=True)
        staged = media_root.parent / f".{media_root.name}.restoring-{secrets.token_hex(4)}"
        staged.mkdir()  # the usual mode for a new folder, unless MEDIA_ROOT had its own
        if media_root.is_dir():
            staged.chmod(media_root.stat().st_mode & 0o7777)
    except OSError as error:
        raise BackupError(
            f"Cannot make a folder beside MEDIA_ROOT {media_root}: {error}"
        ) from error
    return staged


class OldMediaSetAside(OSError):
    """The swap failed, and so did putting the old media back: they are in ``folder``."""

    def __init__(self, folder: Path, cause: OSError):
        super().__init__(f"{cause}; moving the old media back failed too")
        self.folder = folder


def swap(staged: Path) -> None:
    """Put the unpacked folder in MEDIA_ROOT's place and delete the old one.

    Raises OSError if it cannot; the old media are then back in MEDIA_ROOT, unless the
    error is OldMediaSetAside. The caller deletes ``staged``.
    """
    media_root = root()
    old = media_root.parent / f".{media_root.name}.old-{secrets.token_hex(4)}"
    if media_root.exists():
        os.rename(media_root, old)
    try:
        os.rename(staged, media_root)
    except OSError as error:
        if old.exists():
            try:
                os.rename(old, media_root)
            except OSError:
                raise OldMediaSetAside(old, error) from error
        raise
    shutil.rmtree(old, ignore_errors=True)
