"""A comment spike: many readers posting at once lose nothing and break nothing."""

import threading

import pytest
from django.db import connections
from django.test import Client

from comments.models import Comment
from comments.readers import VERIFIED_COOKIE, VERIFIED_SALT
from tests.helpers.cookies import signed_cookie

THREADS, POSTS = 16, 25


@pytest.mark.django_db(transaction=True)
def test_sixteen_readers_posting_twenty_five_comments_at_once(
    article, make_comment, old_token, settings, confirmed_address, monkeypatch
):
    settings.COMMENTS_RATE_LIMITS = []
    # Every post must get its turn: this is about order and loss, not the busy bound (a
    # shared test machine can make 400 writers wait past a few seconds; see tests/faults).
    if connections["default"].vendor == "sqlite":
        monkeypatch.setitem(connections.settings["default"]["OPTIONS"], "timeout", 60)
    token = old_token(article.pk)
    # Half the readers are trusted (a confirmed address and an approved comment before).
    for reader in range(0, THREADS, 2):
        make_comment(article, email=f"reader{reader}@example.org", body="Earlier.")
        confirmed_address(f"reader{reader}@example.org")
    before = Comment.objects.approved().count()
    statuses: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def reader(number: int):
        try:
            browser = Client()
            email = f"reader{number}@example.org"
            if number % 2 == 0:
                browser.cookies[VERIFIED_COOKIE] = signed_cookie(
                    VERIFIED_COOKIE, VERIFIED_SALT, email
                )
                browser.cookies["csrftoken"] = "x" * 32
            start.wait()
            for post in range(POSTS):
                data = {
                    "name": f"Reader {number}",
                    "email": email,
                    "ts": token,
                    "body": f"Comment {post} from reader {number}",
                }
                if number % 2 == 0:  # a verified browser is CSRF-checked
                    data["csrfmiddlewaretoken"] = "x" * 32
                response = browser.post(f"/comments/article/{article.pk}/post/", data)
                statuses.append(response.status_code)
        except BaseException as error:  # reported below, with the thread's own traceback
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=reader, args=(n,)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    assert statuses == [303] * (THREADS * POSTS)
    posted = Comment.objects.exclude(body="Earlier.")
    assert posted.count() == THREADS * POSTS
    trusted = THREADS // 2 * POSTS
    assert posted.filter(status="approved").count() == trusted
    assert posted.filter(status="pending").count() == THREADS * POSTS - trusted
    html = Client().get(article.get_absolute_url()).content.decode()
    assert f'Comments <span class="count">({before + trusted})</span>' in html
