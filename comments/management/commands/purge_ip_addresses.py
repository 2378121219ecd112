from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from comments import retention


class Command(BaseCommand):
    help = (
        "Forget the IP addresses of comments and reports older than "
        "COMMENTS_IP_RETENTION_DAYS, now. With --schedule, instead queue the daily task that "
        "does it (safe to run at every deploy: it queues one only when none is waiting)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the daily task (needs a task backend that runs tasks later).",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=retention.BATCH,
            help=f"Rows cleared per transaction (default {retention.BATCH}).",
        )

    def handle(self, *args, schedule, batch, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        days = settings.COMMENTS_IP_RETENTION_DAYS
        if days < 1:
            raise CommandError(f"COMMENTS_IP_RETENTION_DAYS must be at least 1, not {days}.")
        if schedule:
            return self.schedule()
        cleared = retention.forget_ip_addresses(batch=batch)
        self.stdout.write(
            f"Forgot the IP addresses of {cleared['comments']} comment(s) and "
            f"{cleared['reports']} report(s) made before "
            f"{retention.cutoff():%Y-%m-%d %H:%M} UTC ({days} days ago)."
        )

    def schedule(self):
        if retention.schedule(delay=timedelta(0)):
            self.stdout.write("Queued the daily task that forgets old IP addresses.")
        elif retention.is_scheduled():
            self.stdout.write("The daily task that forgets old IP addresses is already queued.")
        else:
            raise CommandError(
                "The task backend cannot run tasks later, so no daily task was queued: set "
                "TASKS_BACKEND=django_tasks_db.DatabaseBackend, or run this command daily "
                "without --schedule."
            )
