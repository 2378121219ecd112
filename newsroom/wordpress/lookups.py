"""What posts refer to, found again or made once: authors, sections, regions and photos.

Each is remembered in ``ImportedItem`` as soon as it is made (in its own transaction),
so the next item, or the next run, finds it instead of making another.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify

from articles.images import normalise_upload
from articles.markup import plain_text
from articles.models import Author, Photo, Region, Section

from .converter import ImageRef
from .models import ImportedItem
from .reader import Attachment, Post, Site

if TYPE_CHECKING:
    from .importer import Summary

_RESIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")
validate_url = URLValidator(schemes=["http", "https"])


def unique_value(model, field_name: str, wanted: str, max_length: int, reserved=()) -> str:
    """``wanted``, or ``wanted-2``, ``-3``… whichever is free in ``model.field_name``."""
    base = wanted[:max_length] or "item"
    candidate, n = base, 1
    while candidate in reserved or model.objects.filter(**{field_name: candidate}).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


def _checked_url(url: str) -> str:
    """``url`` when it is a web address short enough to keep, else ""."""
    try:
        validate_url(url)
    except ValidationError:
        return ""
    return url if len(url) <= 500 else ""


class Lookups:
    """Authors, sections, regions and photos of one run, each found once and cached."""

    def __init__(
        self,
        *,
        summary: "Summary",
        warn: Callable[[str, str], None],
        media_dir: Path | None = None,
        dry_run: bool = False,
        regions_from: str = "tags",
        section_default: str = "news",
    ):
        self.site = Site()
        self.summary = summary
        self.warn = warn
        self.media_dir = media_dir
        self.dry_run = dry_run
        self.regions_from = regions_from
        self.section_default = section_default
        self._sections: dict[str, Section] = {}
        self._regions: dict[str, Region] = {}
        self._authors: dict[str, Author] = {}

    # Authors ---------------------------------------------------------------------------

    def author(self, login: str) -> Author:
        if login in self._authors:
            return self._authors[login]
        mapped = ImportedItem.objects.filter(kind="author", wp_id=login).first()
        author = Author.objects.filter(pk=mapped.object_id).first() if mapped else None
        if author is None:
            author = self._new_author(login)
        self._authors[login] = author
        return author

    def _new_author(self, login: str) -> Author:
        """The author of ``login``: one of the same name and slug, or a new one."""
        name = (self.site.authors.get(login) or plain_text(login))[:120] or login[:120]
        wanted = slugify(login) or slugify(name) or "author"
        with transaction.atomic():
            author = Author.objects.filter(slug=wanted, name__iexact=name).first()
            if author is None:
                author = Author.objects.create(
                    name=name, slug=unique_value(Author, "slug", wanted, 120)
                )
                self.summary.add("authors", "created")
            ImportedItem.objects.update_or_create(
                kind="author", wp_id=login, defaults={"object_id": author.pk}
            )
        return author

    # Sections and regions --------------------------------------------------------------

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
            self._sections[slug] = self._found_or_made(Section, "sections", slug, name, 80)
        return self._sections[slug]

    def region(self, slug: str, name: str) -> Region:
        if slug not in self._regions:
            self._regions[slug] = self._found_or_made(Region, "regions", slug, name, 100)
        return self._regions[slug]

    def _found_or_made(self, model, kind: str, slug: str, name: str, max_length: int):
        """The section or region of this slug or name, or a new one (``kind`` counts it)."""
        with transaction.atomic():
            found = (
                model.objects.filter(slug=slug[:max_length]).first()
                or model.objects.filter(name__iexact=name[:max_length]).first()
            )
            if found is None:
                fallback = model.__name__.lower()
                found = model.objects.create(
                    name=unique_value(model, "name", name or slug, max_length),
                    slug=unique_value(model, "slug", slugify(slug) or fallback, max_length),
                )
                self.summary.add(kind, "created")
        return found

    # Photos ----------------------------------------------------------------------------

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
        return self._new_photo(ref, attachment, url, label, (kind, key))

    def _new_photo(
        self, ref: ImageRef, attachment: Attachment | None, url: str, label: str, mapping
    ) -> Photo:
        """A photo of the image, with its file when ``--media-dir`` has it, remembered."""
        kind, key = mapping
        photo = Photo(
            caption=ref.caption or (attachment.caption if attachment else ""),
            alt_text=(ref.alt or (attachment and (attachment.alt or attachment.title)) or "")[:250],
        )
        content = self.media_file(attachment, url, label)
        if content is None:
            photo.source_url = _checked_url(url)
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
