"""Sitemaps for search engines: the site's pages, and recent articles for Google News."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import OuterRef, Subquery
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .models import Article, Author, Region, Section

# Django's own template gives dates only; a newsroom's updates need the time of day.
TEMPLATE = "sitemaps/sitemap.xml"
NEWS_MAX_AGE = timedelta(days=2)
NEWS_MAX_ITEMS = 1000


def _latest(articles) -> Subquery:
    """The newest publish time among ``articles`` (filtered against an OuterRef)."""
    return Subquery(articles.order_by("-publish_at").values("publish_at")[:1])


class NewsroomSitemap(Sitemap):
    limit = 50_000  # URLs in one sitemap file, the protocol's maximum


class ArticleSitemap(NewsroomSitemap):
    def items(self):
        return (
            Article.objects.published()
            .only("slug", "publish_at", "updated_at", "created_at")
            .order_by("-publish_at", "-pk")
        )

    def lastmod(self, article):
        return max(filter(None, [article.updated_at, article.publish_at]))


class ListingSitemap(NewsroomSitemap):
    """The pages of sections, regions or authors (``model``), dated by their newest article.

    Regions and authors without a published article have no page worth listing; every
    section has (``keep_empty``).
    """

    def __init__(self, model, keep_empty=False):
        self.model, self.keep_empty = model, keep_empty

    def items(self):
        mine = {self.model.articles_lookup: OuterRef("pk")}
        latest = _latest(Article.objects.published().filter(**mine))
        listings = self.model.objects.annotate(latest=latest)
        return listings if self.keep_empty else listings.filter(latest__isnull=False)

    def lastmod(self, listing):
        return listing.latest


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": partial(ListingSitemap, Section, keep_empty=True),
    "regions": partial(ListingSitemap, Region),
    "authors": partial(ListingSitemap, Author),
}


@require_safe
def sitemap(request):
    """``/sitemap.xml``: one file while every URL fits in it, past that an index of files."""
    sitemaps = {name: make() for name, make in SITEMAPS.items()}
    if sum(site.paginator.count for site in sitemaps.values()) <= NewsroomSitemap.limit:
        return sitemap_views.sitemap(request, sitemaps, template_name=TEMPLATE)
    return sitemap_views.index(request, sitemaps, sitemap_url_name="articles:sitemap-section")


@require_safe
def sitemap_section(request, section):
    """One file of the index: ``/sitemap-articles.xml?p=2``."""
    return sitemap_views.sitemap(request, SITEMAPS, section=section, template_name=TEMPLATE)


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
