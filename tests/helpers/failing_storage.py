"""Media storage that fails the way a disk does: read-only, or full part-way through."""

import errno
import os

from django.core.files.storage import FileSystemStorage

# Which failure the next writes meet: an errno, or None to write normally.
failure = {"errno": None}


class FailingStorage(FileSystemStorage):
    """A FileSystemStorage whose writes fail with ``failure["errno"]``. A full disk takes
    the first bytes of the file before refusing the rest, as a real one does."""

    def _save(self, name, content):
        code = failure["errno"]
        if code is None:
            return super()._save(name, content)
        if code == errno.ENOSPC:
            path = self.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "xb") as partial:
                partial.write(content.read(10))
        raise OSError(code, os.strerror(code), name)
