"""Build the benchmark's site and measure what is measured in process.

Run by bench/run.py with the benchmark's environment; prints one JSON line.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles.models import Article, Byline, RelatedLink  # noqa: E402
from comments.models import Comment  # noqa: E402


def thread_article(reference: Article, comments: int) -> Article:
    """A copy of the reference article with `comments` approved comments in threads."""
    slug = f"bench-discussion-{comments}"
    article = Article.objects.filter(slug=slug).first()
    if article:
        return article
    article = Article.objects.create(
        slug=slug,
        headline=f"{reference.headline} ({comments} comments)",
        standfirst=reference.standfirst,
        body_text=reference.body_text,
        section=reference.section,
        primary_region=reference.primary_region,
        lead_photo=reference.lead_photo,
        status=Article.Status.PUBLISHED,
        publish_at=timezone.now(),
    )
    article.regions.set(reference.regions.all())
    for byline in reference.bylines.all():
        Byline.objects.create(article=article, author=byline.author, position=byline.position)
    for block in reference.blocks():  # a copy of each block, in place, with its key
        block.pk, block.article = None, article
        block.save()
    for link in reference.related_links.all():
        RelatedLink.objects.create(
            article=article, position=link.position, target=link.target, url=link.url,
            title=link.title,
        )  # fmt: skip
    parent = None
    for i in range(comments):  # threads of five: a comment and a chain of replies
        parent = Comment.objects.create(
            article=article,
            parent=parent if i % 5 else None,
            name=f"Reader {i}",
            email=f"reader{i}@example.org",
            body=f"Comment number {i}, with some words.",
            body_html=f"<p>Comment number {i}, with some words.</p>",
            status="approved",
            notified_at=timezone.now(),
            anchor="quote-1" if i % 9 == 0 else "",
        )
    return article


def render_seconds(client: Client, url: str, repeat: int = 15) -> float:
    """Median time to render a page afresh (no page cache), in this process."""
    times = []
    with override_settings(PAGE_CACHE_SECONDS=0):
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, url
    return statistics.median(times)


def main() -> None:
    articles = int(os.environ.get("BENCH_ARTICLES", "200"))
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    call_command("load_demo", articles=articles, stdout=quiet)
    call_command("load_demo_comments", stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0)
    reference = Article.objects.get(slug__startswith="vice-president-says")
    pages = {n: thread_article(reference, n) for n in (0, 100, 500)}
    client = Client()
    render = {n: render_seconds(client, article.get_absolute_url()) for n, article in pages.items()}
    print(
        json.dumps(
            {
                "article": {str(n): a.get_absolute_url() for n, a in pages.items()},
                "article_id": pages[0].pk,
                "home": "/",
                "section": reference.section.get_absolute_url(),
                "region": reference.primary_region.get_absolute_url(),
                "feed": reverse("articles:feed-rss"),
                "render_seconds": {str(n): t for n, t in render.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
