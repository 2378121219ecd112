"""The site's URLs plus a trivial view: the baseline of a request through every middleware."""

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse(b"hello", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello), path("", include("newsroom.urls"))]
