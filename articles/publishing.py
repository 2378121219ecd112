"""Publishing: what editors do to articles, whichever screen they do it from.

Each operation moves the article's edit-conflict counter on under a row lock, so a change
form opened before it cannot overwrite its result and no two saves share a number. The
admin calls these functions and reports what they return; a refusal is a
``PublishingError`` whose message is meant for the editor.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import tasks
from .models import Article


class PublishingError(Exception):
    """The operation was refused; the message says why, in an editor's words."""


class EditConflictError(Exception):
    """A save lost the race for the article's edit-conflict counter.

    The change form's check, made under a row lock, should always catch a conflict first;
    this stops a save that got past it from overwriting someone else's work regardless.
    """


def claim_version(article: Article, opened: int | None) -> None:
    """Claim the next counter, only if it is still the one the editor opened.

    Of two saves from the same starting point exactly one can win.
    """
    claimed = Article.objects.filter(pk=article.pk, version=opened).update(version=F("version") + 1)
    if not claimed:
        raise EditConflictError(f"Article {article.pk} changed since version {opened}.")
    article.version = opened + 1


def _next_version(article: Article) -> None:
    current = Article.objects.select_for_update().filter(pk=article.pk)
    article.version = current.values_list("version", flat=True).get() + 1


def _set_status(article: Article, status: str, publish_at: datetime | None = None) -> None:
    if status == Article.Status.PUBLISHED and not article.bylines.exists():
        raise PublishingError(f"“{article}” was not published: it needs at least one author.")
    with transaction.atomic():
        article.status = status
        if publish_at is not None:
            article.publish_at = publish_at
        elif status == Article.Status.PUBLISHED and (
            article.publish_at is None or article.publish_at > timezone.now()
        ):
            article.publish_at = timezone.now()
        _next_version(article)
        article.save(update_fields=["status", "publish_at", "version", "modified_at"])
        tasks.queue_article_renditions(article)


def submit_for_review(article: Article) -> None:
    """An author's draft goes to the editors."""
    if article.status != Article.Status.DRAFT:
        raise PublishingError(f"“{article}” is not a draft.")
    _set_status(article, Article.Status.REVIEW)


def publish_now(article: Article) -> None:
    """Readers see the article from now on (a scheduled one is brought forward)."""
    _set_status(article, Article.Status.PUBLISHED)


def schedule(article: Article, when: datetime) -> None:
    """Readers see the article from ``when`` on; no cron needed (see ``published()``)."""
    if when <= timezone.now():
        raise PublishingError("Choose a publish time in the future, or publish now.")
    _set_status(article, Article.Status.PUBLISHED, publish_at=when)


def unpublish(article: Article) -> None:
    """Back to draft; readers no longer see it (and it stops leading the home page)."""
    _set_status(article, Article.Status.DRAFT)


def make_lead(article: Article, until: datetime | None = None) -> None:
    """Lead the home page with this article; the one that led before steps down."""
    if article.status != Article.Status.PUBLISHED:
        raise PublishingError(
            f"“{article}” cannot lead: only a published or scheduled article can."
        )
    _set_lead(article, True, until)


def stop_leading(article: Article) -> bool:
    """The newest article leads again. False when this one was not the lead."""
    if not article.is_lead:
        return False
    _set_lead(article, False, None)
    return True


def _set_lead(article: Article, is_lead: bool, until: datetime | None) -> None:
    with transaction.atomic():
        _next_version(article)
        article.is_lead = is_lead
        article.lead_until = until
        article.save(update_fields=["is_lead", "lead_until", "version", "modified_at"])
