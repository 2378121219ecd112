from django.urls import path

from . import views

app_name = "newsletters"

urlpatterns = [
    path("", views.sign_up, name="signup"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.archive, name="archive"),
    path("<slug:slug>/feed/", views.ArchiveFeed(), name="feed"),
    path("<slug:slug>/<int:pk>/", views.edition, name="edition"),
]
