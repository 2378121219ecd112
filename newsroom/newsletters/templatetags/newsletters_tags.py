from django import template

from articles import surrogates

register = template.Library()


@register.simple_tag(takes_context=True)
def listed_newsletters(context):
    """The newsletters offered on the sign-up page, for the sign-up parts of other pages
    (article, comment form): one query per request, however many parts ask. The page
    then carries the key purged when they change."""
    from ..models import Newsletter
    from ..views import LIST_KEY

    surrogates.show(LIST_KEY)
    request = context.get("request")
    found = getattr(request, "listed_newsletters", None)
    if found is None:
        found = list(Newsletter.objects.filter(listed=True).only("name", "slug", "description"))
        if request is not None:
            request.listed_newsletters = found
    return found
