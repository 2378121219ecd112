from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsroom import backups


class Command(BaseCommand):
    help = (
        "Replace the database with a copy made by `manage.py backup` (SQLite: written "
        "back through SQLite's backup API; PostgreSQL: pg_restore --clean in one "
        "transaction). Stop the app servers and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A file written by `manage.py backup`.")
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

    def handle(self, *args, path, interactive, database, **options):
        path = Path(path)

        def confirm() -> bool:
            answer = input(
                f"This replaces everything in {target} with the backup {path}; what was "
                "written since that backup is lost.\n"
                "Type 'yes' to continue, or 'no' to cancel: "
            )
            return answer.strip().lower() == "yes"

        try:
            target = backups.describe(database)
            # The file is checked before anyone is asked anything.
            restored = backups.restore_database(path, database, confirm if interactive else None)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        if not restored:
            self.stdout.write("Restore cancelled.")
            return
        self.stdout.write(
            f"Restored {target} from {path}. If the backup is older than this code, run "
            "`python manage.py migrate`."
        )
