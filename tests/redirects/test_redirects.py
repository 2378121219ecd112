"""Old addresses answered with a permanent redirect to the article they became."""

import pytest

from articles.models import Article
from newsroom.redirects.models import LegacyPath

pytestmark = pytest.mark.django_db


def test_unknown_address_with_a_legacy_path_redirects_permanently(client, make_article):
    article = make_article()
    LegacyPath.objects.create(path="/news/old-slug/", article=article)
    response = client.get("/news/old-slug/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_query_string_address_on_the_home_page_redirects(client, make_article):
    article = make_article()
    LegacyPath.objects.create(path="/?p=42", article=article)
    assert client.get("/?p=42").url == article.get_absolute_url()
    assert client.get("/?p=43").status_code == 200


def test_old_address_of_an_unpublished_article_stays_a_404(client, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    LegacyPath.objects.create(path="/news/draft/", article=draft)
    assert client.get("/news/draft/").status_code == 404


def test_redirect_follows_the_article_when_its_slug_changes(client, make_article):
    article = make_article()
    LegacyPath.objects.create(path="/news/old-slug/", article=article)
    article.slug = "new-slug"
    article.save()
    assert client.get("/news/old-slug/").url == article.get_absolute_url()


def test_posts_are_not_redirected(client, make_article):
    article = make_article()
    LegacyPath.objects.create(path="/news/old-slug/", article=article)
    assert client.post("/news/old-slug/").status_code == 404
