"""Work done off the request path: a photo's renditions.

Encoding a dozen WebP and JPEG copies of a photo takes seconds, so it never happens in a
page view, nor in the editor's save: a task is queued once the save has committed (run
by ``manage.py db_worker`` in production, at once with the immediate backend). Until it
has run, pages show the original upload, which is already re-encoded and size-capped.
"""

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from . import images
from .signals import content_changed

logger = logging.getLogger(__name__)

# A media storage that failed (full, read-only, unreachable) is tried again this much
# later, times the attempt; after the last, `manage.py build_renditions` makes them.
RETRY_DELAY = timedelta(minutes=10)
MAX_ATTEMPTS = 5


@task()
def build_photo_renditions(photo_id: int, attempt: int = 1) -> bool:
    """Make a photo's renditions unless they exist; True when this run made them."""
    from .models import Photo

    photo = Photo.objects.filter(pk=photo_id).first()
    try:
        built = photo is not None and images.build_renditions(photo)
    except images.StorageFailed as error:
        retry_renditions(photo_id, attempt, error)
        return False
    if not built:
        return False
    # Cached pages were stored with the original's markup; new ones get the srcset.
    content_changed.send(sender=Photo, instance=photo)
    return True


def retry_renditions(photo_id: int, attempt: int, error: Exception) -> None:
    """Pages show the original meanwhile, so a failed storage only delays the renditions."""
    later = attempt < MAX_ATTEMPTS and default_task_backend.supports_defer
    logger.warning(
        "Renditions for photo %s not stored (%s); %s",
        photo_id,
        error,
        "trying again later" if later else "`manage.py build_renditions` makes them later",
    )
    if later:
        run_after = timezone.now() + RETRY_DELAY * attempt
        enqueue_or_log(build_photo_renditions.using(run_after=run_after), photo_id, attempt + 1)


def enqueue_or_log(task_, *args) -> None:
    """Queue a task; a task queue that is down is logged, never the editor's error: the
    photo is saved, and pages show its original until renditions exist."""
    try:
        task_.enqueue(*args)
    except Exception:  # the backend's own errors (its table, its broker) are many
        logger.exception(
            "Could not queue %s%s; `manage.py build_renditions` makes what is missing",
            task_.name,
            args,
        )


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
        transaction.on_commit(partial(enqueue_or_log, build_photo_renditions, photo_id))
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
