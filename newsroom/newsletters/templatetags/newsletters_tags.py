from django import template

from articles import surrogates

register = template.Library()


@register.simple_tag
def listed_newsletters():
    """The newsletters offered on the sign-up page, for the sign-up parts of other pages
    (article, comment form); the page then carries the key purged when they change."""
    from ..models import Newsletter
    from ..views import LIST_KEY

    surrogates.show(LIST_KEY)
    return list(Newsletter.objects.filter(listed=True).only("name", "slug", "description"))
