from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from comments import notifications


class Command(BaseCommand):
    help = (
        "Queue the notification and confirmation mails that could not be queued while the "
        "task queue was down. Safe to run often (from cron): a mail is queued only once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="Only comments approved in the last this many days (default 7).",
        )

    def handle(self, *args, days, **options):
        since = timezone.now() - timedelta(days=days)
        comments, confirmations = notifications.queue_pending(since)
        self.stdout.write(
            f"Queued notifications of {comments} comment(s) and {confirmations} "
            "confirmation mail(s)."
        )
