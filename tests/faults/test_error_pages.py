"""Error pages say what happened and what to do, in the site's look, under a strict CSP.

They read nothing from the database, so a 500 or 503 renders while it is down.
"""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from articles import views as article_views
from newsroom.errors.views import error_page

pytestmark = pytest.mark.django_db

STATUSES = [400, 403, 404, 405, 413, 429, 500, 503]


def assert_helpful_page(response, status: int, words: str):
    assert response.status_code == status
    page = HTMLParser(response.content.decode())
    assert page.css_first("link[rel=stylesheet]").attributes["href"].endswith("css/site.css")
    assert page.css_first("a.brand") is not None  # the site's masthead
    assert words in page.css_first("main").text()
    assert page.css_first("main a[href='/']") or page.css_first("footer a[href='/']")
    # No inline code: the strict Content-Security-Policy would block it.
    assert not [s for s in page.css("script") if "src" not in s.attributes]
    assert not page.css("style") and not page.css("[style]")
    assert not [n for n in page.css("*") if any(a.startswith("on") for a in n.attributes)]


@pytest.mark.parametrize("status", STATUSES)
def test_every_error_page_renders_in_the_site_look_without_the_database(
    status, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = error_page(status, allowed=["GET", "HEAD"], method="PUT", path="/")
    assert_helpful_page(response, status, f"Error {status}")
    assert "no-cache" in response["Cache-Control"]


def test_a_missing_page_is_404_with_words_and_a_csp(client):
    response = client.get("/no/such/page/")
    assert_helpful_page(response, 404, "We couldn't find that page")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_failing_view_is_a_500_page(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(article_views.CorrectionsView, "get_queryset", broken)
    client.raise_request_exception = False
    assert_helpful_page(client.get("/corrections/"), 500, "Something went wrong on our side")


def test_with_the_database_down_a_page_is_the_503_page_rendered_without_it(client, monkeypatch):
    # The page cache asks the database first (when the next scheduled change is), outside
    # any view: the 500 handler answers it with the busy page, which reads nothing.
    def down(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", down)
    client.raise_request_exception = False
    response = client.get("/corrections/")
    assert_helpful_page(response, 503, "Please try again in 10 seconds")
    assert response["Retry-After"]


def test_a_suspicious_request_is_a_400_page_with_words(client, monkeypatch):
    def suspicious(*args, **kwargs):
        raise SuspiciousOperation("odd")

    monkeypatch.setattr(article_views.CorrectionsView, "get_queryset", suspicious)
    assert_helpful_page(client.get("/corrections/"), 400, "was not what this page expects")


def test_a_too_large_form_is_413_with_words(client, make_article, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    article = make_article()
    response = client.post(f"/comments/article/{article.pk}/post/", {"body": "x" * 2000})
    assert_helpful_page(response, 413, "bigger than this site accepts")


def test_a_form_with_too_many_fields_is_400_with_words(client, make_article, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    article = make_article()
    fields = {f"field{n}": "x" for n in range(20)}
    response = client.post(f"/comments/article/{article.pk}/post/", fields)
    assert_helpful_page(response, 400, "more fields than any of our forms")


def test_a_broken_multipart_form_is_400_with_words(client, make_article):
    article = make_article()
    response = client.post(
        f"/comments/article/{article.pk}/post/",
        data=b'--xyz\r\nContent-Disposition: form-data; name="body"\r\n\r\nno end',
        content_type="multipart/form-data",  # no boundary given
    )
    assert_helpful_page(response, 400, "arrived incomplete or damaged")


def test_a_form_without_its_csrf_code_is_403_that_says_to_reload(client, make_article):
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.cookies["sessionid"] = "a-session-of-some-kind"
    article = make_article()
    response = csrf_client.post(f"/comments/article/{article.pk}/post/", {"body": "Hi"})
    assert_helpful_page(response, 403, "reload the page")


def test_a_method_not_accepted_is_405_with_words(client):
    assert_helpful_page(client.put("/"), 405, "not accepted here")
