from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsroom.backups import operations as backups


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

    def handle(self, *args, path, media, database, **options):
        try:
            kind = backups.vendor(database)
            if media:
                backups.media_folder()  # refused before anything is written
            if path is None:
                path = backups.default_path(kind)
                Path(settings.BACKUP_DIR).mkdir(parents=True, exist_ok=True)
            else:
                path = Path(path)  # call_command(..., path="…") skips argparse's type
                if path.is_dir():
                    path = path / backups.default_path(kind).name
            backups.backup_database(path, database)
            self.stdout.write(
                f"Wrote {path} ({backups.human_size(path)}): {backups.KIND_NAMES[kind]}."
            )
            if media:
                archive = backups.media_path(path)
                backups.backup_media(archive)
                self.stdout.write(
                    f"Wrote {archive} ({backups.human_size(archive)}): "
                    f"media files from {settings.MEDIA_ROOT}."
                )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
