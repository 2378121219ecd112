"""The shipped VCL in a real Varnish, in front of a live app server.

Every change readers can see is purged by key once it commits (the task runs at once
in tests), so the next read through Varnish is fresh; what did not change stays cached.
"""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from articles import publishing
from articles.models import Article
from comments import moderation
from comments.models import Comment
from newsroom.pagecache.query import TRACKING_PARAMETERS
from tests.helpers.edge import VCL, get

pytestmark = pytest.mark.django_db(transaction=True)


def read(base: str, path: str, **headers) -> tuple[str, str]:
    status, response, text = get(base, path, headers)
    assert status == 200, (path, status)
    return text, response["X-Cache"]


def warm(base: str, pages: list[str]) -> None:
    for path in pages:
        read(base, path)
        assert read(base, path)[1] == "HIT", path


def stale(base: str, pages: list[str], present: str = "", absent: str = "") -> list[str]:
    wrong = []
    for path in pages:
        status, _, text = get(base, path)
        if status != 200 or (present and present not in text) or (absent and absent in text):
            wrong.append(path)
    return wrong


@pytest.fixture
def site(make_article, make_region, make_author):
    region, author = make_region("Coast"), make_author("Nadia Reporter")
    older = make_article("Older harbour report", publish_at=timezone.now() - timedelta(days=2))
    story = make_article(
        "Harbour wall to be rebuilt",
        primary_region=region,
        regions=[region],
        authors=[author],
        publish_at=timezone.now() - timedelta(hours=1),
    )
    pages = [
        "/",
        story.section.get_absolute_url(),
        region.get_absolute_url(),
        author.get_absolute_url(),
        older.get_absolute_url(),
        reverse("articles:feed-rss"),
        reverse("articles:section-feed-atom", args=[story.section.slug]),
    ]
    return story, pages


def test_second_get_is_a_varnish_hit_and_tracking_parameters_share_it(edge, make_article):
    article = make_article("Cached at the edge")
    url = article.get_absolute_url()
    text, first = read(edge, url)
    _, second = read(edge, url)
    _, tracked = read(edge, f"{url}?utm_source=x&fbclid=y")
    assert "Cached at the edge" in text
    assert (first, second, tracked) == ("MISS", "HIT", "HIT")


def test_browsers_get_a_short_lifetime_and_no_keys(edge, make_article):
    article = make_article()
    _, headers, _ = get(edge, article.get_absolute_url())
    assert f"max-age={settings.PAGE_CACHE_MAX_AGE}" in headers["Cache-Control"]
    assert "s-maxage" not in headers["Cache-Control"] and "xkey" not in headers


def test_a_session_cookie_bypasses_the_edge(edge, make_article):
    article = make_article("Personal")
    url = article.get_absolute_url()
    warm(edge, [url])
    _, verdict = read(edge, url, Cookie="sessionid=abc; _ga=1")
    assert verdict == "PASS"
    assert read(edge, url, Cookie="_ga=1")[1] == "HIT"  # other cookies are ignored


def test_publish_edit_unpublish_are_fresh_through_varnish(edge, site):
    story, pages = site
    everything = [story.get_absolute_url(), *pages]
    publishing.unpublish(story)
    warm(edge, pages)
    publishing.publish_now(Article.objects.get(pk=story.pk))
    assert stale(edge, everything, present=story.headline) == []

    warm(edge, everything)
    story = Article.objects.get(pk=story.pk)
    story.headline = "Harbour wall rebuilt by spring"
    story.save()
    assert stale(edge, everything, present="rebuilt by spring", absent="to be rebuilt") == []

    warm(edge, everything)
    publishing.unpublish(story)
    assert stale(edge, pages, absent="rebuilt by spring") == []
    assert get(edge, story.get_absolute_url())[0] == 404


def test_approved_comment_is_fresh_and_unrelated_pages_stay_cached(edge, site, post_comment):
    story, pages = site
    discussion = [story.get_absolute_url(), reverse("comments:article", args=[story.pk])]
    warm(edge, [*discussion, *pages])
    post_comment(story, body="The old wall was built in 1911.")
    moderation.set_status(Comment.objects.get(), Comment.Status.APPROVED)

    assert stale(edge, discussion, present="built in 1911") == []
    assert [read(edge, path)[1] for path in pages] == ["HIT"] * len(pages)


def test_scheduled_article_is_fresh_through_varnish_when_its_time_comes(edge, make_article):
    make_article("Already out")
    publish_at = timezone.now() + timedelta(seconds=4)
    make_article("Embargoed until soon", publish_at=publish_at)
    warm(edge, ["/"])
    assert "Embargoed until soon" not in read(edge, "/")[0]
    deadline = time.monotonic() + 10
    while timezone.now() < publish_at + timedelta(milliseconds=200):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert stale(edge, ["/"], present="Embargoed until soon") == []


def test_purge_from_outside_the_acl_is_refused(edge, make_article):
    article = make_article()
    url = article.get_absolute_url()
    warm(edge, [url])
    purge = {"method": "PURGE", "xkey-purge": f"article-{article.pk}"}
    status, _, _ = get(edge, "/", purge, source="127.0.0.2")
    assert status == 403 and read(edge, url)[1] == "HIT"
    status, _, text = get(edge, "/", purge)
    assert status == 200 and "Purged 1 " in text and read(edge, url)[1] == "MISS"


def test_the_vcl_strips_the_apps_tracking_parameters():
    vcl = VCL.read_text()
    names = "|".join(p[:-1] + "[^&=]*" if p.endswith("*") else p for p in TRACKING_PARAMETERS)
    assert f"(?:{names})(?:=[^&]*)?" in vcl


def test_the_vcl_passes_every_address_the_app_never_caches():
    from newsroom.pagecache.middleware import UNCACHEABLE_PREFIXES

    patterns = re.findall(r'req\.url ~ "([^"]+)"', VCL.read_text())
    passed = [p for p in patterns if p.startswith("^/(admin")]
    assert passed, "no pass rule found in the VCL"
    for prefix in UNCACHEABLE_PREFIXES:
        assert any(re.match(p, f"{prefix}x/") for p in passed), prefix


def test_the_vcl_passes_the_apps_personal_cookies():
    from comments.readers import VERIFIED_COOKIE

    assert f"({settings.SESSION_COOKIE_NAME}|{VERIFIED_COOKIE})=" in VCL.read_text()


def test_with_the_app_down_cached_pages_are_served_and_others_get_a_styled_503(
    edge, gateway, make_article
):
    # Last in the module: the gateway to the app stays closed.
    article = make_article("Served while the app is away")
    warm(edge, [article.get_absolute_url()])
    gateway.close()
    deadline = time.monotonic() + 10
    while get(edge, "/never-cached-page/")[0] != 503:  # the probe notices within seconds
        assert time.monotonic() < deadline, "Varnish never noticed the app was down"
        time.sleep(0.2)
    text, verdict = read(edge, article.get_absolute_url())
    assert verdict == "HIT" and "Served while the app is away" in text
    status, headers, page = get(edge, "/section/world/")
    assert status == 503 and "Back in a moment" in page and "<style>" in page
    assert headers["Retry-After"]
