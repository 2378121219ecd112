from django.urls import path, re_path

from . import feeds, sitemaps, views
from .models import Author, Region, Section

app_name = "articles"

ATOM = feeds.NewsAtom

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    re_path(
        r"^(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<slug>[-\w]+)/$",
        views.ArticleView.as_view(),
        name="article",
    ),
    path("section/", views.IndexView.as_view(), name="sections"),
    path(
        "region/",
        views.IndexView.as_view(model=Region, heading="Regions"),
        name="regions",
    ),
    path("section/<slug:slug>/", views.ListingView.as_view(model=Section), name="section"),
    path("region/<slug:slug>/", views.ListingView.as_view(model=Region), name="region"),
    path(
        "author/<slug:slug>/",
        views.ListingView.as_view(model=Author, template_name="articles/author.html"),
        name="author",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="sitemap-news"),
    path("sitemap-articles-<int:number>.xml", sitemaps.article_sitemap, name="sitemap-articles"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("rss/", feeds.LatestFeed(), name="feed-rss"),
    path("atom/", feeds.LatestAtomFeed(), name="feed-atom"),
    path("section/<slug:slug>/rss/", feeds.ListingFeed(Section), name="section-feed-rss"),
    path("section/<slug:slug>/atom/", feeds.ListingFeed(Section, ATOM), name="section-feed-atom"),
    path("region/<slug:slug>/rss/", feeds.ListingFeed(Region), name="region-feed-rss"),
    path("region/<slug:slug>/atom/", feeds.ListingFeed(Region, ATOM), name="region-feed-atom"),
    path("author/<slug:slug>/rss/", feeds.ListingFeed(Author), name="author-feed-rss"),
    path("author/<slug:slug>/atom/", feeds.ListingFeed(Author, ATOM), name="author-feed-atom"),
    path("corrections/", views.CorrectionsView.as_view(), name="corrections"),
    path("preview/<token:token>/", views.preview, name="preview"),
    # Last: any other one-part address may be a page (About, Support us…); the slugs of
    # the addresses above are reserved (``RESERVED_PAGE_SLUGS``).
    path("<slug:slug>/", views.PageView.as_view(), name="page"),
]
