"""Old addresses keep working: answers for the old site's URLs with a permanent redirect.

Only two kinds of request read the table, so ordinary pages cost no query: a home-page
request carrying WordPress's ``?p=123`` (or ``?page_id=``), and a request that was about
to be answered with a 404.
"""

from django.db.models import Q
from django.http import HttpResponsePermanentRedirect

from articles.models import Article, Page
from articles.params import parse_id

from .models import LegacyPath

QUERY_KEYS = ("p", "page_id")


def legacy_target(paths: list[str]) -> str | None:
    """The current address of the live article or page one of these old paths belonged to."""
    live = Q(article__in=Article.objects.published()) | Q(page__in=Page.objects.published())
    legacy = LegacyPath.objects.filter(live, path__in=paths).select_related("article", "page")
    legacy = legacy.first()
    return legacy.destination.get_absolute_url() if legacy else None


class LegacyRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path == "/":
            for key in QUERY_KEYS:
                number = parse_id(request.GET.get(key, ""))
                if number is not None:
                    target = legacy_target([f"/?{key}={number}"])
                    if target:
                        return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            path = request.path
            other = path[:-1] if path.endswith("/") else f"{path}/"
            target = legacy_target([path, other])
            if target and target != path:
                return HttpResponsePermanentRedirect(target)
        return response
