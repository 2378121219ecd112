import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import fragments
from ..markup import xml_text
from ..models import Section

register = template.Library()


@register.inclusion_tag("articles/includes/section_nav.html", takes_context=True)
def section_nav(context):
    """The sections, cached until an editor changes something."""
    sections = fragments.cached("sections", lambda: list(Section.objects.all()), timeout=None)
    pages = context.get("site_pages")
    return {
        "sections": sections,
        "pages": pages["navigation"] if pages else [],
        "request": context.get("request"),
    }


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's one address: its path, plus the page number of a paginated list.

    Views may set ``canonical_path`` (a path, possibly with a query string) to name
    another address, e.g. search results without parameters that change nothing.
    """
    request = context.get("request")
    if request is None:
        return ""
    path, _, query = (context.get("canonical_path") or request.path).partition("?")
    params = QueryDict(query, mutable=True)
    page = context.get("page_obj")
    if page is not None and page.number > 1:
        params["page"] = str(page.number)
    query = params.urlencode()
    return request.build_absolute_uri(f"{path}?{query}" if query else path)


# JSON escapes for the three characters that could end a script element or start markup.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data) -> str:
    """``data`` as a JSON-LD script element that no text inside it can break out of.

    With ``<``, ``>`` and ``&`` written as JSON escapes, the serialised text contains no
    ``</script``, ``<!--`` or character reference, whatever an editor typed; JSON parsers
    read the escapes back as the original characters.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.filter
def xml(text) -> str:
    """For XML documents: drops the control characters XML cannot hold."""
    return xml_text(str(text))


@register.filter
def iso(moment) -> str:
    """A time for ``<time datetime>``: ISO 8601 to the second, as HTML allows it.

    (Django's ``date:"c"`` adds microseconds, which HTML's datetime syntax rejects.)
    """
    if not moment:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")
