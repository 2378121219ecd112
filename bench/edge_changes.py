"""The editors and moderators of the edge spike: run by bench/edge.py during the load.

Makes 1 publish, 1 edit and 20 comment approvals, spread over the spike, each purged at
the edge as the site does it (after the commit, by key); after each, reads the affected
pages through Varnish and counts those that do not show the change yet. Prints one JSON
line: purge latencies (commit → purged) and stale reads.
"""

import json
import os
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from articles import publishing  # noqa: E402
from articles.models import Article, Byline, TextBlock  # noqa: E402
from comments import moderation  # noqa: E402
from comments.models import Comment  # noqa: E402

APPROVALS = 20


def prepare(article_id: int) -> None:
    """Pending comments and a draft, made before the spike (they change no page)."""
    article = Article.objects.get(pk=article_id)
    for n in range(APPROVALS):
        Comment.objects.create(
            article=article, name=f"Spike reader {n}", email=f"spike{n}@example.org",
            body=f"Spike approval {n} marker", body_html=f"<p>Spike approval {n} marker</p>",
            status=Comment.Status.PENDING,
        )  # fmt: skip
    draft = Article.objects.create(
        headline="Spike publish marker", slug="spike-publish-marker", section=article.section,
        status=Article.Status.DRAFT,
    )  # fmt: skip
    TextBlock.objects.create(article=draft, text="<p>Published during the spike.</p>")
    Byline.objects.create(article=draft, author=article.bylines.first().author)


def timed(change) -> float:
    """Seconds from the commit to the end of the purge (run at commit, immediate tasks)."""
    committed = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        change()
    return time.perf_counter() - committed[0]


def stale(edge: str, pages: list[str], text: str) -> list[str]:
    """The pages that do not show the change, with the caches' verdicts."""
    found = []
    for path in pages:
        with urllib.request.urlopen(edge + path, timeout=10) as response:
            if text not in response.read().decode():
                verdicts = (response.headers["X-Cache"], response.headers["X-Page-Cache"])
                found.append(f"{path} {verdicts}")
    return found


def main() -> None:
    edge, article_id, section, spread = (
        sys.argv[1],
        int(sys.argv[2]),
        sys.argv[3],
        float(sys.argv[4]),
    )
    if sys.argv[5:] == ["prepare"]:
        prepare(article_id)
        return
    article = Article.objects.get(pk=article_id)
    page = article.get_absolute_url()
    latencies, stale_reads, reads = [], [], 0
    draft = Article.objects.get(slug="spike-publish-marker")
    steps = [("publish", lambda: publishing.publish_now(draft), ["/", section], draft.headline)]

    def edit():
        article.headline = "Spike edit marker"
        article.save()

    steps.append(("edit", edit, [page, "/", section], "Spike edit marker"))
    for comment in Comment.objects.filter(article=article, status=Comment.Status.PENDING):
        approve = lambda comment=comment: moderation.set_status(comment, Comment.Status.APPROVED)  # noqa: E731
        steps.append(("approve", approve, [page], comment.body))
    for name, change, pages, text in steps:
        time.sleep(spread)
        latencies.append(timed(change))
        stale_reads += [f"{name}: {page}" for page in stale(edge, pages, text)]
        reads += len(pages)
    print(json.dumps({"latencies": latencies, "stale": stale_reads, "reads": reads}))


if __name__ == "__main__":
    main()
