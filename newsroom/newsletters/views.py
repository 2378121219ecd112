"""Public newsletter pages. The reader-facing views are being written; until then each
answers 404 so no half-built page is ever served."""

from django.contrib.syndication.views import Feed
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


sign_up = preferences = unsubscribe = archive = edition = _not_yet


class ArchiveFeed(Feed):
    def get_object(self, request, slug):
        raise Http404
