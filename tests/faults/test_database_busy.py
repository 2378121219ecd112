"""A database busy past the request's wait bound (or unreachable) answers 503 with
Retry-After within the bound, instead of hanging and failing with a 500; a reader's
comment form comes back with their text, and nothing is half-written."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client

from comments import views
from comments.models import Comment, Reason, Subscription
from tests.helpers.database_lock import comments_locked


@pytest.fixture
def article(make_article):
    return make_article("Dam reservoir reaches record level")


TEXT = "The dam's new spillway was tested twice last spring, not once."


def test_requests_wait_seconds_for_a_lock_not_twenty():
    assert django_settings.DATABASE_WAIT_SECONDS <= 5
    options = connection.settings_dict["OPTIONS"]
    if connection.vendor == "postgresql":
        assert (
            f"lock_timeout={round(django_settings.DATABASE_WAIT_SECONDS * 1000)}"
            in (options["options"])
        )
    else:
        assert options["timeout"] == django_settings.DATABASE_WAIT_SECONDS


@pytest.mark.django_db(transaction=True)
def test_comment_posted_while_the_database_is_locked_is_503_with_the_text_kept(
    article, post_comment
):
    with comments_locked():
        response = post_comment(article, body=TEXT, notify="all", email="ana@example.org")

    assert response.status_code == 503
    assert response["Retry-After"] == str(django_settings.DATABASE_RETRY_AFTER)
    html = response.content.decode()
    assert "the site is very busy" in html
    assert TEXT.replace("'", "&#x27;") in html  # the reader's text, in the form again
    assert 'value="ana@example.org"' in html
    assert article.headline in html  # the comment form page of this article
    assert not Comment.objects.exists()
    assert not Reason.objects.exists()
    assert not Subscription.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_comment_sent_again_once_the_lock_is_gone_is_stored_once_with_its_reasons(
    article, post_comment
):
    with comments_locked():
        assert post_comment(article, body=TEXT).status_code == 503

    response = post_comment(article, body=TEXT)

    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.body == TEXT
    assert comment.reasons.exists()


def test_a_database_error_storing_the_subscription_stores_no_comment_either(
    article, post_comment, monkeypatch
):
    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "subscribe", busy)
    response = post_comment(article, body=TEXT, notify="all")

    assert response.status_code == 503
    assert "the site is very busy" in response.content.decode()
    assert not Comment.objects.exists()


def test_any_page_meeting_a_database_error_is_a_503_page_that_is_not_cached(article, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(views.Discussion, "of", unreachable)
    response = Client().get(f"/comments/article/{article.pk}/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(django_settings.DATABASE_RETRY_AFTER)
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Please try again in 10 seconds" in page and "Nothing you sent was saved" in page


def test_a_database_error_met_in_a_middleware_is_the_same_503(db, monkeypatch):
    # A 404 asks the old-addresses table (a middleware, after the view): the error
    # happens outside any view, where DatabaseBusyMiddleware cannot see it.
    from newsroom.redirects import middleware

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(middleware, "legacy_target", unreachable)
    response = Client(raise_request_exception=False).get("/no-such-page-at-all/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(django_settings.DATABASE_RETRY_AFTER)
    assert response["Cache-Control"] == "no-store"
    assert "Please try again in 10 seconds" in response.content.decode()
