"""What an article page tells machines: Open Graph, Twitter cards and schema.org JSON-LD.

Everything is built here as plain data from the article (with its prefetched regions,
bylines and lead photo) and rendered by the template: meta tags through auto-escaping,
JSON-LD through the ``json_ld`` filter, which keeps editors' text inside its script.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from .models import Article, Author, Photo, linked_pages

LOGO = {"path": "img/logo.png", "width": 512, "height": 512}


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


@dataclass(frozen=True)
class _Page:
    """What every part of an article page's metadata is made from."""

    article: Article
    absolute: Callable[[str], str]  # a path as a full URL
    url: str
    home: str
    published: datetime | None
    modified: datetime
    regions: list[str]
    authors: list[Author]
    photo: Photo | None
    image: dict | None  # the lead photo's share image, with a full URL; None without a file


def article_metadata(article: Article, request) -> dict:
    """``meta``: (attribute, name, content) triples; ``json_ld``: a list of schema.org items."""
    page = _page(article, request)
    meta = [*_open_graph(page), *_twitter_card(page)]
    return {
        "meta": [(attribute, name, content) for attribute, name, content in meta if content],
        "json_ld": [_news_article(page), _breadcrumbs(page)],
    }


def _page(article: Article, request) -> _Page:
    absolute = request.build_absolute_uri
    published = article.publish_at
    photo = article.lead_photo
    image = photo.share_image if photo and photo.image else None  # no file: nothing to show
    if image:
        image = {**image, "url": absolute(image["url"])}
    return _Page(
        article=article,
        absolute=absolute,
        url=absolute(article.get_absolute_url()),
        home=absolute(reverse("articles:home")),
        published=published,
        modified=max(filter(None, [article.updated_at, published])),
        regions=[region.name for region in article.regions.all()],
        authors=article.author_list,
        photo=photo,
        image=image,
    )


def _open_graph(page: _Page) -> list[tuple]:
    """Open Graph's og: and article: tags; empty contents are dropped by the caller."""
    article, image = page.article, page.image
    meta = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", settings.SITE_NAME),
        ("property", "og:title", article.display_headline),
        ("property", "og:description", article.standfirst),
        ("property", "og:url", page.url),
        ("property", "og:locale", _og_locale(settings.LANGUAGE_CODE)),
    ]
    if image:
        meta += [
            ("property", "og:image", image["url"]),
            ("property", "og:image:type", image["type"]),
            ("property", "og:image:width", image["width"]),
            ("property", "og:image:height", image["height"]),
            ("property", "og:image:alt", page.photo.alt_text),
        ]
    return [
        *meta,
        ("property", "article:published_time", _iso(page.published)),
        ("property", "article:modified_time", _iso(page.modified)),
        ("property", "article:section", article.section.name),
        *(("property", "article:tag", name) for name in page.regions),
        *(
            ("property", "article:author", page.absolute(a.get_absolute_url()))
            for a in page.authors
        ),
    ]


def _twitter_card(page: _Page) -> list[tuple]:
    article, image = page.article, page.image
    meta = [
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", article.display_headline),
        ("name", "twitter:description", article.standfirst),
    ]
    if image:
        meta += [
            ("name", "twitter:image", image["url"]),
            ("name", "twitter:image:alt", page.photo.alt_text),
        ]
    return meta


def _news_article(page: _Page) -> dict:
    article = page.article
    news_article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": page.url},
        "url": page.url,
        "headline": article.display_headline,
        "description": article.standfirst,
        "datePublished": _iso(page.published),
        "dateModified": _iso(page.modified),
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": page.absolute(author.get_absolute_url()),
            }
            for author in page.authors
        ],
        "publisher": _publisher(page),
        "articleSection": article.section.name,
        "keywords": page.regions,
        "inLanguage": settings.LANGUAGE_CODE,
        "isAccessibleForFree": True,
    }
    if page.image:
        news_article["image"] = [_image_object(page.image, page.photo)]
    if not article.standfirst:
        del news_article["description"]
    return news_article


def _publisher(page: _Page) -> dict:
    publisher = {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": page.home,
        "logo": {
            "@type": "ImageObject",
            "url": page.absolute(static(LOGO["path"])),
            "width": LOGO["width"],
            "height": LOGO["height"],
        },
    }
    principles = linked_pages()["principles"]  # the ethics and corrections policy
    if principles:
        publisher["publishingPrinciples"] = page.absolute(principles)
    return publisher


def _image_object(image: dict, photo: Photo) -> dict:
    return {
        "@type": "ImageObject",
        "url": image["url"],
        "contentUrl": image["url"],
        "width": image["width"],
        "height": image["height"],
        "caption": photo.caption,
        "creditText": photo.credit_text,
        "description": photo.alt_text,
    }


def _breadcrumbs(page: _Page) -> dict:
    """Home, the article's section, the article."""
    section = page.article.section
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": settings.SITE_NAME, "item": page.home},
            {
                "@type": "ListItem",
                "position": 2,
                "name": section.name,
                "item": page.absolute(section.get_absolute_url()),
            },
            {
                "@type": "ListItem",
                "position": 3,
                "name": page.article.display_headline,
                "item": page.url,
            },
        ],
    }


def _og_locale(language_code: str) -> str:
    """Django's ``en-gb`` as Open Graph's ``en_GB``."""
    language, _, country = language_code.partition("-")
    return f"{language}_{country.upper()}" if country else language
