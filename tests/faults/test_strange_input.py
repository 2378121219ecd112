"""Strange input is a 4xx that says what went wrong, never a 500.

A NUL byte, a Unicode digit where a number belongs, a method no page accepts, a login
that names an address off the site: each once answered with a 500, a 403 that blamed
CSRF, or a 404.
"""

import pytest
from django.contrib.auth import get_user_model

from comments.models import Comment

pytestmark = pytest.mark.django_db

# Paths that would 404: the legacy-redirect lookup then sent the NUL to the database.
NUL_PATHS = ["/x%00y/", "/section/%00/", "/preview/%00/", "/comments/confirm/%00/"]


@pytest.mark.parametrize("path", NUL_PATHS)
def test_a_nul_byte_in_the_path_is_a_bad_request_that_says_why(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()


def test_a_nul_byte_in_the_query_string_is_a_bad_request(client):
    response = client.get("/search/?q=a%00b")
    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()


def test_a_nul_byte_in_a_form_field_is_a_bad_request_and_stores_nothing(make_article, post_comment):
    article = make_article()
    response = post_comment(article, name="Ann\x00ie")
    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()
    assert not Comment.objects.exists()
    assert post_comment(article, name="Annie").status_code == 303  # control


def test_a_nul_byte_in_a_cookie_is_a_bad_request(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/")
    assert response.status_code == 400


def test_a_bad_request_is_not_kept_by_the_page_cache(client):
    # /search/ reads q, so the page cache keeps it in the key (it drops what a page
    # does not read, e.g. /?q=…, which is then the home page itself).
    assert client.get("/search/?q=%00").status_code == 400
    again = client.get("/search/?q=%00")
    assert again.status_code == 400
    assert "X-Page-Cache" not in again
    assert client.get("/").status_code == 200  # control: the page itself is fine


@pytest.mark.parametrize("key", ["p", "page_id"])
@pytest.mark.parametrize("value", ["²", "٣", "9" * 40])
def test_a_wordpress_query_that_is_not_an_ascii_number_shows_the_front_page(
    client, make_article, key, value
):
    make_article("Front page story")
    response = client.get("/", {key: value})
    assert response.status_code == 200
    assert "Front page story" in response.content.decode()


@pytest.mark.parametrize("parent", ["²", "٣", "9" * 40, "-1", "1.0"])
def test_a_reply_to_a_parent_that_is_not_an_ascii_number_is_refused_with_the_form(
    make_article, post_comment, parent
):
    article = make_article()
    response = post_comment(article, parent=parent, body="Keep these words.")
    assert response.status_code == 400
    assert "Keep these words." in response.content.decode()  # the reader's text is kept
    assert not Comment.objects.exists()


@pytest.mark.parametrize("reply", ["²", "٣", "9" * 40])
def test_an_article_page_asked_to_reply_to_a_unicode_digit_shows_the_article(
    client, make_article, reply
):
    article = make_article("Reservoir levels fall")
    comment = Comment.objects.create(
        article=article, name="Ann", email="ann@example.org", body="A first comment.",
        status=Comment.Status.APPROVED,
    )  # fmt: skip
    response = client.get(article.get_absolute_url(), {"replyto": reply})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reservoir levels fall" in page and f'id="c{comment.pk}"' in page


@pytest.mark.parametrize("page", ["²", "٣", "9" * 40, "0"])
def test_a_page_number_that_is_not_an_ascii_number_is_not_found(client, make_article, page):
    article = make_article()
    assert client.get("/", {"page": page}).status_code == 404
    assert client.get(f"/comments/article/{article.pk}/", {"page": page}).status_code == 404
    assert client.get("/", {"page": "1"}).status_code == 200  # control


@pytest.mark.parametrize("value", ["٢٠٢٤-01-01", "2024-01-0²", "9" * 400])
def test_a_search_date_that_is_not_an_ascii_date_is_a_form_error(client, value):
    response = client.get("/search/", {"q": "drought", "date_from": value})
    assert response.status_code == 200
    assert "Enter a date like" in response.content.decode()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
@pytest.mark.parametrize(
    ("page", "allow"),
    [
        ("home", {"GET", "HEAD"}),
        ("article", {"GET", "HEAD"}),
        ("section", {"GET", "HEAD"}),
        ("search", {"GET", "HEAD"}),
        ("feed", {"GET", "HEAD"}),
        ("comments-post", {"POST"}),
    ],
)
def test_a_method_a_public_page_does_not_accept_is_405_with_allow(
    client, make_article, method, page, allow
):
    article = make_article()
    url = {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": article.section.get_absolute_url(),
        "search": "/search/?q=x",
        "feed": "/rss/",
        "comments-post": f"/comments/article/{article.pk}/post/",
    }[page]
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) - {"OPTIONS"} == allow
    assert "not accepted here" in response.content.decode()


def test_a_method_no_page_knows_is_405_not_a_csrf_failure(client):
    response = client.generic("BREW", "/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


def test_an_unsafe_next_after_admin_login_lands_on_the_admin_index(client):
    get_user_model().objects.create_superuser("boss", "boss@example.org", "correct-horse-9")
    response = client.post(
        "/admin/login/?next=https://evil.example/",
        {"username": "boss", "password": "correct-horse-9", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200
