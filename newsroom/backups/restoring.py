"""A restore as the operator runs it: check everything, ask, then replace the database
and, with its archive, the media; the media are swapped in only once the database is
restored."""

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
    any step before that leaves both as they were.
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
        _swap_media(staged)
    return True


def _swap_media(staged: Path) -> None:
    try:
        media.swap(staged)
    except OSError as error:
        shutil.rmtree(staged, ignore_errors=True)
        raise BackupError(
            f"Could not put the restored media in place of {media.root()}: {error}"
        ) from error
