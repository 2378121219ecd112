"""The shared cache down: the site serves every page uncached, keeps every post, says so.

The cache is the production one (CACHE_URL=redis://…) pointed at a port nothing listens
on, so every call to it fails as when Redis is stopped.
"""

import logging

import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from articles.models import Section
from articles.sitemaps import ARTICLES_PER_FILE
from comments.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(make_article, make_region, make_author):
    region, author = make_region("Coast"), make_author("Nadia Reporter")
    return make_article(
        "Harbour wall to be rebuilt", primary_region=region, regions=[region], authors=[author]
    )


def public_pages(story) -> dict[str, str]:
    region, author = story.regions.get(), story.bylines.get().author
    return {
        "home": "/",
        "article": story.get_absolute_url(),
        "section": story.section.get_absolute_url(),
        "region": region.get_absolute_url(),
        "author": author.get_absolute_url(),
        "rss": reverse("articles:feed-rss"),
        "atom": reverse("articles:feed-atom"),
        "section feed": reverse("articles:section-feed-rss", args=[story.section.slug]),
        # The file of the index that lists the story (files go by article number).
        "sitemap": f"/sitemap-articles-{(story.pk - 1) // ARTICLES_PER_FILE + 1}.xml",
        "news sitemap": reverse("articles:sitemap-news"),
        "robots.txt": reverse("robots-txt"),
        "search": reverse("articles:search") + "?q=harbour",
    }


def test_every_public_page_answers_200_while_the_cache_is_down(story, cache_down, client):
    answers = {name: client.get(url) for name, url in public_pages(story).items()}

    assert {name: r.status_code for name, r in answers.items() if r.status_code != 200} == {}
    # The right pages: the story is on them, not an error page that happens to say 200.
    for name in ("home", "section", "region", "author", "rss", "atom", "sitemap", "search"):
        assert story.get_absolute_url() in answers[name].content.decode(), name
    assert "Harbour wall to be rebuilt" in answers["article"].content.decode()


def test_pages_are_served_uncached_while_the_cache_is_down(story, cache_down, client):
    first = client.get(story.get_absolute_url())
    second = client.get(story.get_absolute_url())

    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in second  # neither stored nor served from any copy


def test_an_edit_during_the_outage_is_on_the_next_request(story, cache_down, client):
    assert "Harbour wall to be rebuilt" in client.get(story.get_absolute_url()).content.decode()
    story.headline = "Harbour wall plans dropped"
    story.save()

    text = client.get(story.get_absolute_url()).content.decode()

    assert "Harbour wall plans dropped" in text
    assert "Harbour wall to be rebuilt" not in text


def test_a_comment_is_accepted_while_the_cache_is_down(story, cache_down, post_comment):
    response = post_comment(story, body="The old wall kept the sea out.")

    assert response.status_code == 303
    assert Comment.objects.filter(body="The old wall kept the sea out.").exists()


def test_rate_limit_still_refuses_the_sixth_post_in_a_minute_while_the_cache_is_down(
    story, cache_down, post_comment, settings
):
    assert settings.COMMENTS_RATE_LIMITS[0] == (5, 60)
    answers = [
        post_comment(story, body=f"Comment number {n} on the wall.").status_code for n in range(6)
    ]

    assert answers == [303] * 5 + [429]
    assert Comment.objects.count() == 5


def test_staff_log_in_and_an_editor_saves_while_the_cache_is_down(section, editor_user, cache_down):
    browser = Client()
    login = browser.post(
        reverse("admin:login"),
        {"username": editor_user.username, "password": "correct-horse-battery"},
    )
    assert login.status_code == 302, login.content.decode()[:500]
    change = reverse("admin:articles_section_change", args=[section.pk])
    assert browser.get(change).status_code == 200  # the session holds across requests

    saved = browser.post(
        change, {"name": "World news", "slug": section.slug, "position": section.position}
    )

    assert saved.status_code == 302
    assert Section.objects.get(pk=section.pk).name == "World news"
    assert browser.session[SESSION_KEY] == str(editor_user.pk)


def test_the_outage_is_logged_once_not_per_request(story, cache_down, client, caplog):
    with caplog.at_level(logging.WARNING, logger="newsroom.sharedcache"):
        for _ in range(5):
            assert client.get(story.get_absolute_url()).status_code == 200

    outage = [r for r in caplog.records if r.name == "newsroom.sharedcache"]
    assert len(outage) == 1
    assert "unavailable" in outage[0].getMessage()


def test_health_check_stays_ok_while_the_cache_is_down(story, cache_down, client):
    assert client.get(story.get_absolute_url()).status_code == 200  # the outage is known

    response = client.get("/healthz/")

    assert response.status_code == 200 and response.content == b"ok\n"


@pytest.fixture
def flaky_redis(use_production_cache, monkeypatch):
    """The real Redis under a key prefix of this test's own; ``down(True)`` breaks it."""
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    prefix = f"faults-{id(client)}"
    use_production_cache(
        "redis://127.0.0.1:6379/0", CACHE_KEY_PREFIX=prefix, CACHE_RETRY_SECONDS="0"
    )
    real = redis.Redis.execute_command

    def down(broken: bool) -> None:
        def refuse(*args, **kwargs):
            raise redis.ConnectionError("injected: Redis does not answer")

        monkeypatch.setattr(redis.Redis, "execute_command", refuse if broken else real)

    yield down
    monkeypatch.setattr(redis.Redis, "execute_command", real)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_an_edit_during_the_outage_is_not_undone_when_the_cache_returns(flaky_redis, client, story):
    url = story.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"].startswith("hit")  # cached in Redis
    flaky_redis(True)
    story.headline = "Harbour wall plans dropped"
    story.save()  # the new content version cannot reach Redis
    flaky_redis(False)

    response = client.get(url)

    assert response.status_code == 200
    assert "Harbour wall plans dropped" in response.content.decode()
    assert "Harbour wall to be rebuilt" not in response.content.decode()
