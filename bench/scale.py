"""One site of BENCH_ARTICLES articles for ``bench/run.py --scale``, in process.

    python bench/scale.py build   # migrate and load it; prints {"articles", "build_seconds"}
    python bench/scale.py serve   # prints its pages as JSON, then times one uncached
                                  # rendering of each page named on stdin, in ms, per line

``serve`` lets run.py interleave the sites page by page, so that a machine's changing
load falls on all of them alike.
"""

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import sitemaps  # noqa: E402
from articles.models import Article  # noqa: E402


def days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def pages() -> dict[str, str]:
    """Every kind of public page, picked from the seeded site; lists at their deepest page."""
    reference = Article.objects.get(slug__startswith="vice-president-says")
    section = reference.section.get_absolute_url()
    author = reference.bylines.first().author
    highest = Article.objects.order_by("-pk").values_list("pk", flat=True).first()
    newest_file = -(-highest // sitemaps.ARTICLES_PER_FILE)
    return {
        "home": "/",
        "home, deepest page": "/?page=last",
        "article": reference.get_absolute_url(),
        "section": section,
        "section, deepest page": f"{section}?page=last",
        "region": reference.primary_region.get_absolute_url(),
        "author": author.get_absolute_url(),
        "RSS feed": "/rss/",
        "section feed": f"{section}rss/",
        "search": "/search/?q=auditors+contracts",
        "search, a common word": "/search/?q=talks",
        "search, in a section": f"/search/?q=talks&section={reference.section.slug}",
        # Two months that the full site and the archive both fill (the demo does not).
        "search, with dates": f"/search/?q=talks&date_from={days_ago(90)}&date_to={days_ago(30)}",
        "sitemap index": "/sitemap.xml",
        "sitemap, newest file": f"/sitemap-articles-{newest_file}.xml",
        "sitemap, oldest file": "/sitemap-articles-1.xml",
        "sitemap, regions": "/sitemap-regions.xml",
        "news sitemap": "/sitemap-news.xml",
        "corrections": "/corrections/",
        "sections index": "/section/",
        "regions index": "/region/",
        "sitemap, authors": "/sitemap-authors.xml",
    }


def build() -> None:
    articles = int(os.environ.get("BENCH_ARTICLES", "34"))
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("load_demo", articles=articles, stdout=quiet)
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # Statistics, as autovacuum keeps them on a live database: just after a bulk load
        # the planner would still think the tables empty.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    call_command("collectstatic", interactive=False, verbosity=0)
    print(json.dumps({"articles": Article.objects.count(), "build_seconds": built}))


def serve() -> None:
    """Time one fresh rendering (no page cache) of each page asked for, in milliseconds."""
    client = Client()
    urls = pages()
    with override_settings(PAGE_CACHE_SECONDS=0):
        for url in urls.values():  # templates and connections warm, as in a running server
            assert client.get(url).status_code == 200, url
        print(json.dumps(urls), flush=True)
        for line in sys.stdin:
            url = urls[line.strip()]
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            print(f"{elapsed * 1000:.3f}", flush=True)


if __name__ == "__main__":
    {"build": build, "serve": serve}[sys.argv[1]]()
