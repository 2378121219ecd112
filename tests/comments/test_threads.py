"""Threads: order, depth, flat replies past the cap, paging, and constant queries."""

import pytest

from comments.models import Comment
from comments.threads import Discussion
from tests.helpers.queries import count_queries

pytestmark = pytest.mark.django_db


def names(thread):
    return [(entry.comment.name, entry.depth, entry.reply_to) for entry in thread]


def test_replies_nest_under_their_parents_in_order(article, make_comment):
    root = make_comment(article, name="Root")
    first = make_comment(article, name="First reply", parent=root)
    make_comment(article, name="Reply to first", parent=first)
    make_comment(article, name="Second reply", parent=root)
    [thread] = Discussion.of(article).threads
    assert names(thread) == [
        ("Root", 0, ""),
        ("First reply", 1, ""),
        ("Reply to first", 2, ""),
        ("Second reply", 1, ""),
    ]


def test_replies_past_the_depth_cap_are_shown_flat_with_whom_they_answer(
    article, make_comment, settings
):
    settings.COMMENTS_MAX_DEPTH = 2
    parent = make_comment(article, name="L0")
    for level in range(1, 5):
        parent = make_comment(article, name=f"L{level}", parent=parent)
    [thread] = Discussion.of(article).threads
    assert names(thread) == [
        ("L0", 0, ""),
        ("L1", 1, ""),
        ("L2", 2, ""),
        ("L3", 2, "L2"),
        ("L4", 2, "L3"),
    ]


def test_editors_picks_come_first_then_newest_threads(article, make_comment):
    make_comment(article, name="Old")
    make_comment(article, name="Picked", is_featured=True)
    make_comment(article, name="New")
    order = [thread[0].comment.name for thread in Discussion.of(article).threads]
    assert order == ["Picked", "New", "Old"]


def test_only_approved_comments_are_shown_and_counted(client, article, make_comment):
    make_comment(article, body="Visible words")
    for status in ("pending", "rejected", "spam", "removed"):
        make_comment(article, body=f"Hidden {status}", status=status)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Visible words" in html and "Hidden" not in html
    assert 'Comments <span class="count">(1)</span>' in html
    assert "View all comments" not in html  # every thread is already on the page


def test_reply_to_a_hidden_comment_still_shows(article, make_comment):
    hidden = make_comment(article, name="Gone", status="removed")
    make_comment(article, name="Orphan", parent=hidden)
    assert [t[0].comment.name for t in Discussion.of(article).threads] == ["Orphan"]


def test_featured_comment_is_marked_on_the_page(client, article, make_comment):
    make_comment(article, is_featured=True)
    assert "Editor's pick" in client.get(article.get_absolute_url()).content.decode()


def test_article_page_shows_first_page_of_threads_and_comments_page_the_rest(
    client, article, make_comment, settings
):
    settings.COMMENTS_THREADS_PER_PAGE = 3
    for i in range(7):
        make_comment(article, body=f"Thread number {i}")
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('class="thread"') == 3
    assert "View all comments (7)" in html
    url = f"/comments/article/{article.pk}/"
    pages = [client.get(url, {"page": n}) for n in (1, 2, 3)]
    assert [page.content.decode().count('class="thread"') for page in pages] == [3, 3, 1]
    assert client.get(url, {"page": 4}).status_code == 404
    assert client.get(url, {"page": "x"}).status_code == 404


def add_comments(article, n):
    """n approved comments, each thread a chain of five replies, some on a passage."""
    parent = None
    for i in range(n):
        parent = Comment.objects.create(
            article=article,
            name=f"Reader {i}",
            email=f"r{i}@example.org",
            body="Words",
            body_html="<p>Words</p>",
            status="approved",
            parent=parent if i % 5 else None,
            anchor="quote-1" if i % 7 == 0 else "",
        )


def test_article_page_queries_do_not_grow_with_comments(client, article, make_comment):
    """On a page-cache miss (say, after an approval) the article costs a few queries,
    the same with 0, 10 or 500 comments: the discussion is one query."""
    url = article.get_absolute_url()
    count_queries(client, url)  # the article's editorial parts are cached from here on
    counts = []
    for total in (0, 10, 500):
        add_comments(article, total - Comment.objects.count())
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1] == counts[2] <= 6
    comments_page = f"/comments/article/{article.pk}/"
    assert count_queries(client, comments_page) <= 4
