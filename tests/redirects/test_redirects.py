"""Old addresses answered with a permanent redirect to the article or page they became."""

import pytest
from django.db import IntegrityError, transaction

from articles.models import Article, Page
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


def test_old_address_of_a_page_redirects_while_the_page_is_published(client):
    page = Page.objects.create(title="About", slug="about", published=True)
    LegacyPath.objects.create(path="/who-we-are/", page=page)
    LegacyPath.objects.create(path="/?page_id=7", page=page)
    assert client.get("/who-we-are/").url == "/about/"
    assert client.get("/?page_id=7").url == "/about/"
    Page.objects.filter(pk=page.pk).update(published=False)
    assert client.get("/who-we-are/").status_code == 404


def test_an_old_address_leads_to_one_article_or_one_page(make_article):
    page, article = Page.objects.create(title="About", slug="about"), make_article()
    for destinations in ({}, {"page": page, "article": article}):
        with pytest.raises(IntegrityError), transaction.atomic():
            LegacyPath.objects.create(path="/old/", **destinations)
