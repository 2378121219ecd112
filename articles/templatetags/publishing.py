from django import template
from django.core.cache import cache

from newsroom import pagecache

from ..models import Section

register = template.Library()


@register.inclusion_tag("articles/includes/section_nav.html", takes_context=True)
def section_nav(context):
    """The sections, cached until an editor changes something."""
    key = f"sections:{pagecache.editorial_version()}"
    sections = cache.get(key)
    if sections is None:
        sections = list(Section.objects.all())
        cache.set(key, sections, timeout=None)
    return {"sections": sections, "request": context.get("request")}
