from django.core.management.base import BaseCommand

from articles import images
from articles.models import Photo
from articles.signals import content_changed


class Command(BaseCommand):
    help = (
        "Make the responsive renditions of photos that lack them (e.g. after a restore or "
        "an import). Photos whose renditions match their image are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild every photo's.")

    def handle(self, *args, force, **options):
        built = failed = 0
        for photo in Photo.objects.order_by("pk").iterator():
            if images.build_renditions(photo, force=force):
                built += 1
            elif photo.image and not images.renditions_current(photo):
                failed += 1
        if built:
            # Cached pages made before now lack the new srcsets.
            content_changed.send(sender=Photo)
        self.stdout.write(f"Renditions built for {built} photo(s); {failed} could not be read.")
