from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import readiness


@require_safe
@never_cache
def healthz(request):
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy", never a 500 page
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
@never_cache
def readyz(request):
    """For load balancers: 200 "ok" when every dependency answers, else 503 naming each.

    The dependencies are the database, the shared cache, media storage and the task
    queue (newsroom/readiness.py), one line each.
    """
    failed = readiness.failures()
    if failed:
        return HttpResponse("\n".join(failed) + "\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico where a page names no icon (the admin's pages)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_safe
def robots_txt(request):
    """Crawlers may read everything public; the sitemaps say where it is."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        # Search results are endless combinations of the same articles.
        "Disallow: /search/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('articles:sitemap'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('articles:sitemap-news'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" redirect, for objects the user may open in the admin.

    Django's own answers for any object of any model, so every staff account could learn
    the address (date and slug, nearly the headline) of any draft; here the model's admin
    decides, as it does for the change page.
    """
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model_admin = admin.site._registry.get(content_type.model_class())
    obj = model_admin.get_object(request, unquote(object_id)) if model_admin else None
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("No such object, or not yours to see.")
    return shortcut(request, content_type_id, object_id)
