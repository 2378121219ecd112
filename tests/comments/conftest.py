import time

import pytest
from django.core.cache import cache

from comments.forms import form_token
from comments.models import Comment


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and the word-list version live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article(make_article, make_author):
    return make_article(
        "Dam reservoir reaches record level",
        authors=[make_author()],
        body="<p>First paragraph.</p>\n<p>Second paragraph.</p>",
    )


@pytest.fixture
def old_token(settings):
    """A form token made long enough ago to pass the too-fast check."""

    def make(article_id: int, age: float | None = None) -> str:
        real = time.time
        age = settings.COMMENTS_MIN_SECONDS + 5 if age is None else age
        try:
            time.time = lambda: real() - age
            return form_token(article_id)
        finally:
            time.time = real

    return make


@pytest.fixture
def post_comment(client, old_token):
    """POST the comment form as a reader's browser would, filling what a person fills."""

    def post(article, using=None, **fields):
        data = {
            "name": "Reader One",
            "email": "reader@example.org",
            "body": "A thoughtful comment.",
            "notify": "",
            "parent": "",
            "anchor": "",
            "excerpt": "",
            "website": "",
            "ts": old_token(article.pk),
        }
        data.update(fields)
        return (using or client).post(
            f"/comments/article/{article.pk}/post/",
            data,
            REMOTE_ADDR=fields.pop("ip", "203.0.113.7"),
        )

    return post


@pytest.fixture
def make_comment(db):
    def make(article, **kwargs):
        kwargs.setdefault("name", "Commenter")
        kwargs.setdefault("email", "commenter@example.org")
        kwargs.setdefault("body", "Words.")
        kwargs.setdefault("body_html", f"<p>{kwargs['body']}</p>")
        kwargs.setdefault("status", Comment.Status.APPROVED)
        kwargs.setdefault("notified_at", None)
        return Comment.objects.create(article=article, **kwargs)

    return make
