"""Which surrogate keys a page carries, and which a change invalidates.

Pages name what they show while they are rendered (``articles.surrogates``); a few keys
follow from the page's kind alone (every feed carries ``feeds``). A change invalidates
the keys of every page it can alter, computed from the database as it is *after* the
change: the article's own key reaches every page that showed it before (its page, the
listings, feeds and neighbours that listed it); the keys of its section, regions and
authors, the site-wide lists and the pages that will now list it as a neighbour or in
their sidebar reach the pages that did not show it yet.
"""

from django.conf import settings
from django.db.models import Q
from django.urls import Resolver404, resolve

from articles import surrogates
from articles.models import (
    Article,
    Author,
    Byline,
    Page,
    Photo,
    Region,
    TaggedRegion,
)

# Every cacheable response carries this key too: purging it empties the edge.
SITE = "site"
# Lists that show the newest published articles, whatever they are about.
SITE_LISTS = ("home", "feeds", "sitemap", "search", "corrections")
# Keys of a page that follow from its kind (by URL name, or a URL name's prefix).
KIND_KEYS = {
    "articles:home": ("home",),
    "articles:feed-": ("feeds",),
    "articles:section-feed-": ("feeds",),
    "articles:region-feed-": ("feeds",),
    "articles:author-feed-": ("feeds",),
    "articles:sitemap": ("sitemap",),
    "articles:search": ("search",),
    "articles:corrections": ("corrections",),
}
# Beyond this many keys a change invalidates everything instead (an author with
# thousands of articles renamed): one purge, not a header of thousands of keys.
MAX_KEYS = 200
SIDEBAR_LENGTH = 5


def of_kind(path: str) -> set[str]:
    try:
        name = resolve(path).view_name
    except Resolver404:
        return set()
    return {key for kind, keys in KIND_KEYS.items() if name.startswith(kind) for key in keys}


def _sidebars(article: Article) -> set[str]:
    """The sidebars the article now belongs to: it is among the newest of that list."""
    found = set()
    newest = Article.objects.published().order_by("-publish_at", "-pk")
    lists = [(article.section, newest.filter(section=article.section_id))]
    lists += [(region, newest.filter(regions=region)) for region in article.regions.all()]
    for listing, articles in lists:
        if article.pk in articles.values_list("pk", flat=True)[: SIDEBAR_LENGTH + 1]:
            found.add(surrogates.sidebar(listing))
    return found


def of_article(pk) -> set[str]:
    """Every page an article's change can alter, from what the database holds now."""
    keys = {surrogates.article(pk), *SITE_LISTS}
    article = Article.objects.filter(pk=pk).select_related("section", "primary_region").first()
    if article is None:  # deleted: the pages that showed it carry its key
        return keys
    keys.add(surrogates.listing(article.section))
    keys.update(surrogates.listing(region) for region in article.regions.all())
    if article.primary_region:
        keys.add(surrogates.listing(article.primary_region))
    keys.update(f"author-{pk}" for pk in article.bylines.values_list("author_id", flat=True))
    if article.is_published:
        keys.update(surrogates.neighbours(item.pk) for item in article.neighbours() if item)
        keys.update(_sidebars(article))
    return keys


def remember_listing(sender, instance, **kwargs) -> None:
    """Before an article is saved: note its section and primary region as stored."""
    if instance.pk is not None:
        instance.pagecache_listed_before = (
            Article.objects.filter(pk=instance.pk)
            .values_list("section_id", "primary_region_id")
            .first()
        )


def remember_page_links(sender, instance, **kwargs) -> None:
    """Before a page is saved: note whether it was linked from every page, as stored."""
    if instance.pk is not None:
        instance.pagecache_linked_before = Page.objects.filter(
            Q(in_navigation=True) | Q(in_footer=True) | Q(slug=settings.PUBLISHING_PRINCIPLES),
            pk=instance.pk,
        ).exists()


def _of_page(page: Page) -> set[str]:
    """A page's own key; every page when it is (or was) linked from every page: in the
    navigation, the footer, or the articles' metadata as the publishing principles."""
    linked = page.in_navigation or page.in_footer or page.slug == settings.PUBLISHING_PRINCIPLES
    if linked or getattr(page, "pagecache_linked_before", False):
        return {SITE}
    return {surrogates.page(page.pk), "sitemap"}


def _with_articles(keys: set[str], articles) -> set[str]:
    """The keys and those of the articles, or ``{SITE}`` when they are too many."""
    pks = list(articles.values_list("pk", flat=True).distinct()[: MAX_KEYS + 1])
    if len(pks) > MAX_KEYS:
        return {SITE}
    return keys | {surrogates.article(pk) for pk in pks}


def changed(sender, instance) -> tuple[set[str], set]:
    """The keys a saved or deleted object invalidates, and the articles it touched.

    The articles are returned apart so their keys can be computed again once the change
    has committed (later saves of the same transaction may move them). ``{SITE}`` when
    the change can alter any page (a section's name is in every page's navigation).
    """
    article_id = getattr(instance, "article_id", None) or getattr(
        instance, "content_object_id", None
    )
    if isinstance(instance, Article):
        # Where it was listed before the save: those listings lose it (and shift).
        before = getattr(instance, "pagecache_listed_before", None) or (None, None)
        keys = {f"section-{before[0]}"} if before[0] else set()
        keys |= {f"region-{before[1]}"} if before[1] else set()
        return keys, {instance.pk}
    if article_id is not None:  # a byline, quote, photo row, link, correction, region tag
        keys = set()
        if isinstance(instance, Byline):
            keys.add(f"author-{instance.author_id}")
        if isinstance(instance, TaggedRegion):
            keys.add(f"region-{instance.tag_id}")
        return keys, {article_id}
    if isinstance(instance, Author):
        return _with_articles({surrogates.listing(instance)}, instance.articles.all()), set()
    if isinstance(instance, Region):
        shown = Article.objects.filter(Q(regions=instance) | Q(primary_region=instance))
        keys = {surrogates.listing(instance), surrogates.REGIONS}
        return _with_articles(keys, shown), set()
    if isinstance(instance, Page):
        return _of_page(instance), set()
    if isinstance(instance, Photo):
        shown = Article.objects.filter(Q(lead_photo=instance) | Q(body_photos__photo=instance))
        return _with_articles(set(), shown), set()
    return {SITE}, set()
