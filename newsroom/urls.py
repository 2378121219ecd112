from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = f"{settings.SITE_NAME} newsroom"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Newsroom"

urlpatterns = [
    # Ahead of the admin's own "view on site" URL, which would redirect for any object.
    path(
        "admin/r/<id:content_type_id>/<path:object_id>/",
        admin.site.admin_view(views.view_on_site),
        name="view-on-site",
    ),
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
    path("comments/", include("comments.urls")),
    path("newsletters/", include("newsroom.newsletters.urls")),
    # A reader's own data (download, erase): never cached, like /comments/reader/.
    path("my-data/", include("newsroom.privacy")),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("articles.urls")),
]
# Uploaded media in development; production serves MEDIA_URL from object storage.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Error pages in the site's look, readable while the database is down (newsroom/errors/).
handler400 = "newsroom.errors.views.bad_request"
handler403 = "newsroom.errors.views.permission_denied"
handler404 = "newsroom.errors.views.page_not_found"
handler500 = "newsroom.errors.views.server_error"
