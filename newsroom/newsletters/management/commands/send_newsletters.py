from django.core.management.base import BaseCommand, CommandError

from newsroom.newsletters import tasks


class Command(BaseCommand):
    help = (
        "Draft the newsletter editions whose time has come and send those of newsletters "
        "that send themselves, now. With --schedule, instead queue the task worker's "
        "newsletter clock, which does it at every send time (safe at every deploy)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the newsletter clock (needs a task backend that runs tasks later).",
        )

    def handle(self, *args, schedule, **options):
        if schedule:
            if tasks.schedule():
                self.stdout.write("Queued the newsletter clock.")
            elif tasks.is_scheduled():
                self.stdout.write("The newsletter clock is already queued.")
            else:
                raise CommandError(
                    "The task backend cannot run tasks later, so the clock was not queued: "
                    "set TASKS_BACKEND=django_tasks_db.DatabaseBackend and run "
                    "`manage.py db_worker`, or run this command without --schedule from cron."
                )
            return
        done = tasks.run_clock()
        self.stdout.write(
            f"Drafted {done['drafted']} edition(s), started sending {done['started']}, "
            f"resumed {done['resumed']}."
        )
