"""Abuse limits: the rate limit comes before anything stores a row."""

import time

import pytest
from django.core import signing

from comments.forms import FORM_SALT
from comments.models import Comment, Reason

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client):
    """POST the comment form from one client address, with a form old enough to pass."""

    def send(article, ip="203.0.113.9", **fields):
        token = signing.dumps({"a": article.pk, "t": int(time.time()) - 60}, salt=FORM_SALT)
        data = {"name": "Reader", "email": "reader@example.org", "body": "A comment."}
        data |= {"ts": token, "website": "", "notify": ""} | fields
        return client.post(f"/comments/article/{article.pk}/post/", data, REMOTE_ADDR=ip)

    return send


# --- The rate limit before the honeypot ------------------------------------------------------


def test_sixty_honeypot_posts_from_one_address_store_at_most_the_limit(
    make_article, post, settings
):
    settings.COMMENTS_RATE_LIMITS = [(5, 60), (30, 3600)]
    article = make_article()
    answers = [
        post(article, email=f"bot{n}@example.org", body=f"Buy {n}", website="http://spam.example")
        for n in range(60)
    ]

    assert Comment.objects.count() == 5
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.SPAM}
    assert [answer.status_code for answer in answers] == [303] * 5 + [429] * 55


def test_posts_refused_by_later_steps_count_against_the_limit(make_article, post, settings):
    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    article = make_article()
    assert post(article, body="Same words.").status_code == 303
    assert post(article, body="Same words.").status_code == 409  # a duplicate, refused
    assert post(article, body="New words.").status_code == 429
    assert (
        post(article, body="New words.", ip="198.51.100.1", email="other@example.org").status_code
        == 303
    )


def test_spam_stored_within_the_limit_keeps_its_honeypot_reason(make_article, post):
    article = make_article()
    post(article, website="http://spam.example")
    assert Reason.objects.get().code == Reason.Code.HONEYPOT
