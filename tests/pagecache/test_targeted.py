"""Targeted invalidation: a change re-renders the pages that show it, and only those."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment

pytestmark = pytest.mark.django_db


def verdict(reader: Client, url: str) -> str:
    return reader.get(url).get("X-Page-Cache", "")


@pytest.fixture
def two_stories(make_article, make_section, make_region, make_author):
    """Two articles with nothing in common but the site, and one published between them
    (the neighbour of both)."""
    unrelated = make_article(
        "Mountain pass reopens",
        section=make_section("Culture"),
        regions=[make_region("Highlands")],
        authors=[make_author()],
        publish_at=timezone.now() - timedelta(days=5),
    )
    make_article("Between the two", publish_at=timezone.now() - timedelta(days=3))
    story = make_article(
        "Harbour wall to be rebuilt",
        regions=[make_region("Coast")],
        authors=[make_author()],
        publish_at=timezone.now() - timedelta(days=1),
    )
    return story, unrelated


def test_comment_approval_rerenders_only_that_discussion(two_stories, post_comment, make_staff):
    story, unrelated = two_stories
    reader = Client()
    pages = [story.get_absolute_url(), unrelated.get_absolute_url(), "/"]
    for url in pages:
        reader.get(url)
    post_comment(story, body="The old wall was built in 1911.")
    moderator = Client()
    moderator.force_login(make_staff("Moderator"))
    comment = Comment.objects.get()
    moderator.post(reverse("admin:comments_comment_moderate", args=[comment.pk, "approve"]))

    response = reader.get(story.get_absolute_url())
    assert response["X-Page-Cache"] == "miss" and "built in 1911" in response.content.decode()
    assert verdict(reader, unrelated.get_absolute_url()) == "hit-local"
    assert verdict(reader, "/") == "hit-local"


def test_an_edit_rerenders_the_pages_showing_the_article_not_an_unrelated_one(two_stories):
    story, unrelated = two_stories
    reader = Client()
    pages = [story.get_absolute_url(), unrelated.get_absolute_url(), "/"]
    for url in pages:
        reader.get(url)
    story.headline = "Harbour wall rebuilt by spring"
    story.save()

    for url in (story.get_absolute_url(), "/", story.section.get_absolute_url()):
        response = reader.get(url)
        assert response["X-Page-Cache"] == "miss" and "by spring" in response.content.decode()
    unrelated_page = reader.get(unrelated.get_absolute_url())
    assert unrelated_page["X-Page-Cache"] == "hit-local"
    assert "Mountain pass reopens" in unrelated_page.content.decode()


def test_pages_name_what_they_show_in_the_edge_header(client, settings, two_stories):
    settings.EDGE_CACHE = "varnish://127.0.0.1:9"
    story, unrelated = two_stories
    keys = set(client.get(story.get_absolute_url())["xkey"].split())
    assert {f"article-{story.pk}", f"comments-{story.pk}", "site"} <= keys
    assert f"article-{story.pk - 1}" in keys  # its neighbour, published before it
    assert f"article-{unrelated.pk}" not in keys
    home = set(client.get("/")["xkey"].split())
    assert {"home", f"article-{story.pk}", f"article-{unrelated.pk}"} <= home
    feed = set(client.get(reverse("articles:feed-rss"))["xkey"].split())
    assert {"feeds", f"article-{story.pk}"} <= feed
    section = set(client.get(story.section.get_absolute_url())["xkey"].split())
    assert {f"section-{story.section_id}", f"article-{story.pk}"} <= section


def test_a_purged_edge_keeps_pages_long_and_browsers_briefly(client, settings, two_stories):
    settings.EDGE_CACHE = "fastly://service"
    story, _ = two_stories
    response = client.get(story.get_absolute_url())
    control = response["Cache-Control"]
    assert f"s-maxage={settings.EDGE_CACHE_SECONDS}," in control
    assert f"max-age={settings.PAGE_CACHE_MAX_AGE}," in control
    assert f"article-{story.pk}" in response["Surrogate-Key"].split()


def test_edge_lifetime_ends_before_the_next_scheduled_change(client, settings, make_article):
    settings.EDGE_CACHE = "cloudflare://zone"
    make_article("Live now")
    make_article("Embargoed", publish_at=timezone.now() + timedelta(seconds=600))
    response = client.get("/")
    control = dict(
        part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",")
    )
    stale = settings.PAGE_CACHE_STALE_SECONDS
    assert 0 < int(control["s-maxage"]) + int(control["stale-while-revalidate"]) <= 600
    assert int(control["stale-while-revalidate"]) == stale
    assert "home" in response["Cache-Tag"].split()


def test_an_article_moved_to_another_section_shifts_the_old_sections_later_pages(
    two_stories, make_article, make_section, settings
):
    story, _ = two_stories
    for n in range(settings.ARTICLES_PER_PAGE - 2):  # the section fills page 1 exactly
        make_article(f"Filler {n}", publish_at=timezone.now() - timedelta(days=10, hours=n))
    make_article("Oldest of the section", publish_at=timezone.now() - timedelta(days=30))
    science = make_section("Science")
    second_page = f"{story.section.get_absolute_url()}?page=2"
    reader = Client()
    reader.get(second_page)
    cached = reader.get(second_page)
    assert cached["X-Page-Cache"] == "hit-local"
    assert "Oldest of the section" in cached.content.decode()

    story.section = science
    story.save()
    assert reader.get(second_page).status_code == 404  # it moved up to page 1
    first_page = reader.get(story.section.get_absolute_url())
    assert "Harbour wall to be rebuilt" in first_page.content.decode()


def cache_control(response) -> dict[str, int]:
    parts = (part.strip().partition("=") for part in response["Cache-Control"].split(","))
    return {name: int(value) for name, _, value in parts if value}


def test_no_cache_keeps_a_page_past_its_signed_media_links(
    client, settings, make_article, time_machine
):
    """Pages link to a private bucket with signatures valid two hours, less than the edge
    would keep a page: the edge, browsers and the site-down fallback all stop in time."""
    settings.EDGE_CACHE = "varnish://127.0.0.1:9"
    settings.MEDIA_SIGNED_URLS, settings.MEDIA_SIGNED_URL_SECONDS = True, 7200
    story = make_article("Pictured")
    time_machine.move_to(timezone.now(), tick=False)
    first = client.get(story.get_absolute_url())
    control = cache_control(first)
    assert 0 < control["s-maxage"] + control["stale-while-revalidate"] <= 7200 - 60
    assert control["max-age"] == settings.PAGE_CACHE_MAX_AGE
    assert 0 < control["stale-if-error"] <= 7200
    # The same stored page, served again 50 minutes later: 70 minutes of links are left.
    time_machine.shift(3000)
    later = client.get(story.get_absolute_url())
    assert later["X-Page-Cache"].startswith("hit") and later.content == first.content
    control = cache_control(later)
    assert control["s-maxage"] + control["stale-while-revalidate"] <= 4200 - 60
    assert control["stale-if-error"] <= 4200
    # Unsigned links never expire: the edge keeps pages as long as it is told.
    settings.MEDIA_SIGNED_URLS = False
    control = cache_control(client.get(story.get_absolute_url()))
    assert control["s-maxage"] == settings.EDGE_CACHE_SECONDS
    assert control["stale-if-error"] == 86400
