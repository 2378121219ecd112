"""Strange input is refused before it reaches a view, a query or the CSRF check.

Placed after the page cache (which stores only 200s, so never one of these answers) and
the security headers, before everything that reads the request.
"""

from articles.params import unstorable

from .views import error_page, method_not_allowed

# Every view of the site answers some of these; anything else (PUT, DELETE, PATCH, or a
# made-up method) is answered by the view itself with 405 and its Allow header.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "TRACE"})
ADMIN_PREFIX = "/admin/"


def _texts(request):
    """Every piece of text the request carries into views and queries."""
    yield request.path_info
    for key, values in request.GET.lists():
        yield key
        yield from values
    for key, value in request.COOKIES.items():
        yield key
        yield value
    if request.method == "POST":
        # Reading the body here raises RequestDataTooBig or TooManyFieldsSent as the
        # view would; newsroom.errors.views.bad_request turns them into 413 and 400.
        for key, values in request.POST.lists():
            yield key
            yield from values
        for upload in request.FILES.values():
            yield upload.name or ""


class StrangeInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(unstorable(text) for text in _texts(request)):
            # PostgreSQL refuses NUL in text, and no encoding writes a lone surrogate:
            # such a request could only end in a 500 somewhere further on.
            return error_page(400, reason="unreadable")
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            response = method_not_allowed(request, allowed)
        return response

    def process_view(self, request, view, args, kwargs):
        """A method no public view accepts goes to the view, which answers 405 itself.

        Otherwise the CSRF check, which runs first, would answer 403 and blame the
        reader's cookies. No public view acts on such a method (GET/HEAD pages and
        POST-only actions), so skipping the check for it is safe; the admin is left to
        Django's own rules.
        """
        if request.method not in KNOWN_METHODS and not request.path.startswith(ADMIN_PREFIX):
            request.csrf_processing_done = True  # what CsrfViewMiddleware sets once satisfied
        return None
