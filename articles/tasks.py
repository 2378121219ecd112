"""Work done off the request path: a photo's renditions.

Encoding a dozen WebP and JPEG copies of a photo takes seconds, so it never happens in a
page view, nor in the editor's save: a task is queued once the save has committed (run
by ``manage.py db_worker`` in production, at once with the immediate backend). Until it
has run, pages show the original upload, which is already re-encoded and size-capped.
"""

from functools import partial

from django.db import transaction
from django.db.models import Q
from django_tasks import task

from . import images
from .signals import content_changed


@task()
def build_photo_renditions(photo_id: int) -> bool:
    """Make a photo's renditions unless they exist; True when this run made them."""
    from .models import Photo

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or not images.build_renditions(photo):
        return False
    # Cached pages were stored with the original's markup; new ones get the srcset.
    content_changed.send(sender=Photo, instance=photo)
    return True


def queue_renditions(*photos) -> int:
    """Queue renditions, after the current transaction commits, for photos lacking them.

    Photos whose renditions match their image are skipped, so this is cheap to call on
    every save. Returns how many tasks will be queued.
    """
    wanted = sorted(
        {
            photo.pk
            for photo in photos
            if photo is not None
            and photo.pk
            and photo.image
            and not images.renditions_current(photo)
        }
    )
    for photo_id in wanted:
        transaction.on_commit(partial(build_photo_renditions.enqueue, photo_id))
    return len(wanted)


def queue_article_renditions(article) -> int:
    """A published (or scheduled) article's lead and body photos get their renditions."""
    from .models import Article, Photo

    if article.status != Article.Status.PUBLISHED:
        return 0
    used = Q(pk__in=article.body_photos.values("photo"))
    if article.lead_photo_id:
        used |= Q(pk=article.lead_photo_id)
    return queue_renditions(*Photo.objects.filter(used).only("image", "renditions"))
