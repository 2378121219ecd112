from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("article/<id:article_id>/", views.article_comments, name="article"),
    path("article/<id:article_id>/post/", views.post_comment, name="post"),
    path("<id:comment_id>/report/", views.report_form, name="report_form"),
    path("<id:comment_id>/report/send/", views.report_comment, name="report"),
    path("confirm/<token:token>/", views.confirm_subscription, name="confirm"),
    path("unsubscribe/<token:token>/", views.unsubscribe, name="unsubscribe"),
    # Never cached (listed in the page cache's uncacheable prefixes): the reader's own.
    path("reader/state/", views.reader_state, name="reader_state"),
    path("reader/sign-in/<token:token>/", views.sign_in, name="sign_in"),
    path("reader/sign-out/", views.sign_out, name="sign_out"),
]
