from django.conf import settings


def site(request):
    """Site-wide configuration every template may show (name, support box, disclaimer)."""
    return {
        "site": {
            "name": settings.SITE_NAME,
            "tagline": settings.SITE_TAGLINE,
            "support_text": settings.SUPPORT_CTA_TEXT,
            "support_url": settings.SUPPORT_CTA_URL,
            "support_label": settings.SUPPORT_CTA_LABEL,
            "opinion_disclaimer": settings.OPINION_DISCLAIMER,
        }
    }
