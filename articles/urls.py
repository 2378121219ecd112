from django.urls import path, re_path

from . import feeds, sitemaps, views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    re_path(
        r"^(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<slug>[-\w]+)/$",
        views.ArticleView.as_view(),
        name="article",
    ),
    path("section/<slug:slug>/", views.SectionView.as_view(), name="section"),
    path("region/<slug:slug>/", views.RegionView.as_view(), name="region"),
    path("author/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="sitemap-news"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("rss/", feeds.LatestFeed(), name="feed-rss"),
    path("atom/", feeds.LatestAtomFeed(), name="feed-atom"),
    path("section/<slug:slug>/rss/", feeds.SectionFeed(), name="section-feed-rss"),
    path("section/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="section-feed-atom"),
    path("region/<slug:slug>/rss/", feeds.RegionFeed(), name="region-feed-rss"),
    path("region/<slug:slug>/atom/", feeds.RegionAtomFeed(), name="region-feed-atom"),
    path("author/<slug:slug>/rss/", feeds.AuthorFeed(), name="author-feed-rss"),
    path("author/<slug:slug>/atom/", feeds.AuthorAtomFeed(), name="author-feed-atom"),
    path("corrections/", views.CorrectionsView.as_view(), name="corrections"),
    path("preview/<str:token>/", views.preview, name="preview"),
]
