"""Moving a WordPress site into Newsroom: reading its export (WXR) and importing it.

The export is read twice, streaming, so its size does not matter: the first pass checks
the whole file is well-formed and collects the small things items refer to (authors,
categories, tags, attachments); nothing is written unless it succeeds. The second pass
imports posts in batches, one transaction each, remembering the WordPress ID of
everything it creates (``ImportedItem``) so a second run, or a run after an
interruption, adds only what is missing.

Bodies go through ``clean_editorial``, comments through ``clean_comment``; images become
``Photo`` rows placed with ``[photo N]`` placeholders, their renditions queued when their
article is published; shortcodes never reach readers.
"""

import contextlib
import html
import ipaddress
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator, validate_email
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from articles import body as article_body
from articles import tasks as article_tasks
from articles.images import normalise_upload
from articles.markup import clean_comment, clean_editorial, plain_text
from articles.models import Article, Author, BodyPhoto, Byline, Photo, Region, Section, TaggedRegion
from comments.models import Comment
from newsroom.redirects.models import LegacyPath

from .models import ImportedItem

# --- Reading the file ---------------------------------------------------------------------

_NAMESPACES = [
    (re.compile(r"http://wordpress\.org/export/1\.\d+/excerpt/"), "excerpt"),
    (re.compile(r"http://wordpress\.org/export/1\.\d+/"), "wp"),
    (re.compile(r"http://purl\.org/rss/1\.0/modules/content/"), "content"),
    (re.compile(r"http://purl\.org/dc/elements/1\.1/"), "dc"),
]
_WXR_VERSION = re.compile(r"1\.[0-2]")
NO_DATE = "0000-00-00 00:00:00"


class ExportError(Exception):
    """The file is not a WordPress export we can read; nothing has been written."""


@lru_cache(maxsize=512)
def _name(tag: str) -> str:
    """``{http://wordpress.org/export/1.2/}post_id`` → ``wp:post_id``, whatever the version."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    for pattern, prefix in _NAMESPACES:
        if pattern.fullmatch(uri):
            return f"{prefix}:{local}"
    return f"?:{local}"


def _channel_children(path: Path) -> Iterator[ET.Element]:
    """Each child of ``<channel>`` once complete, then forgotten, so memory stays small.

    The export is the operator's own file; expat (2.4+) refuses entity-expansion bombs
    and ElementTree never fetches external entities.
    """
    depth, channel = 0, None
    try:
        for event, element in ET.iterparse(path, events=("start", "end")):  # noqa: S314
            if event == "start":
                depth += 1
                if depth == 1 and element.tag != "rss":
                    raise ExportError(
                        f"{path.name} is not a WordPress export: it is XML, but not RSS "
                        f"(its root element is <{_name(element.tag)}>)."
                    )
                if depth == 2 and element.tag == "channel":
                    channel = element
                continue
            depth -= 1
            if depth == 2 and channel is not None:
                yield element
                channel.clear()
    except ET.ParseError as error:
        line, column = error.position
        problem = str(error).split(":")[0]
        raise ExportError(
            f"{path.name} is not well-formed XML: {problem} at line {line}, column {column}. "
            "Export the site again or repair the file; nothing was imported."
        ) from error
    except OSError as error:
        raise ExportError(f"Cannot read {path}: {error.strerror or error}.") from error
    if channel is None:
        raise ExportError(f"{path.name} is not a WordPress export: it has no <channel>.")


def _text(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _fields(element: ET.Element) -> dict[str, str]:
    """The simple children of an element, by prefixed name (the first of each name)."""
    fields: dict[str, str] = {}
    for child in element:
        fields.setdefault(_name(child.tag), child.text or "")
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
        if _name(child.tag) == "wp:postmeta":
            fields = _fields(child)
            meta.setdefault(fields.get("wp:meta_key", ""), fields.get("wp:meta_value", ""))
    return meta


def read_site(path: Path) -> Site:
    """The first pass: check the whole file, and collect what items refer to."""
    site = Site()
    for element in _channel_children(path):
        name = _name(element.tag)
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
            fields = _fields(element)
            post_type = fields.get("wp:post_type", "").strip() or "post"
            site.item_types[post_type] += 1
            if post_type == "attachment" and fields.get("wp:post_id"):
                meta = _meta(element)
                site.attachments[fields["wp:post_id"].strip()] = Attachment(
                    wp_id=fields["wp:post_id"].strip(),
                    url=fields.get("wp:attachment_url", "").strip() or fields.get("guid", ""),
                    file=meta.get("_wp_attached_file", ""),
                    alt=plain_text(meta.get("_wp_attachment_image_alt", "")),
                    caption=plain_text(fields.get("excerpt:encoded", "")),
                    title=plain_text(fields.get("title", "")),
                )
    if not site.version:
        raise ExportError(
            f"{path.name} is RSS but not a WordPress export (no <wp:wxr_version>). "
            "Use Tools → Export in WordPress to make one."
        )
    if not _WXR_VERSION.fullmatch(site.version):
        raise ExportError(f"WXR version {site.version} is not supported (1.0 to 1.2 are).")
    return site


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
        name = _name(child.tag)
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
        if _name(element.tag) == "item":
            yield _post(element)


# --- Turning WordPress markup into a Newsroom body --------------------------------------------


@dataclass(frozen=True)
class ImageRef:
    """An image found in a post: by attachment ID when WordPress said which, else by URL."""

    attachment_id: str = ""
    src: str = ""
    alt: str = ""
    caption: str = ""


@dataclass
class Converted:
    html: str
    images: dict[int, ImageRef]  # placeholder number → image
    notes: list[str]


_BLOCK_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CAPTION = re.compile(r"\[(caption|wp_caption)\b([^\]]*)\](.*?)\[/\1\]", re.S | re.I)
_FIGURE = re.compile(r"<figure\b[^>]*>((?:(?!<figure\b).)*?)</figure>", re.S | re.I)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.S | re.I)
_LINKED_IMG = re.compile(r"<a\b[^>]*>\s*(<img\b[^>]*>)\s*</a>", re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*)?)\]")
_WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d+)\b")
_BLOCK_START = re.compile(
    r"\s*<(p|h[1-6]|ul|ol|li|blockquote|table|thead|tbody|tr|td|th|pre|dl|dt|dd|hr|div|figure"
    r"|figcaption|cite|address|section|aside|iframe|script|style)\b",
    re.I,
)
_EMPTY_BLOCK = re.compile(r"<(p|h2|h3|h4)>(?:\s|&nbsp;|\u00a0|<br>)*</\1>")
_TOKEN = re.compile(r"\u27e6photo:(\d+)\u27e7")  # ⟦photo:N⟧ marks where a photo goes
# Shortcodes with no text of their own worth keeping; they are dropped and reported.
_DROPPED_SHORTCODES = {"audio", "video", "playlist", "embed", "wp_playlist", "gallery"}
# Invisible, and enough to stop bracketed text reading as one of our placeholders.
WORD_JOINER = "\u2060"


def _attrs(tag: str) -> dict[str, str]:
    return {
        m[1].lower(): html.unescape(m[2] if m[2] is not None else m[3] or m[4] or "")
        for m in _ATTR.finditer(tag)
    }


def _autop(text: str) -> str:
    """Paragraphs for text written in the classic editor, where blank lines make them.

    Chunks between blank lines that start with block markup are left as they are;
    others become paragraphs, their single line breaks kept as ``<br>``.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    return "\n".join(out)


def _neutralise(block_html: str) -> str:
    """Keep bracketed text as text: no bracket may start a placeholder or stand alone."""
    parts = re.split(r"(<[^>]*>)", block_html)
    return "".join(
        part if part.startswith("<") else part.replace("[", f"{WORD_JOINER}[{WORD_JOINER}")
        for part in parts
    )


def convert_body(content: str) -> Converted:
    """WordPress post content (either editor) → sanitised body, its images and notes."""
    images: dict[int, ImageRef] = {}
    notes: list[str] = []

    def token(ref: ImageRef) -> str:
        number = len(images) + 1
        images[number] = ref
        return f"\n\n\u27e6photo:{number}\u27e7\n\n"

    def image(img_tag: str, caption: str = "", attachment_id: str = "") -> ImageRef:
        attrs = _attrs(img_tag)
        found = _WP_IMAGE_CLASS.search(attrs.get("class", ""))
        return ImageRef(
            attachment_id=attachment_id or (found[1] if found else ""),
            src=attrs.get("src", ""),
            alt=attrs.get("alt", "").strip(),
            caption=caption,
        )

    def caption_shortcode(match: re.Match) -> str:
        attrs, inner = _attrs(match[2]), match[3]
        img = _IMG.search(inner)
        if not img:
            return inner
        caption = plain_text(_IMG.sub("", inner)) or plain_text(attrs.get("caption", ""))
        attachment = attrs.get("id", "").removeprefix("attachment_")
        return token(image(img[0], caption, attachment if attachment.isdigit() else ""))

    def figure(match: re.Match) -> str:
        inner = match[1]
        imgs = _IMG.findall(inner)
        caption = _FIGCAPTION.search(inner)
        if not imgs:  # an embed, a pull quote, a table: keep its content, caption as text
            return _FIGCAPTION.sub(r"<p>\1</p>", inner)
        text = plain_text(caption[1]) if caption and len(imgs) == 1 else ""
        return "".join(token(image(img, text)) for img in imgs)

    def shortcode(match: re.Match) -> str:
        closing, name, attrs = match[1], match[2].lower(), match[3]
        if name == "gallery" and not closing:
            ids = _attrs(attrs).get("ids", "")
            found = [i.strip() for i in ids.split(",") if i.strip().isdigit()]
            if found:
                return "".join(token(ImageRef(attachment_id=i)) for i in found)
        # Attributes (key="value") mark a plugin's shortcode; "[sic]" or "[1]" is text.
        if name in _DROPPED_SHORTCODES or name in enclosing or "=" in attrs:
            if not closing:
                notes.append(f"shortcode [{name}] removed")
            return ""
        notes.append(f"“{match[0]}” kept as text")
        return match[0]

    text = _BLOCK_COMMENT.sub("\n", content or "")
    text = _CAPTION.sub(caption_shortcode, text)
    text = _LINKED_IMG.sub(r"\1", text)
    while True:  # innermost figures first, so galleries of figures work too
        text, count = _FIGURE.subn(figure, text)
        if not count:
            break
    text = _IMG.sub(lambda m: token(image(m[0])), text)
    # Shortcodes written as pairs ([name]…[/name]) are dropped, their text kept.
    enclosing = {name.lower() for name in re.findall(r"\[/([A-Za-z][\w-]*)\]", text)}
    text = _SHORTCODE.sub(shortcode, text)
    cleaned = _EMPTY_BLOCK.sub("", clean_editorial(_autop(text)))

    # Our photo markers must stand alone; brackets of the old text must never look like
    # placeholders, so the body passes the admin's placeholder checks unchanged.
    blocks, used = [], {}
    for block_html in article_body.split_blocks(cleaned):
        if "[" not in block_html and "\u27e6" not in block_html:
            blocks.append(block_html)
            continue
        marker = _TOKEN.fullmatch(plain_text(block_html))
        if marker and int(marker[1]) in images:
            number = len(used) + 1
            used[number] = images[int(marker[1])]
            blocks.append(f"<p>[photo {number}]</p>")
            continue
        if _TOKEN.search(block_html):
            notes.append("an image inside a list or table was left out")
            block_html = _TOKEN.sub("", block_html)
        if (
            article_body.placeholder_errors(block_html)
            or article_body.parse(block_html)[0].kind != "html"
        ):
            block_html = _neutralise(block_html)
        blocks.append(block_html)
    final = "\n".join(blocks)
    errors = article_body.placeholder_errors(final)
    if errors:  # should not happen; say so rather than store a body the admin refuses
        notes.extend(errors)
    return Converted(html=final, images=used, notes=sorted(set(notes), key=notes.index))


# --- Importing ----------------------------------------------------------------------------

STATUS = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,  # with its future time: scheduled
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,
}
COMMENT_STATUS = {
    "1": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
_RESIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")
_validate_url = URLValidator(schemes=["http", "https"])
KINDS = ["articles", "photos", "comments", "authors", "sections", "regions", "redirects"]
COLUMNS = ["created", "updated", "skipped", "missing media", "warnings"]


class ItemError(Exception):
    """One item cannot be imported; it is skipped and reported with its WordPress ID."""


@dataclass
class Summary:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    skipped_types: Counter = field(default_factory=Counter)
    sticky: list[Article] = field(default_factory=list)
    lead: Article | None = None  # the sticky post made the home page's lead story

    def add(self, kind: str, column: str, n: int = 1) -> None:
        self.counts[kind][column] += n

    def merge(self, other: "Summary") -> None:
        for kind, columns in other.counts.items():
            self.counts[kind].update(columns)
        self.skipped_types.update(other.skipped_types)
        self.sticky.extend(other.sticky)

    def table(self) -> str:
        width = max(len(kind) for kind in KINDS)
        lines = [" ".join([f"{'':{width}}", *(f"{c:>13}" for c in COLUMNS)])]
        lines += [
            " ".join([f"{kind:{width}}", *(f"{self.counts[kind][c]:>13}" for c in COLUMNS)])
            for kind in KINDS
        ]
        return "\n".join(lines)


def _unique(model, field_name: str, wanted: str, max_length: int, reserved=()) -> str:
    """``wanted``, or ``wanted-2``, ``-3``… whichever is free in ``model.field_name``."""
    base = wanted[:max_length] or "item"
    candidate, n = base, 1
    while candidate in reserved or model.objects.filter(**{field_name: candidate}).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


def _chunks(values: list, size: int = 900) -> Iterator[list]:
    """Slices small enough for any database's limit on query parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class Prepared:
    """A post ready to be written: its article built and everything it uses found."""

    post: Post
    label: str
    article: Article
    created: bool  # a new article; otherwise one imported by an earlier run
    write_article: bool = True  # False: imported before and left alone (no --update)
    author: Author | None = None
    regions: list[Region] = field(default_factory=list)
    body_photos: dict[int, Photo] = field(default_factory=dict)
    comments: list[tuple[WPComment, Comment]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _legacy_paths(post: Post) -> list[str]:
    """The old site's addresses of a post, as paths this site will be asked for."""
    query_key = "page_id" if post.type == "page" else "p"
    paths = {f"/?{query_key}={post.wp_id}"} if post.wp_id.isdigit() else set()
    for url in (post.link, post.guid):
        if not url:
            continue
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        for key in ("p", "page_id"):
            value = query.get(key, [""])[0]
            if value.isdigit():
                paths.add(f"/?{key}={int(value)}")
                break
        else:
            path = unquote(parts.path or "/")
            if path != "/" and len(path) <= 500:
                paths.add(path)
    return sorted(paths)


class Importer:
    """Import a WXR file. ``warn`` and ``progress`` let the command report as it goes.

    Each batch is prepared item by item (any error skips just that item), then written
    with one bulk insert per table in one transaction. Should that fail, the batch is
    written again item by item, so the one item the database refuses is reported and
    skipped. Authors, sections, regions and photos are made as they are first needed,
    each remembered at once, so they are found again by the next item or the next run.
    """

    def __init__(
        self,
        *,
        media_dir: Path | None = None,
        dry_run: bool = False,
        regions_from: str = "tags",
        section_default: str = "news",
        post_types: tuple[str, ...] = ("post",),
        update: bool = False,
        batch_size: int = 500,
        warn: Callable[[str], None] = lambda message: None,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ):
        self.media_dir = media_dir.resolve() if media_dir else None
        self.dry_run = dry_run
        self.regions_from = regions_from
        self.section_default = section_default
        self.post_types = set(post_types)
        self.update = update
        self.batch_size = batch_size
        self._warn = warn
        self.progress = progress
        self.summary = Summary()
        self.site = Site()
        self._sections: dict[str, Section] = {}
        self._regions: dict[str, Region] = {}
        self._authors: dict[str, Author] = {}
        self._slugs: set[str] = set()  # given to articles of the batch being prepared

    def warn(self, kind: str, message: str) -> None:
        self.summary.add(kind, "warnings")
        self._warn(message)

    def skip(self, post: Post, message: str) -> None:
        self.summary.add("articles", "skipped")
        self.summary.add("comments", "skipped", len(post.comments))
        self.warn("articles", message)

    # The run ------------------------------------------------------------------------

    def run(self, path: Path) -> Summary:
        self.site = read_site(path)  # raises ExportError before anything is written
        total, done = self.site.items, 0
        self.progress(0, total)
        # Each batch commits on its own; a dry run wraps them all and rolls back.
        with transaction.atomic() if self.dry_run else contextlib.nullcontext():
            posts = iter_posts(path)
            while batch := list(islice(posts, self.batch_size)):
                self.import_batch(batch)
                done += len(batch)
                self.progress(done, total)
            self.choose_lead()
            if self.dry_run:
                transaction.set_rollback(True)
        return self.summary

    def choose_lead(self) -> None:
        """The newest sticky post this run published (or scheduled) leads the home page,
        as it stayed on top of the old site; the lead chosen before steps down."""
        candidates = [a for a in self.summary.sticky if a.status == Article.Status.PUBLISHED]
        if not candidates:
            return
        lead = max(candidates, key=lambda article: (article.publish_at, article.pk))
        lead.is_lead, lead.lead_until = True, None
        with transaction.atomic():
            lead.save(update_fields=["is_lead", "lead_until", "modified_at"])
            # A change form opened before the import must not save over the choice.
            Article.objects.filter(pk=lead.pk).update(version=F("version") + 1)
        self.summary.lead = lead

    def import_batch(self, posts: list[Post]) -> None:
        known = self.known(posts)
        articles = Article.objects.in_bulk(
            [pk for (kind, _), pk in known.items() if kind == "post"]
        )
        wanted = [self.wanted_slug(post) for post in posts]
        self._slugs = set()  # taken here or in the database: a new article needs another
        for chunk in _chunks(wanted):
            self._slugs.update(
                Article.objects.filter(slug__in=chunk).values_list("slug", flat=True)
            )
        batch = [p for post in posts if (p := self.prepare(post, known, articles))]
        try:
            with transaction.atomic():
                result = self.write(batch, known)
        except (OperationalError, InterfaceError):
            raise  # the database itself is unwell: stop; a re-run resumes from here
        except Exception:  # find the item the database refuses: one at a time
            result = Summary()
            for prepared in batch:
                self.forget_ids(prepared)
                try:
                    with transaction.atomic():
                        result.merge(self.write([prepared], known))
                except (OperationalError, InterfaceError):
                    raise
                except Exception as error:
                    self.forget_ids(prepared)
                    self.skip(prepared.post, f"{prepared.label} skipped: {error}")
        self.summary.merge(result)

    def known(self, posts: list[Post]) -> dict[tuple[str, str], int]:
        """What earlier runs imported of these posts and their comments."""
        post_ids = [post.wp_id for post in posts]
        comment_ids = [c.wp_id for post in posts for c in post.comments]
        rows = {}
        for kind, ids in (("post", post_ids), ("comment", comment_ids)):
            for chunk in _chunks(ids):
                found = ImportedItem.objects.filter(kind=kind, wp_id__in=chunk)
                rows.update(
                    {(kind, wp_id): pk for wp_id, pk in found.values_list("wp_id", "object_id")}
                )
        return rows

    @staticmethod
    def forget_ids(prepared: Prepared) -> None:
        """Undo the primary keys a rolled-back bulk insert handed out."""
        if prepared.created:
            prepared.article.pk = None
        for _, comment in prepared.comments:
            comment.pk = comment.parent_id = None
            comment.article = prepared.article

    # Preparing: one item at a time, no rows of its own written yet -------------------------

    def prepare(self, post: Post, known: dict, articles: dict) -> Prepared | None:
        if post.type == "attachment":
            return None  # imported when a post uses it
        label = f"{post.type} {post.wp_id or '(no ID)'}"
        if post.type not in self.post_types:
            self.summary.skipped_types[post.type] += 1
            return None
        if post.status not in STATUS:  # trash, auto-draft, inherit…
            self.skip(post, f"{label}: status “{post.status}” is not imported")
            return None
        try:
            if not post.wp_id.isdigit():
                raise ItemError("it has no WordPress ID")
            mapped = known.get(("post", post.wp_id))
            article = articles.get(mapped)
            if mapped and article is None:
                self.skip(post, f"{label}: its article was deleted here; not imported again")
                return None
            if article is not None and not self.update:
                self.summary.add("articles", "skipped")
                prepared = Prepared(post, label, article, created=False, write_article=False)
            else:
                prepared = self.prepare_article(post, label, article)
            prepared.comments = self.prepare_comments(post, prepared.article, label, known)
        except Exception as error:  # one bad item never stops the import
            self.skip(post, f"{label} skipped: {error}")
            return None
        return prepared

    def prepare_article(self, post: Post, label: str, article: Article | None) -> Prepared:
        created = article is None
        if created:
            article = Article(slug=self.slug(post, label))
        for name, value in self.article_fields(post, label).items():
            setattr(article, name, value)
        converted = convert_body(post.content)
        for note in converted.notes:
            self.warn("articles", f"{label}: {note}")
        author = self.author(post.creator) if post.creator else None
        section, regions, primary = self.terms(post)
        # Body images first: their alt text and caption were written for this post.
        body_photos = {n: self.photo(ref, label) for n, ref in converted.images.items()}
        article.lead_photo = self.photo(ImageRef(attachment_id=post.thumbnail_id), label)
        for number in [n for n, photo in body_photos.items() if photo is None]:
            converted.html = converted.html.replace(f"<p>[photo {number}]</p>\n", "")
            converted.html = converted.html.replace(f"<p>[photo {number}]</p>", "")
            del body_photos[number]
        # Already sanitised (and bulk inserts skip save(), which would clean it again).
        article.body = converted.html
        article.section = section
        article.primary_region = primary
        return Prepared(
            post, label, article, created, author=author, regions=regions,
            body_photos=body_photos,
        )  # fmt: skip

    def article_fields(self, post: Post, label: str) -> dict:
        headline = " ".join(plain_text(post.title).split())
        if not headline:
            headline = f"Untitled ({post.type} {post.wp_id})"
            self.warn("articles", f"{label}: no title; called “{headline}”")
        if len(headline) > 200:
            self.warn("articles", f"{label}: title shortened to 200 characters")
            headline = headline[:199].rstrip() + "…"
        status = STATUS[post.status]
        try:
            when = parse_date(post.date_gmt) or parse_local_date(post.date)
            modified = parse_date(post.modified_gmt)
        except ValueError as error:
            raise ItemError(f"unreadable date ({error})") from error
        publish_at = updated_at = None
        if status == Article.Status.PUBLISHED:
            publish_at = when or timezone.now()
            if modified and modified > publish_at + timedelta(minutes=1):
                updated_at = modified
        return {
            "headline": headline,
            "standfirst": plain_text(post.excerpt),
            "status": status,
            "publish_at": publish_at,
            "updated_at": updated_at,
            "comments_enabled": post.comment_status == "open",
        }

    @staticmethod
    def wanted_slug(post: Post) -> str:
        return (
            slugify(unquote(post.slug))
            or slugify(plain_text(post.title))
            or f"{post.type}-{post.wp_id}"
        )[:200]

    def slug(self, post: Post, label: str) -> str:
        wanted = self.wanted_slug(post)
        slug = wanted
        if wanted in self._slugs:
            slug = _unique(Article, "slug", wanted, 200, reserved=self._slugs)
            self.warn("articles", f"{label}: slug “{wanted}” is taken; using “{slug}”")
        self._slugs.add(slug)
        return slug

    def prepare_comments(self, post: Post, article: Article, label: str, known: dict) -> list:
        now, prepared, seen = timezone.now(), [], set()
        for wp in post.comments:
            if wp.type in ("pingback", "trackback"):
                self.summary.add("comments", "skipped")
                self.warn("comments", f"{label}: {wp.type} {wp.wp_id} not imported")
            elif ("comment", wp.wp_id) in known:
                self.summary.add("comments", "skipped")
            elif not wp.wp_id.isdigit() or wp.wp_id in seen:
                self.summary.add("comments", "skipped")
                self.warn("comments", f"{label}: comment without a usable ID skipped")
            else:
                try:
                    prepared.append((wp, self.comment(wp, article, now)))
                    seen.add(wp.wp_id)
                except Exception as error:
                    self.summary.add("comments", "skipped")
                    self.warn("comments", f"{label}: comment {wp.wp_id} skipped: {error}")
        return prepared

    def comment(self, wp: WPComment, article: Article, now: datetime) -> Comment:
        status = COMMENT_STATUS.get(wp.approved)
        if status is None:
            raise ItemError(f"unknown status “{wp.approved}”")
        try:
            created_at = parse_date(wp.date_gmt) or parse_local_date(wp.date)
        except ValueError:
            created_at = None
        email = wp.email[:254]
        try:
            validate_email(email)
        except ValidationError:
            email = ""
        url = wp.url[:300]
        try:
            _validate_url(url)
        except ValidationError:
            url = ""
        try:
            ip = str(ipaddress.ip_address(wp.ip))
        except ValueError:
            ip = None
        return Comment(
            article=article,
            name=(" ".join(plain_text(wp.author).split()) or "Anonymous")[:80],
            email=email,
            author_url=url,
            ip=ip,
            body=wp.content,
            body_html=clean_comment(wp.content),
            status=status,
            created_at=created_at or article.publish_at or now,
            # Imported with the old site's decision: no pipeline, and never any mail.
            notified_at=now,
        )

    # Writing: one transaction, one bulk insert per table ---------------------------------------

    def write(self, batch: list[Prepared], known: dict) -> Summary:
        """Write prepared posts; returns what to count once the transaction holds."""
        result = Summary()
        new = [p for p in batch if p.created]
        replaced = [p for p in batch if p.write_article and not p.created]
        Article.objects.bulk_create([p.article for p in new])
        for p in replaced:  # --update: the export wins over edits made here since
            p.article.save()
            # A change form opened before the import must not save over it unnoticed.
            Article.objects.filter(pk=p.article.pk).update(version=F("version") + 1)
            Byline.objects.filter(article=p.article).delete()
            TaggedRegion.objects.filter(content_object=p.article).delete()
            BodyPhoto.objects.filter(article=p.article).delete()
            ImportedItem.objects.filter(kind="post", wp_id=p.post.wp_id).update(
                sticky=p.post.sticky
            )
        written = new + replaced
        Byline.objects.bulk_create(
            [Byline(article=p.article, author=p.author) for p in written if p.author]
        )
        TaggedRegion.objects.bulk_create(
            [TaggedRegion(content_object=p.article, tag=r) for p in written for r in p.regions]
        )
        BodyPhoto.objects.bulk_create(
            [
                BodyPhoto(article=p.article, number=n, photo=photo)
                for p in written
                for n, photo in p.body_photos.items()
            ]
        )
        self.write_redirects(written, result)
        ImportedItem.objects.bulk_create(
            [
                ImportedItem(
                    kind="post", wp_id=p.post.wp_id, object_id=p.article.pk, sticky=p.post.sticky
                )
                for p in new
            ]
        )
        self.write_comments(batch, known, result)
        self.queue_renditions(written)
        result.add("articles", "created", len(new))
        result.add("articles", "updated", len(replaced))
        result.sticky.extend(p.article for p in written if p.post.sticky)
        return result

    def queue_renditions(self, written: list[Prepared]) -> None:
        """Photos of published (or scheduled) articles get their srcset renditions.

        Queued for when the batch commits, so a batch written again item by item, or a
        dry run (rolled back as a whole), queues nothing for rows that were never kept.
        Drafts wait: publishing them in the admin queues their photos.
        """
        if self.dry_run:
            return
        article_tasks.queue_renditions(
            *(
                photo
                for p in written
                if p.article.status == Article.Status.PUBLISHED
                for photo in (p.article.lead_photo, *p.body_photos.values())
            )
        )

    def write_redirects(self, written: list[Prepared], result: Summary) -> None:
        wanted = {path: p for p in written for path in _legacy_paths(p.post)}
        taken = {}
        for chunk in _chunks(list(wanted)):
            taken.update(
                LegacyPath.objects.filter(path__in=chunk).values_list("path", "article_id")
            )
        for path, article_id in taken.items():
            if article_id != wanted[path].article.pk:
                result.add("redirects", "skipped")
                self._warn(f"{wanted[path].label}: {path} already redirects elsewhere; kept")
        LegacyPath.objects.bulk_create(
            [LegacyPath(path=path, article=p.article) for path, p in wanted.items()
             if path not in taken]
        )  # fmt: skip
        result.add("redirects", "created", len(wanted) - len(taken))

    def write_comments(self, batch: list[Prepared], known: dict, result: Summary) -> None:
        pairs = [(p, wp, comment) for p in batch for wp, comment in p.comments]
        if not pairs:
            return
        # Threads: a reply may come before the comment it answers in the file, so rows
        # are inserted a level at a time: first those whose parent has a row already.
        ids = {wp_id: pk for (kind, wp_id), pk in known.items() if kind == "comment"}
        comments = {wp.wp_id: comment for _, wp, comment in pairs}
        parent_of = {}
        for p, wp, _ in pairs:
            if wp.parent_id in ("0", wp.wp_id):
                continue
            if wp.parent_id in ids or wp.parent_id in comments:
                parent_of[wp.wp_id] = wp.parent_id
            else:
                result.add("comments", "warnings")
                self._warn(
                    f"{p.label}: comment {wp.wp_id} answers {wp.parent_id}, which is not "
                    "imported; shown as a new thread"
                )
        remaining = set(comments)
        level = [w for w in comments if w not in parent_of or parent_of[w] in ids]
        while remaining:
            if not level:  # replies answering each other in a loop: one becomes a thread
                level = [min(remaining)]
                parent_of.pop(level[0])
            for wp_id in level:
                comments[wp_id].parent_id = ids.get(parent_of.get(wp_id))
            Comment.objects.bulk_create([comments[wp_id] for wp_id in level])
            ids.update({wp_id: comments[wp_id].pk for wp_id in level})
            remaining.difference_update(level)
            level = [wp_id for wp_id in remaining if parent_of[wp_id] in ids]
        ImportedItem.objects.bulk_create(
            [ImportedItem(kind="comment", wp_id=wp.wp_id, object_id=c.pk) for _, wp, c in pairs]
        )
        result.add("comments", "created", len(pairs))

    # Authors, sections and regions: found once, cached ----------------------------------

    def author(self, login: str) -> Author:
        if login in self._authors:
            return self._authors[login]
        mapped = ImportedItem.objects.filter(kind="author", wp_id=login).first()
        author = Author.objects.filter(pk=mapped.object_id).first() if mapped else None
        if author is None:
            name = (self.site.authors.get(login) or plain_text(login))[:120] or login[:120]
            wanted = slugify(login) or slugify(name) or "author"
            with transaction.atomic():
                author = Author.objects.filter(slug=wanted, name__iexact=name).first()
                if author is None:
                    author = Author.objects.create(
                        name=name, slug=_unique(Author, "slug", wanted, 120)
                    )
                    self.summary.add("authors", "created")
                ImportedItem.objects.update_or_create(
                    kind="author", wp_id=login, defaults={"object_id": author.pk}
                )
        self._authors[login] = author
        return author

    def _category_chain(self, slug: str) -> list[str]:
        """The category and its ancestors, nearest first (loops in the data are cut)."""
        chain = [slug]
        while (term := self.site.categories.get(chain[-1])) and term.parent:
            if term.parent in chain:
                break
            chain.append(term.parent)
        return chain

    def term_name(self, post: Post, slug: str) -> str:
        for term_slug, name in post.categories + post.tags:
            if term_slug == slug and name:
                return name
        term = self.site.categories.get(slug) or self.site.tags.get(slug)
        return term.name if term else slug

    def terms(self, post: Post) -> tuple[Section, list[Region], Region | None]:
        """Section, regions and primary region of a post, by ``--regions-from``."""
        categories = [slug for slug, _ in post.categories if slug]
        if self.regions_from == "tags":
            # Every category is a section; a post goes to its most specific one.
            chosen = max(categories, key=lambda s: len(self._category_chain(s)), default="")
            region_slugs = [slug for slug, _ in post.tags if slug]
        else:
            # Top-level categories are sections; everything beneath them is a place.
            chains = [self._category_chain(slug) for slug in categories]
            chosen = chains[0][-1] if chains else ""
            region_slugs = list(dict.fromkeys(s for chain in chains for s in chain[:-1]))
        section = self.section(chosen, self.term_name(post, chosen))
        regions = [self.region(slug, self.term_name(post, slug)) for slug in region_slugs]
        # A sub-category is the place the site filed the post under: the kicker. Tags are
        # topics as often as places, so with them the kicker is left to the editors.
        primary = regions[0] if regions and self.regions_from == "categories" else None
        return section, list(dict.fromkeys(regions)), primary

    def section(self, slug: str, name: str) -> Section:
        if not slug or slug == "uncategorized":  # WordPress's placeholder category
            slug = self.section_default
            name = slug.replace("-", " ").capitalize()
        if slug not in self._sections:
            with transaction.atomic():
                section = (
                    Section.objects.filter(slug=slug[:80]).first()
                    or Section.objects.filter(name__iexact=name[:80]).first()
                )
                if section is None:
                    section = Section.objects.create(
                        name=_unique(Section, "name", name, 80),
                        slug=_unique(Section, "slug", slugify(slug) or "section", 80),
                    )
                    self.summary.add("sections", "created")
            self._sections[slug] = section
        return self._sections[slug]

    def region(self, slug: str, name: str) -> Region:
        if slug not in self._regions:
            with transaction.atomic():
                region = (
                    Region.objects.filter(slug=slug[:100]).first()
                    or Region.objects.filter(name__iexact=name[:100]).first()
                )
                if region is None:
                    region = Region.objects.create(
                        name=_unique(Region, "name", name or slug, 100),
                        slug=_unique(Region, "slug", slugify(slug) or "region", 100),
                    )
                    self.summary.add("regions", "created")
            self._regions[slug] = region
        return self._regions[slug]

    # Photos ---------------------------------------------------------------------------

    def photo(self, ref: ImageRef, label: str) -> Photo | None:
        """The photo for an image of a post: found again, or made (with or without file)."""
        if not ref.attachment_id and not ref.src:
            return None
        attachment = self.site.attachments.get(ref.attachment_id)
        url = attachment.url if attachment else ref.src
        if url:
            url = urljoin(self.site.base_url.rstrip("/") + "/", url)
        if attachment:
            kind, key = "attachment", attachment.wp_id
        elif url:
            kind, key = "media", url[:255]
        else:
            self.warn("photos", f"{label}: image {ref.attachment_id} is not in the export")
            return None
        mapped = ImportedItem.objects.filter(kind=kind, wp_id=key).first()
        if mapped and (photo := Photo.objects.filter(pk=mapped.object_id).first()):
            return photo
        photo = Photo(
            caption=ref.caption or (attachment.caption if attachment else ""),
            alt_text=(ref.alt or (attachment and (attachment.alt or attachment.title)) or "")[:250],
        )
        content = self.media_file(attachment, url, label)
        if content is None:
            try:
                _validate_url(url)
                photo.source_url = url if len(url) <= 500 else ""
            except ValidationError:
                photo.source_url = ""
            self.summary.add("photos", "missing media")
            self.warn("photos", f"{label}: media file missing for {url}")
        with transaction.atomic():
            if content is not None and not self.dry_run:
                photo.image.save(content.name, content, save=False)
            photo.save()
            ImportedItem.objects.update_or_create(
                kind=kind, wp_id=key, defaults={"object_id": photo.pk}
            )
        self.summary.add("photos", "created")
        return photo

    def media_file(self, attachment: Attachment | None, url: str, label: str):
        """The re-encoded file from ``--media-dir``, or None when it is not there."""
        if self.media_dir is None:
            return None
        candidates = []
        if attachment and attachment.file:
            candidates.append(attachment.file)
        path = unquote(urlsplit(url).path)
        for marker in ("/wp-content/uploads/", "/uploads/"):
            if marker in path:
                relative = path.split(marker, 1)[1]
                candidates += [relative, _RESIZED.sub("", relative)]
                break
        for relative in dict.fromkeys(candidates):
            file_path = (self.media_dir / relative.lstrip("/")).resolve()
            if not file_path.is_relative_to(self.media_dir) or not file_path.is_file():
                continue
            try:
                with file_path.open("rb") as handle:
                    return normalise_upload(File(handle, name=file_path.name))
            except ValidationError as error:
                self.warn("photos", f"{label}: {relative}: {' '.join(error.messages)}")
                return None
        return None
