from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsroom.backups import database, files, media, restoring
from newsroom.backups.errors import BackupError


class Command(BaseCommand):
    help = (
        "Replace the database with a copy made by `manage.py backup` (SQLite: written "
        "back through SQLite's backup API; PostgreSQL: pg_restore --clean in one "
        "transaction). With --media, MEDIA_ROOT is replaced by the media archive made "
        "with the backup. Stop the app servers and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A file written by `manage.py backup`.")
        parser.add_argument(
            "--media",
            action="store_true",
            help="Also replace MEDIA_ROOT with <name>.media.tar.gz, written beside the backup "
            "by `backup --media`. Files not in the archive are deleted.",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--database", default="default", help="Database alias (default: %(default)s)."
        )

    def handle(self, *args, path, interactive, **options):
        alias, path = options["database"], Path(path)
        archive = files.media_path(path) if options["media"] else None

        def confirm() -> bool:
            if archive is None:
                replaced = f"everything in {target} with the backup {path}; what was written"
            else:
                replaced = (
                    f"everything in {target} and in the media folder {media.root()} "
                    f"with the backup {path} and its media archive {archive}; what was "
                    "written or uploaded"
                )
            answer = input(
                f"This replaces {replaced} since that backup is lost.\n"
                "Type 'yes' to continue, or 'no' to cancel: "
            )
            return answer.strip().lower() == "yes"

        try:
            target = database.describe(alias)
            # The files are checked before anyone is asked anything.
            restored = restoring.restore(
                path, alias, confirm if interactive else None, media_archive=archive
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        if not restored:
            self.stdout.write("Restore cancelled.")
            return
        self.stdout.write(
            f"Restored {target} from {path}. If the backup is older than this code, run "
            "`python manage.py migrate`."
        )
        if archive is not None:
            self.stdout.write(f"Restored the media in {media.root()} from {archive}.")
