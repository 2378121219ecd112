from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("article/<int:article_id>/", views.article_comments, name="article"),
    path("article/<int:article_id>/post/", views.post_comment, name="post"),
    path("<int:comment_id>/report/", views.report_form, name="report_form"),
    path("<int:comment_id>/report/send/", views.report_comment, name="report"),
    path("confirm/<str:token>/", views.confirm_subscription, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
