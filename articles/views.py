from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from . import fragments, search, surrogates
from .feeds import feed_links
from .forms import SearchForm
from .metadata import article_metadata
from .models import (
    Article,
    BodyPhoto,
    Byline,
    Correction,
    Page,
    ReadMore,
    Region,
    RelatedLink,
    Section,
)
from .params import is_token, parse_id
from .previews import previewed_article_id


def article_page_queryset():
    return Article.objects.select_related("section", "primary_region", "lead_photo")


BYLINES = Prefetch("bylines", queryset=Byline.objects.select_related("author"))
# Linked articles show as links: their headlines and kickers, not their bodies.
LINKED = ("target__body_text", "target__search_document")
PARTS = [
    BYLINES,
    "regions",
    "text_blocks",
    "quotes",
    "embeds",
    "corrections",
    Prefetch("body_photos", queryset=BodyPhoto.objects.select_related("photo")),
    Prefetch(
        "read_mores",
        queryset=ReadMore.objects.select_related("target__primary_region").defer(*LINKED),
    ),
    Prefetch(
        "related_links",
        queryset=RelatedLink.objects.select_related("target__primary_region").defer(*LINKED),
    ),
]


def article_parts(article: Article) -> dict:
    """Bylines, regions, body blocks, links, corrections, sidebar and neighbours.

    Only editors change these, so they are cached under the editorial version: a page
    re-rendered because a comment was approved costs two queries, not a dozen.
    """

    def build():
        prefetch_related_objects([article], *PARTS)
        previous, following = article.neighbours() if article.is_published else (None, None)
        return {
            "prefetched": article._prefetched_objects_cache,
            "sidebar_links": article.sidebar_links(),
            "previous": previous,
            "next": following,
        }

    parts = fragments.cached(f"article:{article.pk}", build)
    article._prefetched_objects_cache = parts["prefetched"]
    return parts


def article_context(article: Article) -> dict:
    parts = article_parts(article)
    show_article_page(article, parts)
    return {
        "article": article,
        "feed_links": feed_links(article.section.name, article.section),
        "blocks": article.blocks(),
        "sidebar_links": parts["sidebar_links"],
        "previous": parts["previous"],
        "next": parts["next"],
    }


def show_article_page(article: Article, parts: dict) -> None:
    """The surrogate keys of an article page: it, its discussion and what it links to."""
    pk = article.pk
    surrogates.show(surrogates.article(pk), surrogates.comments(pk), surrogates.neighbours(pk))
    surrogates.show_articles([parts["previous"], parts["next"]])
    # The articles it links to, in the sidebar and as READ MORE: their kickers and
    # headlines show here.
    links = [
        link for link in (*article.related_links.all(), *article.read_mores.all()) if link.target_id
    ]
    surrogates.show(*(surrogates.article(link.target_id) for link in links))
    sidebar = parts["sidebar_links"]
    if all(isinstance(item, Article) for item in sidebar):  # the newest of region and section
        surrogates.show_articles(sidebar)
        surrogates.show(surrogates.sidebar(article.section))
        if article.primary_region_id:
            surrogates.show(surrogates.sidebar(article.primary_region))


class ArticleView(DetailView):
    template_name = "articles/article.html"

    def get_object(self, queryset=None):
        # Checked by its own key: ``pk__in=published()`` listed every published article.
        live = Article.objects.published().filter(pk=OuterRef("pk"))
        return get_object_or_404(
            article_page_queryset().filter(Exists(live)), slug=self.kwargs["slug"]
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url()
        if request.path != canonical:
            # Right slug, wrong date: send readers and search engines to the real address.
            return redirect(canonical, permanent=True)
        context = article_context(self.object)  # loads the article's parts first
        return self.render_to_response(
            context | {"metadata": article_metadata(self.object, request)}
        )


@require_safe
@never_cache
def preview(request, token):
    """A shared draft preview: valid only with an unexpired, untampered token."""
    try:
        pk = parse_id(previewed_article_id(token)) if is_token(token) else None
    except signing.BadSignature:
        pk = None
    if pk is None:
        raise Http404("This preview link is invalid or has expired.")
    article = get_object_or_404(article_page_queryset(), pk=pk)
    context = article_context(article) | {"preview": True}
    response = render(request, "articles/article.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class StrictPagesMixin:
    """Page numbers in ASCII digits only: ``?page=²`` is not found, like ``?page=x``."""

    def paginate_queryset(self, queryset, page_size):
        asked = self.request.GET.get(self.page_kwarg)
        if asked not in (None, "", "last") and parse_id(asked) is None:
            raise Http404("No such page.")
        return super().paginate_queryset(queryset, page_size)


class BoundedPaginator(Paginator):
    """Counts no further than ``LISTING_MAX_PAGES`` pages.

    The count reads at most that many rows, and the deepest page skips no more, so every
    page costs the same however large the archive. ``truncated`` says there is more.
    """

    truncated = False

    @cached_property
    def count(self) -> int:
        most = settings.LISTING_MAX_PAGES * self.per_page
        if isinstance(self.object_list, QuerySet):
            found = self.object_list.order_by()[: most + 1].count()
        else:  # a bounded sequence of its own (search results on PostgreSQL)
            found = len(self.object_list)
        self.truncated = found > most
        return min(found, most)


def start_of_day(day, after: int = 0):
    """The first moment of ``day`` (or of the day ``after`` days later) in the site's time
    zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=after), time.min))


def older_articles(context, search_filter: dict[str, str]) -> str:
    """On the deepest page a list goes to, the search for what comes after it: the same
    filter, up to the day of the oldest article shown."""
    page = context.get("page_obj")
    if not (page and context["paginator"].truncated and not page.has_next()):
        return ""
    shown = [a for a in context["object_list"] if getattr(a, "publish_at", None)]
    params = dict(search_filter)
    if shown:
        oldest = min(article.publish_at for article in shown)
        params["date_to"] = timezone.localdate(oldest).isoformat()
    return f"{reverse('articles:search')}?{urlencode(params)}"


class ArticleListView(StrictPagesMixin, ListView):
    """A paginated list of published articles, narrowed by ``filter_articles``."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = settings.ARTICLES_PER_PAGE
    paginator_class = BoundedPaginator

    def filter_articles(self, articles):
        return articles

    def get_queryset(self):
        return self.filter_articles(Article.objects.published().for_listing())

    # The search filter naming this list's articles (a listing's own), for older_articles.
    search_filter: dict[str, str] = {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        surrogates.show_articles(context["object_list"])
        return context | {"older_url": older_articles(context, self.search_filter)}


class HomeView(ArticleListView):
    """The lead story, each section's newest stories, then "Latest": the rest, newest first.

    Every page of "Latest" leaves out the stories shown above it on page 1, so no story
    shows twice and page 2 goes on where page 1 stopped. The front costs one query on every
    page, and the bylines of all cards one more, whatever the number of stories.
    """

    template_name = "articles/home.html"
    per_section = 4

    def get_queryset(self):
        self.lead, self.section_blocks = self.front()
        above = [article.pk for article in self.shown_above()]
        # Bylines are fetched once for the front and this page together (get_context_data).
        return super().get_queryset().prefetch_related(None).exclude(pk__in=above)

    def front(self):
        """The lead story and each section's newest stories without it."""
        sections = list(Section.objects.all())
        # One more article per section than is shown: whichever leads is taken out.
        latest = Article.objects.published().latest_per_section(self.per_section + 1, sections)
        if not latest:
            return None, []
        # The editors' choice while it is live and its time lasts, else the newest.
        lead = next((article for article in latest if article.leads), None)
        lead = lead or max(latest, key=lambda article: (article.publish_at, article.pk))
        blocks = [
            (section, [a for a in latest if a.section_id == section.pk and a.pk != lead.pk])
            for section in sections
        ]
        return lead, [(section, articles[: self.per_section]) for section, articles in blocks]

    def shown_above(self) -> list[Article]:
        above = [self.lead] if self.lead else []
        return above + [article for _, articles in self.section_blocks for article in articles]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["articles"] = list(context["articles"])
        first_page = context["page_obj"].number == 1
        cards = context["articles"] + (self.shown_above() if first_page else [])
        prefetch_related_objects(cards, BYLINES)
        if first_page:
            context["lead"] = self.lead
            context["section_blocks"] = [(s, a) for s, a in self.section_blocks if a]
            surrogates.show_articles(self.shown_above())
        return context


class ListingView(ArticleListView):
    """The articles of one section, region or author (``model``), found by its slug."""

    model = Section

    def filter_articles(self, articles):
        self.listing = get_object_or_404(self.model, slug=self.kwargs["slug"])
        self.search_filter = {self.model._meta.model_name: self.listing.slug}
        surrogates.show(surrogates.listing(self.listing))
        return articles.listed_under(self.listing)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=self.listing.name,
            description=getattr(self.listing, "description", ""),
            listing=self.listing,
            feed_links=feed_links(self.listing.name, self.listing),
            **{self.model._meta.model_name: self.listing},
            **kwargs,
        )


class CorrectionsView(StrictPagesMixin, ListView):
    template_name = "articles/corrections.html"
    context_object_name = "corrections"
    paginate_by = settings.ARTICLES_PER_PAGE
    paginator_class = BoundedPaginator

    def get_queryset(self):
        return (
            # Each correction checks its own article (by key), newest first on the
            # correction_recent_idx index: no list of every published article is built.
            Correction.objects.filter(
                Exists(Article.objects.published().filter(pk=OuterRef("article_id"))),
                created_at__lte=timezone.now(),
            )
            .select_related("article__primary_region", "article__section")
            .order_by("-created_at", "-pk")
        )


class SearchView(StrictPagesMixin, ListView):
    """Search results: words matched by ``search.search``, narrowed by the filters."""

    template_name = "articles/search.html"
    context_object_name = "articles"
    paginate_by = settings.ARTICLES_PER_PAGE
    paginator_class = BoundedPaginator

    def get_queryset(self):
        self.form = SearchForm(self.request.GET or None)
        self.query, self.window = "", None
        if not self.form.is_valid():
            return Article.objects.none()
        data = self.form.cleaned_data
        self.query = data["q"]
        articles = Article.objects.published().for_listing()
        if data["section"]:
            articles = articles.filter(section=data["section"])
        if data["region"]:
            articles = articles.filter(regions=data["region"])
        if data["author"]:
            articles = articles.filter(bylines__author=data["author"])
        # Bounds in time, not each article's date, so the publish-time index answers them.
        if data["date_from"]:
            articles = articles.filter(publish_at__gte=start_of_day(data["date_from"]))
        if data["date_to"]:
            articles = articles.filter(publish_at__lt=start_of_day(data["date_to"], after=1))
        if self.query:
            self.window = search.window(articles)
            return search.search(articles, self.query)
        if self.form.has_filters:
            return articles
        return Article.objects.none()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = list(context["object_list"])
        if self.query:
            search.highlight(results, self.query)
        params = {
            name: self.request.GET[name] for name in self.form.fields if self.request.GET.get(name)
        }
        searched = self.form.is_bound and self.form.is_valid()
        older = {name: value for name, value in params.items() if name != "date_to"}
        return context | {
            "older_url": older_articles(context | {"object_list": results}, older),
            "articles": results,
            "object_list": results,
            "form": self.form,
            "searched": searched and (self.query or self.form.has_filters),
            "search_query": self.query,
            "search_window": self.window,
            "search_ranked": self.query
            and search.ranked(self.object_list, context["paginator"].count),
            "canonical_path": f"{self.request.path}?{urlencode(params)}" if searched else "",
        }


class IndexView(StrictPagesMixin, ListView):
    """Every section (``model``) or region, each with a link and its newest headline."""

    model = Section
    template_name = "articles/index.html"
    context_object_name = "listings"
    paginate_by = 100
    heading = "Sections"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listings = list(context["object_list"])
        newest = Article.objects.published().newest_in(listings)
        for listing in listings:
            listing.newest = newest.get(listing.pk)
        surrogates.show(*(surrogates.listing(listing) for listing in listings))
        surrogates.show_articles(newest.values())
        if self.model is Region:
            surrogates.show(surrogates.REGIONS)
        return context | {"listings": listings, "heading": self.heading}


class PageView(DetailView):
    """A published page of the site itself; an unpublished one is not found."""

    template_name = "articles/page.html"
    context_object_name = "page"
    queryset = Page.objects.published()

    def get_object(self, queryset=None):
        page = super().get_object(queryset)
        surrogates.show(surrogates.page(page.pk))
        return page
