"""WordPress pages become the site's own pages (About, Contact…), never articles.

A page is small and rare, so each is written on its own, remembered by its WordPress ID
(``ImportedItem``): a second run finds it and leaves it alone, or, with ``--update``,
writes the export over it.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from articles.markup import plain_text
from articles.models import RESERVED_PAGE_SLUGS, Page, validate_page_slug

from .converter import convert_body
from .lookups import unique_value
from .models import ImportedItem
from .preparing import wanted_slug
from .reader import Post

if TYPE_CHECKING:
    from .importer import Summary

# WordPress statuses kept, and whether readers see the page; others are not imported.
PUBLISHED = {"publish": True, "future": False, "draft": False, "pending": False, "private": False}
SLUG_LENGTH = Page._meta.get_field("slug").max_length


def _slug(post: Post, label: str, warn: Callable[[str, str], None]) -> str:
    wanted = wanted_slug(post)[:SLUG_LENGTH]
    try:
        validate_page_slug(wanted)
    except ValidationError:
        wanted = f"{wanted}-page"[:SLUG_LENGTH]
    slug = unique_value(Page, "slug", wanted, SLUG_LENGTH, reserved=RESERVED_PAGE_SLUGS)
    if slug != wanted_slug(post):
        warn("pages", f"{label}: address “{wanted_slug(post)}” is taken here; using “{slug}”")
    return slug


def _fill(page: Page, post: Post, label: str, warn: Callable[[str, str], None]) -> None:
    title = " ".join(plain_text(post.title).split()) or f"Untitled (page {post.wp_id})"
    if len(title) > Page._meta.get_field("title").max_length:
        warn("pages", f"{label}: title shortened")
        title = title[:119].rstrip() + "…"
    converted = convert_body(post.content)
    for note in converted.notes:
        warn("pages", f"{label}: {note}")
    if converted.images:
        warn("pages", f"{label}: {len(converted.images)} image(s) left out (pages hold text)")
    page.title, page.body = title, converted.html
    page.published = PUBLISHED[post.status]


def import_pages(
    posts: list[Post], summary: "Summary", warn: Callable[[str, str], None], update: bool
) -> list[tuple[Post, Page]]:
    """Each WordPress page as a Page, once; ``summary`` counts them under "pages".

    Returns the pages written, with the posts they came from.
    """
    written = []
    ids = [post.wp_id for post in posts]
    known = dict(
        ImportedItem.objects.filter(kind=ImportedItem.Kind.PAGE, wp_id__in=ids).values_list(
            "wp_id", "object_id"
        )
    )
    for post in posts:
        label = f"page {post.wp_id or '(no ID)'}"
        if post.status not in PUBLISHED or not post.wp_id.isdigit():
            summary.add("pages", "skipped")
            why = f"status “{post.status}”" if post.wp_id.isdigit() else "no WordPress ID"
            warn("pages", f"{label}: not imported ({why})")
            continue
        page = Page.objects.filter(pk=known[post.wp_id]).first() if post.wp_id in known else None
        if post.wp_id in known and (page is None or not update):
            summary.add("pages", "skipped")  # imported before
            if page is None:
                warn("pages", f"{label}: its page was deleted here; not imported again")
            continue
        created = page is None
        page = page or Page(slug=_slug(post, label, warn))
        _fill(page, post, label, warn)
        with transaction.atomic():
            page.save()
            if created:
                ImportedItem.objects.create(
                    kind=ImportedItem.Kind.PAGE, wp_id=post.wp_id, object_id=page.pk
                )
        summary.add("pages", "created" if created else "updated")
        written.append((post, page))
    return written
