"""The page cache: shared pages served early, revalidated cheaply, and never stale."""

import gzip
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from newsroom.pagecache import middleware as pagecache
from newsroom.pagecache import versions

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    response.queries = len(queries)
    return response


def test_second_anonymous_request_is_served_from_the_cache_without_queries(client, make_article):
    article = make_article("Cached story")
    first = get(client, article.get_absolute_url())
    second = get(client, article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and first.queries > 0
    assert second["X-Page-Cache"] == "hit-local" and second.queries == 0
    assert second.content == first.content


def test_cached_page_is_shareable_by_everyone_and_cdns(client, make_article):
    article = make_article()
    response = get(client, article.get_absolute_url())
    control = response["Cache-Control"]
    assert control.startswith("public, max-age=") and "s-maxage=" in control
    assert "stale-while-revalidate=" in control and "stale-if-error=" in control
    assert response["ETag"] and response["Last-Modified"]
    assert not response.cookies and "Cookie" not in response.get("Vary", "")


def test_a_hit_replays_the_headers_the_whole_stack_added(client, make_article):
    article = make_article()
    first = get(client, article.get_absolute_url())
    hit = get(client, article.get_absolute_url())
    assert hit["X-Page-Cache"] == "hit-local"
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Content-Type"):
        assert hit[name] == first[name], name


def test_plain_http_is_redirected_to_https_even_when_the_page_is_cached(
    client, make_article, settings
):
    settings.SECURE_SSL_REDIRECT = True
    article = make_article()
    url = article.get_absolute_url()
    assert get(client, url, secure=True)["X-Page-Cache"] == "miss"
    assert get(client, url, secure=True)["X-Page-Cache"] == "hit-local"
    response = get(client, url)
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_shared_cache_serves_other_processes(client, make_article):
    article = make_article()
    get(client, article.get_absolute_url())
    pagecache._local.clear()  # as if another app server asked
    assert get(client, article.get_absolute_url())["X-Page-Cache"] == "hit"


def test_if_none_match_gets_304_without_queries(client, make_article):
    article = make_article()
    etag = get(client, article.get_absolute_url())["ETag"]
    response = get(client, article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.queries == 0 and not response.content
    assert get(client, article.get_absolute_url(), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_gzip_readers_get_the_page_compressed_once_at_store_time(client, make_article):
    article = make_article("Compressed story")
    plain = get(client, article.get_absolute_url())
    with mock.patch("gzip.compress", side_effect=AssertionError("compressed on a hit")):
        packed = get(client, article.get_absolute_url(), HTTP_ACCEPT_ENCODING="br, gzip")

    assert packed["X-Page-Cache"] == "hit-local" and packed.queries == 0
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in packed["Vary"]
    assert packed["ETag"] != plain["ETag"]  # two representations, two entity tags


@pytest.mark.parametrize("accept", ["", "identity", "br", "gzip;q=0", "deflate, gzip;q=0.0"])
def test_readers_who_refuse_gzip_get_plain_bytes(client, make_article, accept):
    article = make_article()
    first = get(client, article.get_absolute_url())
    response = get(client, article.get_absolute_url(), HTTP_ACCEPT_ENCODING=accept)
    assert "Content-Encoding" not in response and response.content == first.content


def test_gzip_variant_revalidates_with_its_own_etag(client, make_article):
    article = make_article()
    url = article.get_absolute_url()
    etag = get(client, url, HTTP_ACCEPT_ENCODING="gzip")["ETag"]
    again = get(client, url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.queries == 0
    assert again["ETag"] == etag and "Accept-Encoding" in again["Vary"]
    # The gzip tag does not validate the plain representation.
    assert get(client, url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_small_responses_are_not_worth_compressing(client, make_article):
    response = get(client, "/robots.txt", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and len(response.content) < pagecache.GZIP_MIN_BYTES
    assert "Content-Encoding" not in response and "Vary" not in response


def test_if_modified_since_gets_304(client, make_article):
    article = make_article()
    modified = get(client, article.get_absolute_url())["Last-Modified"]
    response = get(client, article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=modified)
    assert response.status_code == 304


def test_requests_with_a_session_bypass_the_shared_cache(client, make_article, make_staff):
    article = make_article()
    get(client, article.get_absolute_url())
    client.force_login(make_staff("Editor"))
    response = get(client, article.get_absolute_url())
    assert "X-Page-Cache" not in response and "csrfmiddlewaretoken" in response.content.decode()


def test_previews_and_admin_are_never_cached(client, make_article, make_staff):
    from articles.previews import preview_token

    draft = make_article("Draft", status=Article.Status.DRAFT)
    url = f"/preview/{preview_token(draft)}/"
    for response in (get(client, url), get(client, url)):
        assert "X-Page-Cache" not in response
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_held_comment_changes_nothing_and_approval_refreshes(
    client, make_article, make_author, post_comment, make_staff
):
    article = make_article("Discussed", authors=[make_author()])
    get(client, article.get_absolute_url())
    version = versions.current_state()["v"]
    post_comment(article, body="Held words for review")
    assert versions.current_state()["v"] == version  # nothing readers see has changed
    comment = Comment.objects.get()
    moderator = make_staff("Moderator")
    client.force_login(moderator)
    client.post(f"/admin/comments/comment/{comment.pk}/moderate/approve/")
    client.logout()
    client.cookies.clear()
    assert "Held words for review" in get(client, article.get_absolute_url()).content.decode()


def test_editor_edit_is_seen_on_every_affected_page_at_once(
    client, make_article, make_region, make_author, make_staff
):
    region, author = make_region("Chad"), make_author("Ann Writer")
    older = make_article("Older neighbour", publish_at=timezone.now() - timedelta(days=2))
    article = make_article(
        "Old headline", primary_region=region, regions=[region], authors=[author]
    )
    pages = [
        article.get_absolute_url(),
        "/",
        article.section.get_absolute_url(),
        region.get_absolute_url(),
        author.get_absolute_url(),
        older.get_absolute_url(),
    ]
    for url in pages:
        assert "Old headline" in get(client, url).content.decode()
    article.headline = "New headline"
    article.save()
    for url in pages:
        html = get(client, url).content.decode()
        assert "New headline" in html and "Old headline" not in html, url


def test_unpublishing_is_seen_at_once(client, make_article):
    article = make_article("Soon gone")
    assert get(client, article.get_absolute_url()).status_code == 200
    assert "Soon gone" in get(client, "/").content.decode()
    article.status = Article.Status.DRAFT
    article.save()
    assert get(client, article.get_absolute_url()).status_code == 404
    assert "Soon gone" not in get(client, "/").content.decode()


def test_scheduled_article_appears_when_its_time_comes_without_any_save(
    client, make_article, time_machine
):
    publish_at = timezone.now() + timedelta(hours=1)
    make_article("Embargoed story", publish_at=publish_at)
    assert "Embargoed story" not in get(client, "/").content.decode()
    assert get(client, "/")["X-Page-Cache"] == "hit-local"
    later = publish_at + timedelta(seconds=1)
    time_machine.move_to(later, tick=False)
    assert "Embargoed story" in get(client, "/").content.decode()


def test_comment_form_disappears_when_comments_close(client, make_article, settings, time_machine):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 2
    article = make_article("Closing soon", publish_at=timezone.now() - timedelta(days=1))
    assert 'id="respond"' in get(client, article.get_absolute_url()).content.decode()
    later = timezone.now() + timedelta(days=1, minutes=1)
    time_machine.move_to(later, tick=False)
    html = get(client, article.get_absolute_url()).content.decode()
    assert 'id="respond"' not in html and "closed" in html
