"""The main pages are valid HTML, by the Nu HTML Checker (vnu.jar, run on Java).

All pages go to one vnu run, since Java's start-up is most of its time. Messages a page
may keep are listed in ALLOWED with the reason; everything else fails the test.
"""

import json
import re
import subprocess

import pytest

from articles.models import Embed, Page
from newsroom.errors.views import error_page
from tests.helpers.tools import VNU, require

pytestmark = pytest.mark.django_db

# (pattern of a vnu message, why the page may keep it)
ALLOWED: list[tuple[str, str]] = []


def allowed(message: str) -> bool:
    return any(re.search(pattern, message) for pattern, _why in ALLOWED)


def newsletter_pages(article) -> dict[str, str]:
    """The newsletter pages, with a sent edition and a subscriber (the sign-up box then
    shows on every article page too)."""
    from django.utils import timezone

    from comments import readers
    from newsroom.newsletters import tokens
    from newsroom.newsletters.models import Edition, EditionItem, Newsletter

    daily = Newsletter.objects.create(name="Daily", slug="daily", description="Mornings.")
    Newsletter.objects.create(name="Weekly", slug="weekly", description="Fridays.")
    edition = Edition.objects.create(
        newsletter=daily, subject="Monday", note="Hello.", status="sent", sent_at=timezone.now()
    )
    EditionItem.objects.create(edition=edition, article=article)
    reader = readers.reader_for("valid@example.org")
    daily.subscriptions.create(reader=reader, confirmed_at=timezone.now())
    preferences = tokens.preferences_token(reader.pk)
    return {
        "newsletters": "/newsletters/",
        "newsletter-archive": daily.get_absolute_url(),
        "newsletter-edition": edition.get_absolute_url(),
        "newsletter-preferences": f"/newsletters/preferences/{preferences}/",
        "newsletter-unsubscribe": (
            f"/newsletters/unsubscribe/{tokens.unsubscribe_token(reader.pk, daily.pk)}/"
        ),
    }


def test_main_pages_are_valid_html(client, demo_site, tmp_path, make_article):
    java = require("java", "install it with `apt-get install -y default-jre-headless`.")
    require(VNU, "run `make test` (it runs `npm ci`), or `npm ci --ignore-scripts`.")
    article = make_article("Opinion with every part", kind="opinion")
    with_embeds = make_article(
        "A story with embeds",
        blocks=[
            Embed(url="https://youtu.be/dQw4w9WgXcQ", provider="YouTube"),
            Embed(url="https://mastodon.example/@someone/42", provider="Mastodon"),
        ],
    )
    Page.objects.create(
        title="Ethics & corrections policy", slug="ethics", published=True, in_footer=True,
        in_navigation=True, body="<h2>Corrections</h2><p>We say <em>what</em> changed.</p>"
        "<ul><li>Dated</li></ul><p><a href=\"mailto:desk@example.org\">Write</a></p>",
    )  # fmt: skip
    lead = demo_site["lead"]
    newsletters = newsletter_pages(lead)
    pages = {
        "home": "/",
        "home-page-2": "/?page=2",
        "article": demo_site["article"],
        "opinion": article.get_absolute_url(),
        "embeds": with_embeds.get_absolute_url(),
        "section": demo_site["section"],
        "region": lead.primary_region.get_absolute_url(),
        "author": lead.author_list[0].get_absolute_url(),
        "search": demo_site["search"],
        "search-empty": "/search/",
        "search-errors": "/search/?q=" + "x" * 300 + "&date_from=never",
        "corrections": "/corrections/",
        "page": "/ethics/",
        "sections": "/section/",
        "regions": "/region/",
        "my-data": "/my-data/",
        "not-found": "/no/such/page/",
        **newsletters,
    }
    files = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        if name == "home-page-2" and response.status_code == 404:
            continue
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files[path.name] = name
    # The error pages no URL of a healthy site leads to.
    for status in (400, 403, 405, 413, 429, 500, 503):
        page = error_page(status, allowed=["GET", "HEAD"], method="PUT", path="/")
        (tmp_path / f"error-{status}.html").write_bytes(page.content)
    result = subprocess.run(
        [
            java,
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--also-check-css",
            *map(str, tmp_path.glob("*.html")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stderr or result.stdout)
    problems = [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['type']}: {m['message']}"
        for m in report["messages"]
        if m["type"] != "info" and not allowed(m["message"])
    ]
    assert problems == [], "\n".join(problems)
    assert len(files) >= 11  # every page was really checked
