"""A WordPress post made ready to be written: its article built, its comments too.

Nothing of the post's own is written here; what it refers to (authors, sections,
regions, photos) is found or made through ``Lookups``.
"""

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import slugify

from articles.markup import clean_comment, plain_text
from articles.models import (
    Article,
    Author,
    Block,
    BodyPhoto,
    Embed,
    Region,
    TextBlock,
    body_text,
)
from comments.models import Comment

from .converter import EmbedRef, ImageRef, convert_body
from .lookups import Lookups, unique_value, validate_url
from .reader import Post, WPComment, parse_date, parse_local_date

if TYPE_CHECKING:
    from .importer import Summary

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


class ItemError(Exception):
    """One item cannot be imported; it is skipped and reported with its WordPress ID."""


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
    blocks: list[Block] = field(default_factory=list)  # the body, unsaved, in order
    comments: list[tuple[WPComment, Comment]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def chunks(values: list, size: int = 900) -> Iterator[list]:
    """Slices small enough for any database's limit on query parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def wanted_slug(post: Post) -> str:
    return (
        slugify(unquote(post.slug))
        or slugify(plain_text(post.title))
        or f"{post.type}-{post.wp_id}"
    )[:200]


def _valid_or_empty(validate: Callable[[str], None], value: str) -> str:
    try:
        validate(value)
    except ValidationError:
        return ""
    return value


def new_comment(wp: WPComment, article: Article, now: datetime) -> Comment:
    """The unsaved comment a WordPress comment becomes, with the old site's decision."""
    status = COMMENT_STATUS.get(wp.approved)
    if status is None:
        raise ItemError(f"unknown status “{wp.approved}”")
    try:
        created_at = parse_date(wp.date_gmt) or parse_local_date(wp.date)
    except ValueError:
        created_at = None
    try:
        ip = str(ipaddress.ip_address(wp.ip))
    except ValueError:
        ip = None
    return Comment(
        article=article,
        name=(" ".join(plain_text(wp.author).split()) or "Anonymous")[:80],
        email=_valid_or_empty(validate_email, wp.email[:254]),
        author_url=_valid_or_empty(validate_url, wp.url[:300]),
        ip=ip,
        body=wp.content,
        body_html=clean_comment(wp.content),
        status=status,
        created_at=created_at or article.publish_at or now,
        # Imported with the old site's decision: no pipeline, and never any mail.
        notified_at=now,
    )


class Preparer:
    """Prepares posts one at a time; any error skips just that post, reported."""

    def __init__(
        self,
        lookups: Lookups,
        *,
        summary: "Summary",
        warn: Callable[[str, str], None],
        post_types: tuple[str, ...] = ("post",),
        update: bool = False,
    ):
        self.lookups = lookups
        self.summary = summary
        self.warn = warn
        self.post_types = set(post_types)
        self.update = update
        self.slugs: set[str] = set()  # given to articles of the batch being prepared

    def skip(self, post: Post, message: str) -> None:
        self.summary.add("articles", "skipped")
        self.summary.add("comments", "skipped", len(post.comments))
        self.warn("articles", message)

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
        author = self.lookups.author(post.creator) if post.creator else None
        section, regions, primary = self.lookups.terms(post)
        # Body images first: their alt text and caption were written for this post.
        body_photos = {n: self.lookups.photo(ref, label) for n, ref in converted.images.items()}
        article.lead_photo = self.lookups.photo(ImageRef(attachment_id=post.thumbnail_id), label)
        # Text already sanitised (bulk inserts skip save(), which would clean it again); a
        # photo that could not be had is left out.
        blocks = [
            block
            for part in converted.parts
            if (block := self.block(part, body_photos)) is not None
        ]
        for position, block in enumerate(blocks, start=1):
            block.ordering = 10 * position
        article.body_text = body_text([b.text for b in blocks if isinstance(b, TextBlock)])
        article.section = section
        article.primary_region = primary
        return Prepared(
            post, label, article, created, author=author, regions=regions, blocks=blocks,
        )  # fmt: skip

    @staticmethod
    def block(part, body_photos: dict) -> Block | None:
        """The block a converted part becomes; None for a photo that could not be had."""
        if isinstance(part, str):
            return TextBlock(text=part)
        if isinstance(part, EmbedRef):
            return Embed(url=part.url, provider=part.provider)
        return BodyPhoto(photo=body_photos[part]) if body_photos[part] is not None else None

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

    def reserve_slugs(self, posts: list[Post]) -> None:
        """A new batch: slugs its posts want that are taken send new articles elsewhere."""
        wanted = [wanted_slug(post) for post in posts]
        self.slugs = set()
        for chunk in chunks(wanted):
            self.slugs.update(Article.objects.filter(slug__in=chunk).values_list("slug", flat=True))

    def slug(self, post: Post, label: str) -> str:
        wanted = wanted_slug(post)
        slug = wanted
        if wanted in self.slugs:
            slug = unique_value(Article, "slug", wanted, 200, reserved=self.slugs)
            self.warn("articles", f"{label}: slug “{wanted}” is taken; using “{slug}”")
        self.slugs.add(slug)
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
                    prepared.append((wp, new_comment(wp, article, now)))
                    seen.add(wp.wp_id)
                except Exception as error:
                    self.summary.add("comments", "skipped")
                    self.warn("comments", f"{label}: comment {wp.wp_id} skipped: {error}")
        return prepared
