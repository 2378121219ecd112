"""A restore as the operator runs it: check everything, ask, then replace the database
and, with its archive, the media; the media are swapped in only once the database is
restored."""

import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

from . import database, media
from .errors import BackupError


def restore(
    path: Path,
    alias: str = "default",
    confirm: Callable[[], bool] | None = None,
    media_archive: Path | None = None,
) -> bool:
    """Replace database ``alias`` with the backup at ``path``, once it passed the checks
    and ``confirm()``, if given, returned true. Returns whether it was restored.

    With ``media_archive``, an archive written by media.backup, MEDIA_ROOT is replaced
    too. The archive is checked before ``confirm()`` and unpacked before the database is
    touched; MEDIA_ROOT is swapped only once the database is restored, so a failure at
    any step before that leaves both as they were. If the swap itself fails, the error
    says that the database was restored and the media were not, and how to finish.
    """
    kind = database.check(path, alias)
    if media_archive is not None:
        media.check(media_archive)
    if confirm is not None and not confirm():
        return False
    staged = media.stage(media_archive) if media_archive is not None else None
    try:
        database.restore(path, kind, alias)
    except BaseException:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    if staged is not None:
        try:
            media.swap(staged)
        except (OSError, BackupError) as error:
            shutil.rmtree(staged, ignore_errors=True)
            raise BackupError(_half_restored(path, alias, media_archive, error)) from error
    return True


def _half_restored(path: Path, alias: str, archive: Path, error: Exception) -> str:
    """What an operator must know when the database is restored but the media are not."""
    root = media.root()
    again = ["python", "manage.py", "restore", str(path), "--media"]
    if alias != "default":
        again += ["--database", alias]
    unpack = f"tar -xzf {shlex.quote(str(archive))} -C {shlex.quote(str(root))}"
    if isinstance(error, media.OldMediaSetAside):
        state = f"The old media are no longer in {root}: they are in {error.folder}."
    elif root.exists():
        state = (
            f"The old media are still in place in {root}, so photos and renditions do not "
            "match the restored database yet."
        )
    else:
        state = f"{root} still does not exist."
    if root.exists():
        by_hand = f"empty {root} and unpack the archive into it by hand: {unpack}"
    else:
        by_hand = f"unpack the archive by hand: mkdir -p {shlex.quote(str(root))} && {unpack}"
    return "\n".join(
        [
            f"The database WAS restored from {path}, but the media were NOT restored: "
            f"could not put the unpacked media in place of {root}: {error}",
            state,
            "To finish, run the restore again (it restores the same database once more): "
            + shlex.join(again),
            f"or {by_hand}",
            "If the backup is older than this code, also run `python manage.py migrate`.",
        ]
    )
