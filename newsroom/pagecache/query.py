"""Which query parameters make a different page, and in which spelling.

A shared request keeps only the parameters its page reads, each in one spelling (sorted,
one value per name, empty values dropped, percent-encoding redone), before the page
cache looks it up *and* before the page is made: ``?utm_source=<anything>`` is the same
page, made once, and no view or template (``{% querystring %}`` copies them all into
links) can see what the key left out.
"""

from collections.abc import Callable
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import QueryDict
from django.urls import Resolver404, resolve

from comments.templatetags.comments_tags import MAIL_NOTICES, NOTICES

# Added by campaign links, ad clicks, newsletters and analytics; never part of a page.
# The one list (a name, or a prefix ending in "*") for anything in front of the site
# that strips them too, such as a Varnish VCL.
TRACKING_PARAMETERS = (
    "utm_*",
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "igshid",
    "li_fat_id",
    "mc_*",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "ref",
    "ref_src",
)


def is_tracking(name: str) -> bool:
    name = name.lower()
    return any(
        name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern
        for pattern in TRACKING_PARAMETERS
    )


# How a parameter's value is written the one way the page reads it; "" drops it.
def any_text(value: str) -> str:
    return value


def stripped(value: str) -> str:  # form fields strip spaces
    return value.strip()


def number(value: str) -> str:  # read with .isdigit() and int()
    return str(int(value)) if value.isascii() and value.isdigit() else ""


def page_number(value: str) -> str:  # int(), or "last"; anything else is a 404
    return number(value) or value


def one_of(choices) -> Callable[[str], str]:
    return lambda value: value if value in choices else ""


def first(length: int) -> Callable[[str], str]:
    return lambda value: value[:length]


PAGINATED = {"page": page_number}
SEARCH = {"q": stripped, "date_from": stripped, "date_to": stripped}
SEARCH |= dict.fromkeys(("section", "region", "author"), any_text) | PAGINATED
# The parameters each page (by URL name) reads; every other one is dropped. A view or
# template that starts reading a parameter must be listed here (tests check the code).
PAGE_PARAMETERS: dict[str, dict[str, Callable[[str], str]]] = {
    # WordPress's ?p=123 and ?page_id=123 are redirected by newsroom.redirects.
    "articles:home": PAGINATED | {"p": number, "page_id": number},
    "articles:section": PAGINATED,
    "articles:region": PAGINATED,
    "articles:author": PAGINATED,
    "articles:corrections": PAGINATED,
    "articles:sections": PAGINATED,
    "articles:regions": PAGINATED,
    "articles:search": SEARCH,
    "articles:sitemap": {"p": page_number},
    "articles:sitemap-section": {"p": page_number},
    # Read by the comments block on the article page.
    "articles:article": {
        "replyto": number,
        "anchor": first(40),
        "comment": one_of(NOTICES),
        "mail": one_of(MAIL_NOTICES),
    },
    "comments:article": PAGINATED,
    "newsletters:archive": PAGINATED,
    # Never cached (an uncacheable prefix), listed so this table names every parameter.
    "comments:reader_state": {"article": number},
}


def _page_parameters(path: str) -> dict[str, Callable[[str], str]]:
    candidates = [path]
    if settings.APPEND_SLASH and not path.endswith("/"):
        candidates.append(f"{path}/")  # where CommonMiddleware will redirect it, query kept
    for candidate in candidates:
        try:
            return PAGE_PARAMETERS.get(resolve(candidate).view_name, {})
        except Resolver404:
            continue
    return {}


def page_query(request) -> str:
    """The request's query string, reduced to what its page reads, in one spelling."""
    if not request.META.get("QUERY_STRING"):
        return ""
    read = _page_parameters(request.path_info)
    kept = []
    for name in sorted(read):
        value = request.GET.get(name)  # the last one, as every view reads it
        if value and not is_tracking(name):
            kept.append((name, read[name](value)))
    return urlencode([(name, value) for name, value in kept if value], quote_via=quote)


def keep_page_parameters(request) -> None:
    """Let the rest of the request see only ``page_query``'s parameters."""
    query = page_query(request)
    if query != request.META.get("QUERY_STRING", ""):
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query, encoding=request.encoding)
