from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.models import linked_pages

# What the composition root adds to an article page: the articles app's templates include
# these where they are named, and know nothing of comments themselves.
ARTICLE_PAGE_PARTS = {
    "passage_tools_template": "comments/passage_link.html",  # beside each passage
    "discussion_template": "comments/discussion.html",  # below the article
    "newsletter_signup_template": "newsletters/article_signup.html",  # after the article
    # Inside the comment form: "also send me the newsletter" (newsletters.signup reads it).
    "comment_form_extras_template": "newsletters/comment_tick.html",
}


def site(request):
    """Site-wide configuration every template may show (name, support box, disclaimer,
    the pages linked in the navigation and footer), and the parts other apps add to
    article pages."""
    return {
        **ARTICLE_PAGE_PARTS,
        # Read only where a template shows them (not in the admin), from the cache.
        "site_pages": SimpleLazyObject(linked_pages),
        "site": {
            "name": settings.SITE_NAME,
            "tagline": settings.SITE_TAGLINE,
            "support_text": settings.SUPPORT_CTA_TEXT,
            "support_url": settings.SUPPORT_CTA_URL,
            "support_label": settings.SUPPORT_CTA_LABEL,
            "opinion_disclaimer": settings.OPINION_DISCLAIMER,
        },
    }
