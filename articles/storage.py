"""When media storage fails: a form error that says so, and no file or row left half-made.

An upload is stored while its form is validated (``store``), not later inside the
model's save, so a read-only or full storage is a message beside the field, with the
rest of the form kept, instead of a server error after the editor's work is gone. A
file stored by a request whose transaction then rolls back (the database was busy) is
removed again, and so is one stored for a form that was then refused for another
reason (a block further down was invalid): ``uploads_removed_unless_saved``. A write
that failed part-way leaves no partial file behind.
"""

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

logger = logging.getLogger(__name__)

try:  # S3-style storage raises botocore's errors, not OSError
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - botocore comes with the S3 extra
    STORAGE_ERRORS = (OSError,)

WHY = {
    errno.EROFS: "the media storage is read-only",
    errno.ENOSPC: "the media storage is full",
    errno.EDQUOT: "the media storage is full",
    errno.EACCES: "the media storage refuses to write",
    errno.EPERM: "the media storage refuses to write",
}


def problem(error: BaseException) -> str:
    """The storage failure in words an editor can pass on."""
    return WHY.get(getattr(error, "errno", None), "the media storage is not available")


def refusal(error: BaseException, what: str = "photo") -> str:
    return (
        f"The {what} could not be stored: {problem(error)}. Nothing was saved; try again "
        "later or tell the site's operator."
    )


# The files stored by the request being handled: (storage, name), and whether it saved.
class _Stored(list):
    saved = False


_stored: ContextVar[_Stored | None] = ContextVar("stored_uploads", default=None)


@contextmanager
def uploads_removed_unless_saved() -> Iterator[None]:
    """Files stored inside this block are removed again unless ``uploads_saved()`` was
    called in it and it ended without an error (which rolled back the transaction of
    their row: the admin's views wrap the save in one): no file without its row."""
    stored = _Stored()
    token = _stored.set(stored)
    try:
        yield
    except BaseException:
        stored.saved = False
        raise
    finally:
        _stored.reset(token)
        if not stored.saved:
            for storage, name in stored:
                _delete(storage, name)


def uploads_saved() -> None:
    """The rows of the files stored so far are saved: keep the files (unless the block
    still ends in an error)."""
    stored = _stored.get()
    if stored is not None:
        stored.saved = True


def store(field_file) -> None:
    """Store an assigned, not yet stored upload (``instance.image`` after a form bound it)
    under its final name. Raises one of ``STORAGE_ERRORS``, having removed any part of
    the file the storage wrote."""
    field = field_file.field
    wanted = field.generate_filename(field_file.instance, field_file.name)
    # What FieldFile.save does, without its own renaming.
    field_file.name = save(field_file.storage, wanted, field_file.file, field.max_length)
    setattr(field_file.instance, field_file.field.attname, field_file.name)
    field_file._committed = True
    stored = _stored.get()
    if stored is not None:
        stored.append((field_file.storage, field_file.name))


def save(storage, wanted: str, content, max_length: int | None = None) -> str:
    """``storage.save``, leaving nothing behind when it fails: raises one of
    ``STORAGE_ERRORS`` after removing any part of the file the storage wrote."""
    # The name the storage will use, known beforehand so a part-written file can be found.
    name = storage.get_available_name(wanted, max_length=max_length)
    try:
        return storage.save(name, content, max_length=max_length)
    except STORAGE_ERRORS:
        _delete(storage, name, only_if_exists=True)
        raise


def _delete(storage, name: str, *, only_if_exists: bool = False) -> None:
    try:
        if not only_if_exists or storage.exists(name):
            storage.delete(name)
    except Exception:  # the storage is failing: one file left over, logged
        logger.warning("Could not remove %s from media storage", name, exc_info=True)
