"""Never stale: every page a change touches is fresh on the very next anonymous request.

Each event starts from a site whose affected pages are all in the page cache (the hit
counter proves it), makes one change the way editors and moderators do, and then reads
every affected page once: article, home, section, both regions, author, every feed of
those, and the older neighbour whose "next" link names the article.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment

pytestmark = pytest.mark.django_db

HEADLINE = "Harbour wall to be rebuilt"


@pytest.fixture
def site(make_article, make_region, make_author):
    """The story, and what gives the pages it appears on (its own address has its date)."""
    coast, delta = make_region("Coast"), make_region("Delta")
    author = make_author("Nadia Reporter")
    older = make_article("Older harbour report", publish_at=timezone.now() - timedelta(days=2))
    story = make_article(
        HEADLINE,
        primary_region=coast,
        regions=[coast, delta],
        authors=[author],
        publish_at=timezone.now() - timedelta(hours=1),
    )
    section = story.section
    pages = [
        "/",
        section.get_absolute_url(),
        coast.get_absolute_url(),
        delta.get_absolute_url(),
        author.get_absolute_url(),
        older.get_absolute_url(),
        reverse("articles:feed-rss"),
        reverse("articles:feed-atom"),
        reverse("articles:section-feed-rss", args=[section.slug]),
        reverse("articles:region-feed-atom", args=[coast.slug]),
        reverse("articles:region-feed-rss", args=[delta.slug]),
        reverse("articles:author-feed-rss", args=[author.slug]),
    ]
    return story, lambda: [story.get_absolute_url(), *pages]


def warm(reader: Client, pages: list[str]) -> int:
    """Read every page twice; returns how many second reads were cache hits."""
    hits = 0
    for url in pages:
        reader.get(url)
        response = reader.get(url)
        hits += response.get("X-Page-Cache", "").startswith("hit")
    return hits


def stale(reader: Client, pages: list[str], present: str = "", absent: str = "") -> list[str]:
    """The pages whose next read does not show the change."""
    wrong = []
    for url in pages:
        response = reader.get(url)
        text = response.content.decode()
        if (present and present not in text) or (absent and absent in text):
            wrong.append(url)
    return wrong


def save(article: Article, **changes) -> None:
    for name, value in changes.items():
        setattr(article, name, value)
    article.save()


def test_publish_edit_unpublish_are_fresh_on_every_affected_page(site):
    story, affected = site
    pages = affected()
    reader = Client()
    save(story, status=Article.Status.DRAFT)
    listed = pages[1:]
    checked = 0

    assert warm(reader, pages) == len(listed)  # every page but the draft's own is cached
    save(story, status=Article.Status.PUBLISHED)
    assert stale(reader, pages, present=HEADLINE) == []
    checked += len(pages)

    assert warm(reader, pages) == len(pages)
    save(story, headline="Harbour wall rebuilt by spring")
    assert stale(reader, pages, present="rebuilt by spring", absent=HEADLINE) == []
    checked += len(pages)

    assert warm(reader, pages) == len(pages)
    save(story, status=Article.Status.DRAFT)
    assert stale(reader, listed, absent="rebuilt by spring") == []
    assert reader.get(story.get_absolute_url()).status_code == 404
    checked += len(pages)
    print(f"\npublish, edit, unpublish: {checked} page reads after a change, 0 stale")


def test_scheduled_article_is_fresh_everywhere_when_its_time_comes(site, time_machine):
    story, affected = site
    reader = Client()
    save(story, status=Article.Status.DRAFT)
    publish_at = timezone.now() + timedelta(hours=1)
    save(story, status=Article.Status.PUBLISHED, publish_at=publish_at)
    pages = affected()  # its address carries its new date
    listed = pages[1:]

    assert warm(reader, pages) == len(listed)
    assert stale(reader, listed, absent=HEADLINE) == []  # not before its time

    later = publish_at + timedelta(seconds=1)
    time_machine.move_to(later, tick=False)
    assert stale(reader, pages, present=HEADLINE) == []


def test_approved_comment_is_fresh_on_the_article_and_its_comments_page(
    site, post_comment, make_staff
):
    story, _affected = site
    reader = Client()
    discussion = [story.get_absolute_url(), reverse("comments:article", args=[story.pk])]
    assert warm(reader, discussion) == len(discussion)

    post_comment(story, body="The old wall was built in 1911.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert warm(reader, discussion) == len(discussion)  # a held comment changes nothing

    moderator = Client()
    moderator.force_login(make_staff("Moderator"))
    moderator.post(reverse("admin:comments_comment_moderate", args=[comment.pk, "approve"]))

    assert stale(reader, discussion, present="built in 1911") == []


def lead_of(reader: Client) -> tuple[str, str]:
    """The home page's lead headline, and whether the page came from the cache."""
    response = reader.get("/")
    text = response.content.decode()
    start = text.index('class="lead-story"')
    return text[start : text.index("</section>", start)], response.get("X-Page-Cache", "")


def test_choosing_and_releasing_the_lead_is_fresh_on_the_home_page(site, make_staff):
    older = Article.objects.get(headline="Older harbour report")
    reader, editor = Client(), Client()
    editor.force_login(make_staff("Editor"))
    changelist = reverse("admin:articles_article_changelist")
    assert warm(reader, ["/"]) == 1
    assert HEADLINE in lead_of(reader)[0]

    editor.post(changelist, {"action": "make_lead", "_selected_action": [older.pk]})
    lead, cached = lead_of(reader)
    assert "Older harbour report" in lead and HEADLINE not in lead and cached == "miss"

    assert warm(reader, ["/"]) == 1
    editor.post(changelist, {"action": "stop_leading", "_selected_action": [older.pk]})
    assert HEADLINE in lead_of(reader)[0]


def test_lead_is_fresh_on_the_home_page_when_its_time_ends(site, time_machine):
    older = Article.objects.get(headline="Older harbour report")
    save(older, is_lead=True, lead_until=timezone.now() + timedelta(hours=1))
    reader = Client()
    assert warm(reader, ["/"]) == 1
    assert "Older harbour report" in lead_of(reader)[0]

    later = older.lead_until + timedelta(seconds=1)
    time_machine.move_to(later, tick=False)
    lead, cached = lead_of(reader)
    assert HEADLINE in lead and cached == "miss"  # no save: the end of the lead was due
