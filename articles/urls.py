from django.urls import path, re_path

from . import views

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
    path("corrections/", views.CorrectionsView.as_view(), name="corrections"),
    path("preview/<str:token>/", views.preview, name="preview"),
]
