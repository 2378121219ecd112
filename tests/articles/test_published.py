"""The publication vocabulary: what readers can see, and when."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden(make_article, make_region):
    """A draft, an article in review and a scheduled one, all in one region."""
    region = make_region("Yemen")
    future = timezone.now() + timedelta(days=2)
    return {
        "draft": make_article("Secret draft", status=Article.Status.DRAFT, primary_region=region,
                              regions=[region]),
        "review": make_article("Pending review", status=Article.Status.REVIEW,
                               primary_region=region, regions=[region]),
        "scheduled": make_article("Embargoed scoop", publish_at=future, primary_region=region,
                                  regions=[region]),
    }  # fmt: skip


def test_published_excludes_drafts_reviews_and_scheduled(make_article, hidden):
    live = make_article("Live story")
    assert list(Article.objects.published()) == [live]


def test_scheduled_article_appears_when_its_time_comes(make_article, time_machine):
    publish_at = timezone.now() + timedelta(hours=3)
    article = make_article("Embargoed until noon", publish_at=publish_at)
    assert not Article.objects.published().filter(pk=article.pk).exists()
    time_machine.move_to(publish_at + timedelta(seconds=1), tick=False)
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_scheduled_article_page_is_404_before_and_200_after(client, make_article, time_machine):
    publish_at = timezone.now() + timedelta(hours=3)
    article = make_article("Embargoed page", publish_at=publish_at)
    assert client.get(article.get_absolute_url()).status_code == 404
    time_machine.move_to(publish_at + timedelta(minutes=1), tick=False)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert b"Embargoed page" in response.content


def test_publishing_without_a_time_publishes_now(section):
    article = Article.objects.create(headline="Now", section=section, status="published")
    assert article.publish_at is not None
    assert Article.objects.published().filter(pk=article.pk).exists()


@pytest.mark.parametrize(
    "url",
    ["/", "/?page=1", "/section/world/", "/corrections/"],
)
def test_hidden_articles_never_listed(client, make_article, hidden, url):
    visible = make_article("Visible story")
    visible.corrections.create(text="Fix in a live story")
    hidden["draft"].corrections.create(text="Fix in a draft")
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Visible story" in body  # the listing is there and lists what is live
    for article in hidden.values():
        assert article.headline not in body
        assert article.slug not in body


def test_hidden_articles_absent_from_region_and_author_pages(client, make_article, make_author,
                                                            hidden):  # fmt: skip
    author = make_author("Busy Writer")
    for article in hidden.values():
        article.bylines.create(author=author)
    region = hidden["draft"].primary_region
    make_article("Live from the region", primary_region=region, regions=[region],
                 authors=[author])  # fmt: skip
    for url in (region.get_absolute_url(), author.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Live from the region" in body, url  # the right page, listing what is live
        assert all(article.headline not in body for article in hidden.values())


def test_hidden_articles_never_in_prev_next_or_sidebar(client, make_article, hidden, make_region):
    region = hidden["draft"].primary_region
    first = make_article(
        "Older live story",
        primary_region=region,
        regions=[region],
        publish_at=timezone.now() - timedelta(days=3),
    )
    second = make_article("Newer live story", primary_region=region, regions=[region],
                          publish_at=timezone.now() - timedelta(days=1))  # fmt: skip
    body = client.get(first.get_absolute_url()).content.decode()
    assert "Newer live story" in body  # next article and region fallback
    for article in hidden.values():
        assert article.headline not in body
    assert second.neighbours() == (first, None)


def test_editor_sidebar_link_to_a_draft_is_not_shown(client, make_article, hidden):
    article = make_article("Has links")
    article.related_links.create(position=1, target=hidden["draft"])
    article.related_links.create(position=2, url="https://example.org/report",
                                 title="The auditors report")  # fmt: skip
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Has links" in body
    assert "The auditors report" in body  # the sidebar is shown, with its other link
    assert "Secret draft" not in body


def test_read_more_link_to_a_draft_is_not_shown(client, make_article, hidden):
    article = make_article("Has read more", body="<p>One.</p><p>Two.</p>")
    article.read_mores.create(ordering=15, target=hidden["scheduled"])
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Has read more" in body
    assert "One." in body and "Two." in body  # the body around the link is shown
    assert "Embargoed scoop" not in body
    assert "READ MORE" not in body


@pytest.mark.parametrize("state", ["draft", "review", "scheduled"])
def test_hidden_article_pages_are_404(client, hidden, state):
    response = client.get(hidden[state].get_absolute_url())
    assert response.status_code == 404
    assert hidden[state].headline.encode() not in response.content
