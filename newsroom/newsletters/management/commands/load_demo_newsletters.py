from datetime import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.models import Region
from newsroom.newsletters import editions
from newsroom.newsletters.models import Newsletter

# (slug, name, description, cadence, send time, weekday, regions, intro, sends itself)
NEWSLETTERS = [
    (
        "morning-briefing", "The Morning Briefing",
        "Every morning at seven: the stories that matter, in five minutes.",
        Newsletter.Cadence.DAILY, time(7), 0, [],
        "Good morning. Here is what our reporters found while you slept.", False,
    ),
    (
        "levant-weekly", "Levant Weekly",
        "Every Friday: the week in Iraq, Syria, Lebanon and Jordan, from our correspondents.",
        Newsletter.Cadence.WEEKLY, time(16), 4, ["Iraq", "Syria", "Lebanon", "Jordan"],
        "The week's reporting from the Levant, gathered by our regional desk.", True,
    ),
    (
        "breaking-news", "Breaking news",
        "A short alert when a major story breaks; rarely more than one a week.",
        Newsletter.Cadence.ON_PUBLISH, time(7), 0, [], "", False,
    ),
]  # fmt: skip


class Command(BaseCommand):
    help = "Create the demo newsletters (a daily briefing, a weekly regional edition, "
    "breaking news) and a draft of the briefing's next edition. Safe to run again."

    def handle(self, *args, **options):
        made = 0
        for order, row in enumerate(NEWSLETTERS):
            slug, name, description, cadence, at, weekday, regions, intro, itself = row
            fields = {"name": name, "description": description, "cadence": cadence,
                      "send_time": at, "weekday": weekday, "intro": intro,
                      "sends_itself": itself, "order": order}  # fmt: skip
            newsletter, created = Newsletter.objects.get_or_create(slug=slug, defaults=fields)
            if created:
                newsletter.regions.set(Region.objects.filter(name__in=regions))
                made += 1
        briefing = Newsletter.objects.get(slug="morning-briefing")
        if not briefing.editions.exists():
            editions.draft(briefing, until=timezone.now())
        self.stdout.write(f"Demo newsletters: {made} created, {len(NEWSLETTERS) - made} there.")
