"""Sitemaps for search engines: the site's pages, and recent articles for Google News.

``/sitemap.xml`` is an index: one file each for the pages, sections, regions and authors, the
articles in files of at most ``ARTICLES_PER_FILE`` (1,000) by their numbers (ids), so no file
grows with the archive and an old article stays in the same file for good. Each file is
one range query on the primary key.
"""

from datetime import timedelta
from functools import partial
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Exists, Max, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.views.decorators.http import require_safe

from .models import Article, Author, Page, Region, Section

# Django's own template gives dates only; a newsroom's updates need the time of day.
TEMPLATE = "sitemaps/sitemap.xml"
NEWS_MAX_AGE = timedelta(days=2)
NEWS_MAX_ITEMS = 1000
# URLs per article file: small enough that a file renders in a few milliseconds.
ARTICLES_PER_FILE = 1000
URLSET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
URLSET_END = "</urlset>\n"


class ListingSitemap(Sitemap):
    """The pages of sections, regions or authors (``model``).

    Regions and authors without a published article have no page worth listing; every
    section has (``keep_empty``). Sections are dated by their newest article, found on
    their index; regions and authors are not dated, as finding their newest article
    would read all of theirs.
    """

    limit = 50_000  # URLs in one sitemap file, the protocol's maximum

    def __init__(self, model, keep_empty=False):
        self.model, self.keep_empty = model, keep_empty

    def items(self):
        if self.keep_empty:
            mine = Article.objects.published().filter(section=OuterRef("pk"))
            newest = mine.order_by("-publish_at").values("publish_at")[:1]
            return self.model.objects.annotate(latest=Subquery(newest))
        mine = Article.objects.published().filter(**{self.model.articles_lookup: OuterRef("pk")})
        return self.model.objects.filter(Exists(mine))

    def lastmod(self, listing):
        return getattr(listing, "latest", None)


class PageSitemap(Sitemap):
    """The site's own published pages (About, Contact…)."""

    def items(self):
        return Page.objects.published()

    def lastmod(self, page):
        return page.updated_at


SITEMAPS = {
    "pages": PageSitemap,
    "sections": partial(ListingSitemap, Section, keep_empty=True),
    "regions": partial(ListingSitemap, Region),
    "authors": partial(ListingSitemap, Author),
}


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


@require_safe
def sitemap(request):
    """``/sitemap.xml``: the index of every sitemap file."""
    files = []
    for name, make in SITEMAPS.items():
        url = reverse("articles:sitemap-section", args=[name])
        pages = make().paginator.num_pages
        files += [url] + [f"{url}?p={page}" for page in range(2, pages + 1)]
    highest = Article.objects.aggregate(highest=Max("pk"))["highest"] or 0
    count = -(-highest // ARTICLES_PER_FILE)
    files += [reverse("articles:sitemap-articles", args=[n]) for n in range(1, count + 1)]
    context = {"files": [_absolute(request, url) for url in files]}
    return render(request, "sitemaps/index.xml", context, content_type="application/xml")


@require_safe
def sitemap_section(request, section):
    """The sections', regions' or authors' file: ``/sitemap-regions.xml?p=2``."""
    return sitemap_views.sitemap(request, SITEMAPS, section=section, template_name=TEMPLATE)


@require_safe
def article_sitemap(request, number: int):
    """``/sitemap-articles-N.xml``: the published articles numbered (N-1)×size+1 to N×size."""
    first = (number - 1) * ARTICLES_PER_FILE
    # Past the last article there is no file (and no number too large for the database).
    if not 0 <= first < 2**62 or not Article.objects.filter(pk__gt=first).exists():
        raise Http404("No such sitemap.")
    # A range of keys, each checked against ``published()`` by its own key: a plain
    # filter would let SQLite read the whole published index instead.
    live = Article.objects.published().filter(pk=OuterRef("pk"))
    articles = (
        Article._base_manager.filter(pk__gt=first, pk__lte=first + ARTICLES_PER_FILE)
        .filter(Exists(live))
        .order_by("pk")
        .values_list("slug", "publish_at", "updated_at")
    )
    base = escape(_absolute(request, "/")[:-1])
    path = _article_path()
    # Written directly rather than through a template: a file holds many URLs.
    lines = [
        f"  <url><loc>{base}{escape(path(slug, published))}</loc>"
        f"<lastmod>{_w3c(max(updated, published) if updated else published)}</lastmod></url>\n"
        for slug, published, updated in articles
    ]
    return HttpResponse(
        [URLSET_START, *lines, URLSET_END], content_type="application/xml; charset=utf-8"
    )


def _article_path():
    """``Article.get_absolute_url`` of many published articles, from slug and publish
    time: the URL pattern is reversed once.

    Reversing costs more than everything else a sitemap line needs; the dated parts and
    the slug (quoted as ``reverse`` quotes it) are then filled in.
    """
    marks = {"year": "0000", "month": "11", "day": "22", "slug": "slug"}
    pattern = reverse("articles:article", kwargs=marks)
    before, after = pattern.split("/0000/11/22/slug/")

    def path(slug: str, published) -> str:
        when = timezone.localtime(published)
        return f"{before}/{when:%Y/%m/%d}/{quote(slug, safe=RFC3986_SUBDELIMS + '/~:@')}/{after}"

    return path


def _w3c(moment) -> str:
    """A time as sitemaps want it (W3C datetime), in the site's time zone."""
    return timezone.localtime(moment).isoformat()


@require_safe
def news_sitemap(request):
    """Google News: articles published in the last two days, newest first, at most 1,000."""
    since = timezone.now() - NEWS_MAX_AGE
    articles = (
        Article.objects.published()
        .filter(publish_at__gte=since)
        .select_related("primary_region")
        .order_by("-publish_at", "-pk")[:NEWS_MAX_ITEMS]
    )
    language = settings.LANGUAGE_CODE.lower()
    # Google News wants ISO 639 codes, except for the two written forms of Chinese.
    if language not in ("zh-cn", "zh-tw"):
        language = language.split("-")[0]
    context = {
        "articles": articles,
        "base": request.build_absolute_uri("/")[:-1],
        "publication": settings.SITE_NAME,
        "language": language,
    }
    return render(request, "sitemaps/news.xml", context, content_type="application/xml")
