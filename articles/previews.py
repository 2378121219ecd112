"""Shared draft previews: a signed link that shows one article, whatever its status."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

PREVIEW_SALT = "articles.preview"


def preview_token(article) -> str:
    """A signed token that shows one article until it expires (``PREVIEW_MAX_AGE``)."""
    return signing.dumps(article.pk, salt=PREVIEW_SALT, compress=True)


def preview_url(article) -> str:
    return reverse("articles:preview", args=[preview_token(article)])


def previewed_article_id(token: str) -> int:
    """The article a token shows; ``signing.BadSignature`` when invalid or expired."""
    return signing.loads(token, salt=PREVIEW_SALT, max_age=settings.PREVIEW_MAX_AGE)
