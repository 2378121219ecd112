"""RSS 2.0 and Atom feeds: latest, and per section, region and author.

Items carry the headline with its kicker, the standfirst, every author, publish and
update times, the section and regions as categories, the lead photo (an enclosure plus a
Media RSS element with its size, caption and credit) and the whole body (RSS
``content:encoded``, Atom ``content``), so that feed readers, RSS-to-e-mail tools and
syndication partners get the article: its text, quotes as block quotes, photos as
images with their alt text, READ MORE and embeds as plain links (nothing in a feed
loads a player). A feed's queries do not grow with its items.
"""

import html
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, rfc3339_date
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_safe

from . import surrogates
from .markup import clean_feed, xml_text
from .models import Article

MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


def _xml_safe(value):
    """The value with every string in it freed of characters XML cannot hold."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    return value


def _media_content(handler, item) -> None:
    photo = item["photo"]
    if not photo:
        return
    attributes = {
        "url": urljoin(item["link"], photo["url"]),
        "medium": "image",
        "type": photo["type"],
    }
    for key, name in (("width", "width"), ("height", "height"), ("bytes", "fileSize")):
        if photo[key]:
            attributes[name] = str(photo[key])
    handler.startElement("media:content", attributes)
    if photo["caption"]:
        handler.addQuickElement("media:description", photo["caption"], {"type": "plain"})
    if photo["credit"]:
        handler.addQuickElement("media:credit", photo["credit"])
    handler.endElement("media:content")


def _quote_html(quote) -> str:
    who = ", ".join(filter(None, [quote.speaker, quote.speaker_role]))
    return format_html(
        "<blockquote{}>{}<p>— <cite>{}</cite></p></blockquote>",
        format_html(' cite="{}"', quote.source_url) if quote.source_url else "",
        format_html_join("", "<p>{}</p>", ((line,) for line in quote.text.splitlines() if line)),
        who,
    )


def _photo_html(block) -> str:
    photo = block.photo
    if not photo.image:  # recorded, but its file never arrived
        return ""
    image = photo.share_image
    credit = f"({block.shown_credit})" if block.shown_credit else ""
    caption = " ".join(filter(None, [block.shown_caption, credit]))
    return format_html(
        '<figure><img src="{}" alt="{}" width="{}" height="{}">{}</figure>',
        image["url"],
        photo.alt_text,
        image["width"] or "",
        image["height"] or "",
        format_html("<figcaption>{}</figcaption>", caption) if caption else "",
    )


def _read_more_html(link) -> str:
    return format_html(
        '<p><strong>READ MORE:</strong> <a href="{}">{}</a></p>', link.href, link.label
    )


def _embed_html(embed) -> str:
    name = embed.embeddable.provider if embed.embeddable else embed.provider
    label = f"{name}: {embed.url}" if name else embed.url
    return format_html('<p><a href="{}">{}</a></p>', embed.url, label)


_FEED_BLOCKS = {
    "text": lambda block: block.text,  # sanitised when saved
    "quote": _quote_html,
    "photo": _photo_html,
    "readmore": _read_more_html,
    "embed": _embed_html,
}


def body_html(article) -> str:
    """The article's body for a feed, addresses still relative (see ``clean_feed``)."""
    return "\n".join(_FEED_BLOCKS[block.kind](block) for block in article.blocks())


class NewsRss(Rss201rev2Feed):
    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:media": MEDIA_NS,
            "xmlns:dc": DC_NS,
            "xmlns:content": CONTENT_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", clean_feed(item["body"], item["link"]))
        if item["updateddate"]:
            # RSS 2.0 has no update time of its own; readers understand Atom's.
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))
        # RSS's own <author> wants an e-mail address; Dublin Core takes names, any number.
        for name, _url in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        photo = item["photo"]
        if photo and photo["bytes"]:
            handler.addQuickElement(
                "enclosure",
                attrs={
                    "url": urljoin(item["link"], photo["url"]),
                    "length": str(photo["bytes"]),
                    "type": photo["type"],
                },
            )
        _media_content(handler, item)


class NewsAtom(Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", clean_feed(item["body"], item["link"]), {"type": "html"})
        for name, url in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", urljoin(item["link"], url))
            handler.endElement("author")
        photo = item["photo"]
        if photo:
            attributes = {
                "rel": "enclosure",
                "href": urljoin(item["link"], photo["url"]),
                "type": photo["type"],
            }
            if photo["bytes"]:
                attributes["length"] = str(photo["bytes"])
            handler.addQuickElement("link", "", attributes)
        _media_content(handler, item)


class LatestFeed(Feed):
    feed_type = NewsRss
    limit = 30

    # Django's feeds answer any method; ours are read-only, like every page (405 else).
    __call__ = method_decorator(require_safe)(Feed.__call__)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: latest"

    def description(self, obj=None):
        return settings.SITE_TAGLINE

    def subtitle(self, obj=None):  # Atom's name for the description
        return self.description(obj)

    def link(self, obj=None):
        return reverse("articles:home")

    def author_name(self, obj=None):
        # Atom needs an author for the feed; each entry names its own as well.
        return settings.SITE_NAME

    def filter_articles(self, articles, obj):
        return articles

    def get_feed(self, obj, request):
        # A stray control character pasted into a headline or a name would otherwise
        # make the whole feed fail.
        feed = super().get_feed(obj, request)
        feed.feed = _xml_safe(feed.feed)
        feed.items = _xml_safe(feed.items)
        return feed

    def items(self, obj=None):
        articles = Article.objects.published().for_listing().with_body()
        articles = articles.prefetch_related("regions")
        return self.filter_articles(articles, obj)[: self.limit]

    def item_title(self, article):
        return article.display_headline

    def item_description(self, article):
        # Readers take descriptions as HTML; the standfirst is plain text.
        return html.escape(article.standfirst, quote=False)

    def item_pubdate(self, article):
        return article.publish_at

    def item_updateddate(self, article):
        return max(filter(None, [article.updated_at, article.publish_at]))

    def item_categories(self, article):
        return [article.section.name, *(region.name for region in article.regions.all())]

    def item_extra_kwargs(self, article):
        surrogates.show(surrogates.article(article.pk))
        photo = article.lead_photo
        if photo and not photo.image:  # recorded, but its file never arrived
            photo = None
        if photo:
            shared = photo.share_image
            photo = {**shared, "caption": photo.caption, "credit": photo.credit_text}
        authors = [(author.name, author.get_absolute_url()) for author in article.author_list]
        return {"authors": authors, "photo": photo, "body": body_html(article)}


class LatestAtomFeed(LatestFeed):
    feed_type = NewsAtom


class ListingFeed(LatestFeed):
    """The feed of one section, region or author (``model``), found by its slug."""

    def __init__(self, model, feed_type=NewsRss):
        super().__init__()
        self.model, self.feed_type = model, feed_type

    def get_object(self, request, slug):
        listing = get_object_or_404(self.model, slug=slug)
        surrogates.show(surrogates.listing(listing))
        return listing

    def title(self, listing):
        return f"{settings.SITE_NAME}: {listing.name}"

    def link(self, listing):
        return listing.get_absolute_url()

    def filter_articles(self, articles, listing):
        return articles.listed_under(listing)


def feed_links(name: str = "", obj=None) -> list[dict]:
    """The <link rel="alternate"> entries for a page: RSS and Atom of ``obj``'s feed."""
    kind = type(obj).__name__.lower() if obj is not None else ""
    args = [obj.slug] if obj is not None else []
    prefix = f"{kind}-" if kind else ""
    label = f"{settings.SITE_NAME}: {name}" if name else f"{settings.SITE_NAME}: latest"
    return [
        {
            "type": "application/rss+xml",
            "title": f"{label} (RSS)",
            "href": reverse(f"articles:{prefix}feed-rss", args=args),
        },
        {
            "type": "application/atom+xml",
            "title": f"{label} (Atom)",
            "href": reverse(f"articles:{prefix}feed-atom", args=args),
        },
    ]
