"""What an article page tells machines: Open Graph, Twitter cards and schema.org JSON-LD.

Everything is built here as plain data from the article (with its prefetched regions,
bylines and lead photo) and rendered by the template: meta tags through auto-escaping,
JSON-LD through the ``json_ld`` filter, which keeps editors' text inside its script.
"""

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from .models import Article

LOGO = {"path": "img/logo.png", "width": 512, "height": 512}


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def article_metadata(article: Article, request) -> dict:
    """``meta``: (attribute, name, content) triples; ``json_ld``: a list of schema.org items."""
    absolute = request.build_absolute_uri
    url = absolute(article.get_absolute_url())
    home = absolute(reverse("articles:home"))
    published = article.publish_at
    modified = max(filter(None, [article.updated_at, published]))
    regions = [region.name for region in article.regions.all()]
    authors = article.author_list
    photo = article.lead_photo
    image = photo.share_image if photo and photo.image else None  # no file: nothing to show
    if image:
        image = {**image, "url": absolute(image["url"])}

    meta = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", settings.SITE_NAME),
        ("property", "og:title", article.display_headline),
        ("property", "og:description", article.standfirst),
        ("property", "og:url", url),
        ("property", "og:locale", _og_locale(settings.LANGUAGE_CODE)),
    ]
    if image:
        meta += [
            ("property", "og:image", image["url"]),
            ("property", "og:image:type", image["type"]),
            ("property", "og:image:width", image["width"]),
            ("property", "og:image:height", image["height"]),
            ("property", "og:image:alt", photo.alt_text),
        ]
    meta += [
        ("property", "article:published_time", _iso(published)),
        ("property", "article:modified_time", _iso(modified)),
        ("property", "article:section", article.section.name),
        *(("property", "article:tag", name) for name in regions),
        *(("property", "article:author", absolute(a.get_absolute_url())) for a in authors),
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", article.display_headline),
        ("name", "twitter:description", article.standfirst),
    ]
    if image:
        meta += [
            ("name", "twitter:image", image["url"]),
            ("name", "twitter:image:alt", photo.alt_text),
        ]
    meta = [(attribute, name, content) for attribute, name, content in meta if content]

    news_article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.display_headline,
        "description": article.standfirst,
        "datePublished": _iso(published),
        "dateModified": _iso(modified),
        "author": [
            {"@type": "Person", "name": author.name, "url": absolute(author.get_absolute_url())}
            for author in authors
        ],
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": home,
            "logo": {
                "@type": "ImageObject",
                "url": absolute(static(LOGO["path"])),
                "width": LOGO["width"],
                "height": LOGO["height"],
            },
        },
        "articleSection": article.section.name,
        "keywords": regions,
        "inLanguage": settings.LANGUAGE_CODE,
        "isAccessibleForFree": True,
    }
    if image:
        news_article["image"] = [
            {
                "@type": "ImageObject",
                "url": image["url"],
                "contentUrl": image["url"],
                "width": image["width"],
                "height": image["height"],
                "caption": photo.caption,
                "creditText": photo.credit_text,
                "description": photo.alt_text,
            }
        ]
    if not article.standfirst:
        del news_article["description"]
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": settings.SITE_NAME, "item": home},
            {
                "@type": "ListItem",
                "position": 2,
                "name": article.section.name,
                "item": absolute(article.section.get_absolute_url()),
            },
            {"@type": "ListItem", "position": 3, "name": article.display_headline, "item": url},
        ],
    }
    return {"meta": meta, "json_ld": [news_article, breadcrumbs]}


def _og_locale(language_code: str) -> str:
    """Django's ``en-gb`` as Open Graph's ``en_GB``."""
    language, _, country = language_code.partition("-")
    return f"{language}_{country.upper()}" if country else language
