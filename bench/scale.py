"""Build a site of BENCH_ARTICLES articles and time every public page uncached, in process.

Run by ``bench/run.py --scale`` with the benchmark's environment; prints one JSON line
mapping each page to its median uncached time in milliseconds.
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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from articles import sitemaps  # noqa: E402
from articles.models import Article  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))


def pages() -> dict[str, str]:
    """Every kind of public page, picked from the seeded site; lists at their deepest page."""
    reference = Article.objects.get(slug__startswith="vice-president-says")
    section = reference.section.get_absolute_url()
    author = reference.bylines.first().author
    per_page, most = settings.ARTICLES_PER_PAGE, settings.LISTING_MAX_PAGES

    def deepest(articles) -> int:
        return max(1, min(most, -(-articles[: most * per_page].count() // per_page)))

    published = Article.objects.published()
    in_section = deepest(published.listed_under(reference.section))
    highest = Article.objects.order_by("-pk").values_list("pk", flat=True).first()
    newest_file = -(-highest // sitemaps.ARTICLES_PER_FILE)
    return {
        "home": "/",
        "home, deepest page": f"/?page={deepest(published)}",
        "article": reference.get_absolute_url(),
        "section": section,
        "section, deepest page": f"{section}?page={in_section}",
        "region": reference.primary_region.get_absolute_url(),
        "author": author.get_absolute_url(),
        "RSS feed": "/rss/",
        "section feed": f"{section}rss/",
        "search": "/search/?q=auditors+contracts",
        "search, in a section": f"/search/?q=talks&section={reference.section.pk}",
        "sitemap index": "/sitemap.xml",
        "sitemap, newest file": f"/sitemap-articles-{newest_file}.xml",
        "sitemap, oldest file": "/sitemap-articles-1.xml",
        "sitemap, regions": "/sitemap-regions.xml",
        "news sitemap": "/sitemap-news.xml",
        "corrections": "/corrections/",
    }


def uncached_ms(client: Client, url: str) -> float:
    """Median time to render a page afresh (no page cache), in milliseconds."""
    times = []
    with override_settings(PAGE_CACHE_SECONDS=0):
        client.get(url)  # templates and connections warm, as in a running server
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000


def main() -> None:
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
    client = Client()
    timings = {name: uncached_ms(client, url) for name, url in pages().items()}
    count = Article.objects.count()
    print(json.dumps({"articles": count, "build_seconds": built, "pages": timings}))


if __name__ == "__main__":
    main()
