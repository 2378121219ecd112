"""Who may do what to an article: the rules the admin enforces, in one place.

Editors (``articles.publish_article``) work on everything. Authors work on their own
articles (created by them, or carrying their byline) until those are published, and never
publish, schedule, lead or unpublish.
"""

from django.db.models import Q

from .models import Article


def can_publish(user) -> bool:
    return user.has_perm("articles.publish_article")


def can_edit(user, article: Article | None) -> bool:
    """Publishers edit everything; authors only their own articles until published."""
    if article is None or can_publish(user):
        return True
    if article.status == Article.Status.PUBLISHED:
        return False
    return Article.objects.editable_by(user).filter(pk=article.pk).exists()


def can_change_photo(user, photo) -> bool:
    """A photo on a published (or scheduled) article is part of that page: changing its
    image, caption or credit is an editor's decision, as editing the article is."""
    if photo is None or can_publish(user):
        return True
    return not (
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .filter(Q(lead_photo=photo) | Q(body_photos__photo=photo))
        .exists()
    )
