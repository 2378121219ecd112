"""Reading a WordPress export (WXR), streaming, so its size does not matter.

``read_site`` is the first pass: it checks the whole file is well-formed and collects
the small things items refer to (authors, categories, tags, attachments). ``iter_posts``
is the second: every item, in file order.
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from django.utils import timezone
from django.utils.text import slugify

from articles.markup import plain_text

# The prefixes WordPress writes. A file is read by the URIs it binds them to, as
# WordPress's own importer reads it: WordPress.com, for one, binds https URIs.
_PREFIXES = frozenset({"wp", "excerpt", "content", "dc", "wfw"})
# Where a file gives these URIs another prefix, they are still known (any WXR version).
_STANDARD_URIS = [
    (re.compile(r"http://wordpress\.org/export/1\.\d+/excerpt/"), "excerpt"),
    (re.compile(r"http://wordpress\.org/export/1\.\d+/"), "wp"),
    (re.compile(r"http://purl\.org/rss/1\.0/modules/content/"), "content"),
    (re.compile(r"http://purl\.org/dc/elements/1\.1/"), "dc"),
]
_WXR_VERSION = re.compile(r"1\.[0-2]")
NO_DATE = "0000-00-00 00:00:00"


class ExportError(Exception):
    """The file is not a WordPress export we can read; nothing has been written."""


class _Names:
    """``{uri}post_id`` → ``wp:post_id``, by the prefixes this file binds as it streams."""

    def __init__(self):
        self._bound: dict[str, str] = {}  # URI → one of _PREFIXES
        self._names: dict[str, str] = {}

    def bind(self, prefix: str, uri: str) -> None:
        if prefix in _PREFIXES:
            self._bound[uri] = prefix
            self._names.clear()

    def __call__(self, tag: str) -> str:
        name = self._names.get(tag)
        if name is None:
            name = self._names[tag] = self._prefixed(tag)
        return name

    def _prefixed(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        uri, local = tag[1:].split("}", 1)
        prefix = self._bound.get(uri)
        if prefix is None:
            standard = (p for pattern, p in _STANDARD_URIS if pattern.fullmatch(uri))
            prefix = next(standard, "?")
        return f"{prefix}:{local}"


def _channel_children(path: Path) -> Iterator[ET.Element]:
    """Each child of ``<channel>`` once complete, then forgotten, so memory stays small.

    Tags come renamed to prefixed names (``wp:post_id``), whatever URIs the file uses.
    The export is the operator's own file; expat (2.4+) refuses entity-expansion bombs
    and ElementTree never fetches external entities.
    """
    try:
        yield from _stream(path)
    except ET.ParseError as error:
        line, column = error.position
        problem = str(error).split(":")[0]
        raise ExportError(
            f"{path.name} is not well-formed XML: {problem} at line {line}, column {column}. "
            "Export the site again or repair the file; nothing was imported."
        ) from error
    except OSError as error:
        raise ExportError(f"Cannot read {path}: {error.strerror or error}.") from error


def _stream(path: Path) -> Iterator[ET.Element]:
    depth, channel, names = 0, None, _Names()
    events = ET.iterparse(path, events=("start-ns", "start", "end"))  # noqa: S314
    for event, payload in events:
        if event == "start-ns":
            names.bind(*payload)
            continue
        element = payload
        if event == "start":
            depth += 1
            if depth == 1 and element.tag != "rss":
                raise ExportError(
                    f"{path.name} is not a WordPress export: it is XML, but not RSS "
                    f"(its root element is <{names(element.tag)}>)."
                )
            if depth == 2 and element.tag == "channel":
                channel = element
            continue
        depth -= 1
        element.tag = names(element.tag)  # its children were renamed as they ended
        if depth == 2 and channel is not None:
            yield element
            channel.clear()
    if channel is None:
        raise ExportError(f"{path.name} is not a WordPress export: it has no <channel>.")


def _text(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _fields(element: ET.Element) -> dict[str, str]:
    """The simple children of an element, by prefixed name (the first of each name)."""
    fields: dict[str, str] = {}
    for child in element:
        fields.setdefault(child.tag, child.text or "")
    return fields


def parse_date(value: str) -> datetime | None:
    """A WordPress GMT date, or None for WordPress's "no date" (drafts)."""
    value = (value or "").strip()
    if not value or value == NO_DATE:
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def parse_local_date(value: str) -> datetime | None:
    """A WordPress local date, read in our time zone (the old site's is not exported)."""
    value = (value or "").strip()
    if not value or value == NO_DATE:
        return None
    naive = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    return timezone.make_aware(naive, timezone.get_default_timezone())


@dataclass
class Term:
    slug: str
    name: str
    parent: str = ""  # the parent's slug


@dataclass
class Attachment:
    wp_id: str
    url: str
    file: str = ""  # relative to wp-content/uploads
    alt: str = ""
    caption: str = ""
    title: str = ""


@dataclass
class WPComment:
    wp_id: str
    parent_id: str
    author: str
    email: str
    url: str
    ip: str
    date_gmt: str
    date: str
    content: str
    approved: str
    type: str


@dataclass
class Post:
    wp_id: str
    type: str
    status: str
    title: str = ""
    slug: str = ""
    link: str = ""
    guid: str = ""
    content: str = ""
    excerpt: str = ""
    date_gmt: str = ""
    date: str = ""
    modified_gmt: str = ""
    creator: str = ""
    sticky: bool = False
    comment_status: str = "open"
    categories: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    tags: list[tuple[str, str]] = field(default_factory=list)
    thumbnail_id: str = ""
    comments: list[WPComment] = field(default_factory=list)


@dataclass
class Site:
    """What the first pass learns: everything items refer to, and how many there are."""

    version: str = ""
    base_url: str = ""
    authors: dict[str, str] = field(default_factory=dict)  # login → display name
    categories: dict[str, Term] = field(default_factory=dict)
    tags: dict[str, Term] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    item_types: Counter = field(default_factory=Counter)

    @property
    def items(self) -> int:
        return sum(self.item_types.values())


def _term(element: ET.Element, slug_key: str, name_key: str) -> Term:
    fields = _fields(element)
    slug = unquote(fields.get(slug_key, "")).strip()
    name = plain_text(fields.get(name_key, "")) or slug
    return Term(slug=slug or slugify(name), name=name, parent=fields.get("wp:category_parent", ""))


def _meta(item: ET.Element) -> dict[str, str]:
    meta = {}
    for child in item:
        if child.tag == "wp:postmeta":
            fields = _fields(child)
            meta.setdefault(fields.get("wp:meta_key", ""), fields.get("wp:meta_value", ""))
    return meta


def read_site(path: Path) -> Site:
    """The first pass: check the whole file, and collect what items refer to."""
    site = Site()
    for element in _channel_children(path):
        _collect(site, element)
    if not site.version:
        raise ExportError(
            f"{path.name} is RSS but not a WordPress export (no <wp:wxr_version>). "
            "Use Tools → Export in WordPress to make one."
        )
    if not _WXR_VERSION.fullmatch(site.version):
        raise ExportError(f"WXR version {site.version} is not supported (1.0 to 1.2 are).")
    return site


def _collect(site: Site, element: ET.Element) -> None:
    """Note what one child of the channel tells about the site."""
    name = element.tag
    if name == "wp:wxr_version":
        site.version = (element.text or "").strip()
    elif name == "wp:base_site_url" or (name == "link" and not site.base_url):
        site.base_url = (element.text or "").strip()
    elif name == "wp:author":
        fields = _fields(element)
        login = fields.get("wp:author_login", "").strip()
        if login:
            site.authors[login] = plain_text(fields.get("wp:author_display_name", "")) or login
    elif name == "wp:category":
        term = _term(element, "wp:category_nicename", "wp:cat_name")
        site.categories[term.slug] = term
    elif name == "wp:tag":
        term = _term(element, "wp:tag_slug", "wp:tag_name")
        site.tags[term.slug] = term
    elif name == "item":
        _collect_item(site, element)


def _collect_item(site: Site, element: ET.Element) -> None:
    """Count the item's type; remember an attachment, which posts refer to by ID."""
    fields = _fields(element)
    post_type = fields.get("wp:post_type", "").strip() or "post"
    site.item_types[post_type] += 1
    if post_type != "attachment" or not fields.get("wp:post_id"):
        return
    meta = _meta(element)
    site.attachments[fields["wp:post_id"].strip()] = Attachment(
        wp_id=fields["wp:post_id"].strip(),
        url=fields.get("wp:attachment_url", "").strip() or fields.get("guid", ""),
        file=meta.get("_wp_attached_file", ""),
        alt=plain_text(meta.get("_wp_attachment_image_alt", "")),
        caption=plain_text(fields.get("excerpt:encoded", "")),
        title=plain_text(fields.get("title", "")),
    )


def _post(item: ET.Element) -> Post:
    fields = _fields(item)
    post = Post(
        wp_id=fields.get("wp:post_id", "").strip(),
        type=fields.get("wp:post_type", "").strip() or "post",
        status=fields.get("wp:status", "").strip() or "draft",
        title=fields.get("title", ""),
        slug=fields.get("wp:post_name", "").strip(),
        link=fields.get("link", "").strip(),
        guid=fields.get("guid", "").strip(),
        content=fields.get("content:encoded", ""),
        excerpt=fields.get("excerpt:encoded", ""),
        date_gmt=fields.get("wp:post_date_gmt", ""),
        date=fields.get("wp:post_date", ""),
        modified_gmt=fields.get("wp:post_modified_gmt", ""),
        creator=fields.get("dc:creator", "").strip(),
        sticky=fields.get("wp:is_sticky", "0").strip() == "1",
        comment_status=fields.get("wp:comment_status", "open").strip(),
        thumbnail_id=_meta(item).get("_thumbnail_id", "").strip(),
    )
    for child in item:
        name = child.tag
        if name == "category":
            term = (unquote(child.get("nicename", "")).strip(), plain_text(_text(child)))
            if child.get("domain") == "category":
                post.categories.append(term)
            elif child.get("domain") == "post_tag":
                post.tags.append(term)
        elif name == "wp:comment":
            c = _fields(child)
            post.comments.append(
                WPComment(
                    wp_id=c.get("wp:comment_id", "").strip(),
                    parent_id=c.get("wp:comment_parent", "0").strip() or "0",
                    author=c.get("wp:comment_author", ""),
                    email=c.get("wp:comment_author_email", "").strip(),
                    url=c.get("wp:comment_author_url", "").strip(),
                    ip=c.get("wp:comment_author_IP", "").strip(),
                    date_gmt=c.get("wp:comment_date_gmt", ""),
                    date=c.get("wp:comment_date", ""),
                    content=c.get("wp:comment_content", ""),
                    approved=c.get("wp:comment_approved", "0").strip(),
                    type=c.get("wp:comment_type", "").strip() or "comment",
                )
            )
    return post


def iter_posts(path: Path) -> Iterator[Post]:
    """The second pass: every item of the export, attachments included, in file order."""
    for element in _channel_children(path):
        if element.tag == "item":
            yield _post(element)
