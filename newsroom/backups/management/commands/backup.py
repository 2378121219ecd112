from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsroom.backups import database, files, media
from newsroom.backups.errors import BackupError


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database while the site keeps running: SQLite "
        "through its online backup API, PostgreSQL through pg_dump (custom format). "
        "Uploaded media are not in it; add --media for an archive of MEDIA_ROOT."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="File to write, or a folder for the default name (default: BACKUP_DIR/"
            "newsroom-<UTC time>.sqlite3 or .pgdump). An existing file is never overwritten.",
        )
        parser.add_argument(
            "--media",
            action="store_true",
            help="Also archive MEDIA_ROOT into <name>.media.tar.gz beside the database copy.",
        )
        parser.add_argument(
            "--database", default="default", help="Database alias (default: %(default)s)."
        )

    def handle(self, *args, path, **options):
        alias, with_media = options["database"], options["media"]
        try:
            kind = database.vendor(alias)
            if with_media:
                media.folder()  # refused before anything is written
            if path is None:
                path = files.default_path(kind)
                Path(settings.BACKUP_DIR).mkdir(parents=True, exist_ok=True)
            else:
                path = Path(path)  # call_command(..., path="…") skips argparse's type
                if path.is_dir():
                    path = path / files.default_path(kind).name
            database.backup(path, alias)
            self.stdout.write(
                f"Wrote {path} ({files.human_size(path)}): {database.KIND_NAMES[kind]}."
            )
            if with_media:
                archive = files.media_path(path)
                media.backup(archive)
                self.stdout.write(
                    f"Wrote {archive} ({files.human_size(archive)}): "
                    f"media files from {settings.MEDIA_ROOT}."
                )
        except BackupError as error:
            raise CommandError(str(error)) from error
