from django.urls import include, path

from . import views

app_name = "newsletters"

urlpatterns = [
    path("", views.sign_up, name="signup"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Bounce and complaint reports from the mail provider (django-anymail's tracking
    # webhooks, each verified by its provider's signature or basic auth; see webhooks).
    path("webhooks/", include("newsroom.newsletters.webhooks")),
    path("<slug:slug>/", views.archive, name="archive"),
    path("<slug:slug>/feed/", views.ArchiveFeed(), name="feed"),
    path("<slug:slug>/<int:pk>/", views.edition, name="edition"),
]
