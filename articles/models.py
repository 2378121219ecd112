import html
import re
import secrets
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from . import embeds, fragments, images
from .markup import clean_editorial, plain_text


class Section(models.Model):
    # How articles refer to it: ``Article.objects.listed_under(section)``.
    articles_lookup = "section"

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="Shown at the top of the section page.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the site navigation and on the home page (lowest first)."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", args=[self.slug])


class Region(TagBase):
    """A place an article is about; the primary region of an article is its kicker."""

    articles_lookup = "regions"

    class Meta:
        ordering = ["name"]

    def get_absolute_url(self):
        return reverse("articles:region", args=[self.slug])


@reversion.register()
class TaggedRegion(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    # Indexed first in ``region_articles_idx``, which serves every lookup by region.
    tag = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="tagged_articles", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_region")
        ]
        # A region's articles by key, read from the index alone: whether a region has a
        # published article stops at its first (the sitemap of regions), where the plain
        # index on ``tag`` had PostgreSQL gather every one of the region's rows first.
        indexes = [models.Index(fields=["tag", "content_object"], name="region_articles_idx")]


class Author(models.Model):
    articles_lookup = "bylines__author"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.TextField(blank=True, help_text="A sentence or two, plain text.")
    photo = models.ImageField(upload_to="authors/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The staff account that writes as this author, if any.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", args=[self.slug])


class StoredImageField(models.ImageField):
    """An ImageField that measures a file when it is assigned, never when a row is loaded.

    Django's ImageField opens the file on every load of a row whose width or height is
    empty; with remote storage that is a request per photo per page, and a missing file
    would turn every page showing the photo into an error.
    """

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        if force:
            super().update_dimension_fields(instance, force, *args, **kwargs)


class Photo(models.Model):
    image = StoredImageField(upload_to="photos/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    caption = models.TextField(blank=True, help_text="Shown under the photo. Plain text.")
    photographer = models.CharField(max_length=120, blank=True)
    agency = models.CharField(
        max_length=120, blank=True, help_text="News agency or organisation, e.g. “Reuters”."
    )
    alt_text = models.CharField(
        max_length=250,
        help_text="What the photo shows, for readers using a screen reader. Required.",
    )
    source_url = models.URLField(
        "original address",
        max_length=500,
        blank=True,
        help_text=(
            "Where an imported photo came from. A photo without a file is not shown to "
            "readers until one is uploaded here."
        ),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Written by images.build_renditions: the source file they were made from, its size
    # in bytes, and one entry per rendition (format, type, width, height, name, bytes).
    renditions = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"#{self.pk} {self.caption[:50] or self.alt_text[:50]}".strip()

    @property
    def credit(self) -> str:
        """“Photo by NAME/AGENCY”, or as much of it as is known."""
        who = "/".join(part for part in (self.photographer, self.agency) if part)
        return f"Photo by {who}" if who else ""

    @property
    def credit_text(self) -> str:
        """The credit without “Photo by”, as structured data wants it."""
        return "/".join(part for part in (self.photographer, self.agency) if part)

    def _renditions_of(self, kind: str) -> list[dict]:
        if not images.renditions_current(self):
            return []  # none yet, or made from an earlier file: a task is making them
        return [item for item in self.renditions.get("items", ()) if item["format"] == kind]

    def _srcset(self, kind: str) -> str:
        url = self.image.storage.url
        return ", ".join(
            f"{url(item['name'])} {item['width']}w" for item in self._renditions_of(kind)
        )

    @property
    def webp_srcset(self) -> str:
        return self._srcset("webp")

    @property
    def jpeg_srcset(self) -> str:
        return self._srcset("jpeg")

    @property
    def src(self) -> str:
        """For browsers without srcset: a mid-sized JPEG, else the original."""
        jpegs = self._renditions_of("jpeg")
        if not jpegs:
            return self.image.url
        fitting = [item for item in jpegs if item["width"] <= 960] or jpegs
        return self.image.storage.url(fitting[-1]["name"])

    @property
    def thumbnail_url(self) -> str:
        jpegs = self._renditions_of("jpeg")
        return self.image.storage.url(jpegs[0]["name"]) if jpegs else self.image.url

    @property
    def share_image(self) -> dict:
        """The largest JPEG (for feeds, Open Graph and structured data), else the original.

        ``bytes`` is None when the size is not known without reading storage.
        """
        jpegs = self._renditions_of("jpeg")
        if jpegs:
            best = jpegs[-1]
            return {
                "url": self.image.storage.url(best["name"]),
                **{key: best[key] for key in ("width", "height", "type", "bytes")},
            }
        known = images.renditions_current(self)
        return {"url": self.image.url, "width": self.width, "height": self.height,
                "type": images.media_type(self.image.name),
                "bytes": self.renditions.get("bytes") if known else None}  # fmt: skip


def leading_now() -> Q:
    """The chosen lead story, while its lead time lasts; combine with ``published()``."""
    return Q(is_lead=True) & (Q(lead_until__isnull=True) | Q(lead_until__gt=timezone.now()))


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles readers may see: published, and their publish time has come."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=timezone.now())

    def listed_under(self, listing):
        """The articles of a section, region or author page (or feed, or sitemap)."""
        return self.filter(**{listing.articles_lookup: listing})

    def scheduled(self):
        """Published with a publish time still to come: readers see them from then on."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__gt=timezone.now())

    def leading(self):
        """The editors' chosen lead story, while it is published and its lead time lasts."""
        return self.published().filter(leading_now())

    def for_listing(self):
        """What a list of article cards shows: kicker, section, photo and bylines.

        Not the body: a card never shows it, and a page of twenty bodies is most of what a
        listing would otherwise read from the database.
        """
        return (
            self.select_related("section", "primary_region", "lead_photo")
            .prefetch_related(
                models.Prefetch("bylines", queryset=Byline.objects.select_related("author"))
            )
            .defer("body_text")
        )

    def with_body(self):
        """Each article's body blocks in one query per kind of block (see ``blocks()``)."""
        return self.prefetch_related(
            "text_blocks",
            "quotes",
            "embeds",
            models.Prefetch("body_photos", queryset=BodyPhoto.objects.select_related("photo")),
            models.Prefetch(
                "read_mores",
                # A READ MORE shows its target's kicker and headline, never its body.
                queryset=ReadMore.objects.select_related("target__primary_region").defer(
                    "target__body_text", "target__search_document"
                ),
            ),
        )

    def editable_by(self, user):
        """Articles a user may work on in the admin: all for publishers, their own for authors."""
        if user.is_superuser or user.has_perm("articles.publish_article"):
            return self
        byline = Byline.objects.filter(article=OuterRef("pk"), author__user=user)
        return self.filter(Q(created_by=user) | Exists(byline))

    def next_change_timestamp(self) -> float | None:
        """When pages next change by themselves: a scheduled article goes live, the lead
        story's time ends or an article's comments close. None when nothing is due."""
        now = timezone.now()
        due = []
        scheduled = (
            self.scheduled().order_by("publish_at").values_list("publish_at", flat=True).first()
        )
        if scheduled:
            due.append(scheduled)
        found = self.aggregate(
            days=models.Max("comments_close_after_days"),
            # The end of a lead changes the home page as a scheduled article does.
            lead_ends=models.Min("lead_until", filter=Q(is_lead=True, lead_until__gt=now)),
        )
        if found["lead_ends"]:
            due.append(found["lead_ends"])
        longest = max(settings.COMMENTS_CLOSE_AFTER_DAYS, found["days"] or 0)
        recent = self.published().filter(
            comments_enabled=True, publish_at__gt=now - timedelta(days=longest)
        )
        for article in recent.only("publish_at", "comments_close_after_days"):
            close_at = article.comments_close_at
            if close_at > now:
                due.append(close_at)
        return min(due).timestamp() if due else None

    def latest_per_section(self, per_section: int, sections) -> list["Article"]:
        """The newest ``per_section`` of these articles in each of ``sections``, as cards
        (``for_listing``), newest first.

        The chosen lead story, if it leads now, comes too, first whatever its date, and is
        marked ``leads``: the home page finds it here. Each section is one small query on
        ``article_section_idx`` and the lead one on its own unique index, joined in one
        UNION; the cost depends on the number of sections, never on the archive's size.
        """
        by_key = Article._base_manager.order_by().values_list("pk")
        newest = self.order_by("-publish_at", "-pk").values_list("pk")
        # SQLite takes no LIMIT inside a UNION's parts: each part looks up by key the few
        # ids its own LIMITed subquery found.
        parts = [
            by_key.filter(pk__in=newest.filter(section=section)[:per_section])
            for section in sections
        ]
        chosen = {pk for (pk,) in by_key.filter(is_lead=True).union(*parts, all=True)}
        # By their keys, so that no database plans a scan of the archive to find them; the
        # lead was taken whatever its state, so it is checked here.
        found = [a for a in Article.objects.for_listing().filter(pk__in=chosen) if a.is_published]
        for article in found:
            article.leads = article.leads_home_page
        return sorted(found, key=lambda a: (not a.leads, -a.publish_at.timestamp(), -a.pk))

    def newest_in(self, listings) -> dict:
        """The newest of these articles in each of ``listings`` (sections or regions), as
        cards, by the listing's key; listings without one are left out.

        One UNION of a small lookup per listing, as ``latest_per_section``: the cost
        depends on the number of listings, never on the archive's size.
        """
        listings = list(listings)
        if not listings:
            return {}
        by_key = Article._base_manager.order_by()
        newest = self.order_by("-publish_at", "-pk").values_list("pk")
        parts = [
            by_key.filter(pk__in=newest.listed_under(listing)[:1])
            .annotate(listing=models.Value(listing.pk))
            .values_list("pk", "listing")
            for listing in listings
        ]
        found = list(parts[0].union(*parts[1:], all=True))
        cards = (
            Article.objects.for_listing().prefetch_related(None).in_bulk({pk for pk, _ in found})
        )
        return {listing: cards[pk] for pk, listing in found if pk in cards}


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search document is the database's own, read by search queries only.
        return super().get_queryset().defer("search_document")


# Every save through the admin keeps a revision of the article with its inline rows and
# regions, so an earlier version can be restored whole (see ArticleAdmin).
@reversion.register(
    follow=[
        "bylines",
        *("text_blocks", "quotes", "body_photos", "read_mores", "embeds"),
        *("related_links", "corrections", "taggedregion_set"),
    ],
    # Which article leads the home page is today's choice, not part of an article's past:
    # restoring a version keeps the row's current lead fields (see ArticleAdmin). The search
    # document is the database's own, derived from the rest.
    exclude=["is_lead", "lead_until", "search_document"],
)
class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    class Kind(models.TextChoices):
        NEWS = "news", "News"
        OPINION = "opinion", "Opinion"
        ANALYSIS = "analysis", "Analysis"

    headline = models.CharField(max_length=200, help_text="Without the kicker; it is added.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="The last part of the URL. Leave empty to make it from the headline.",
    )
    kicker = models.CharField(
        max_length=40,
        blank=True,
        help_text="Shown before the headline, e.g. “IRAQ”. Leave empty to use the primary region.",
    )
    standfirst = models.TextField(
        blank=True, help_text="One or two sentences under the headline. Plain text."
    )
    # The words of the body's text blocks, kept by ``refresh_body_text`` after its blocks
    # are saved: what search indexes (the body itself is the blocks, see ``blocks()``).
    body_text = models.TextField(blank=True, editable=False)
    # On PostgreSQL, the weighted search document of headline, kicker, standfirst and
    # ``body_text``, kept by a trigger (migration 0013) and GIN-indexed: search matches and
    # ranks from it without parsing any text again. Never written by Python; empty elsewhere.
    search_document = SearchVectorField(null=True, editable=False)
    kind = models.CharField("type", max_length=10, choices=Kind, default=Kind.NEWS)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    regions = TaggableManager(
        through=TaggedRegion,
        blank=True,
        verbose_name="regions",
        help_text="Comma-separated places the article is about.",
    )
    primary_region = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Becomes the kicker unless one is typed above; added to the regions.",
    )
    authors = models.ManyToManyField(Author, through="Byline", related_name="articles")
    lead_photo = models.ForeignKey(
        Photo, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.DRAFT,
        help_text="To schedule, choose Published and a publish time in the future.",
    )
    publish_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        help_text="A future time schedules the article; empty means “now” when published.",
    )
    updated_at = models.DateTimeField(
        "updated",
        null=True,
        blank=True,
        help_text="Shown to readers as “Updated”. Corrections set it automatically.",
    )
    comments_enabled = models.BooleanField(
        "allow comments", default=True, help_text="Untick to close comments on this article now."
    )
    comments_close_after_days = models.PositiveSmallIntegerField(
        "close comments after (days)",
        null=True,
        blank=True,
        help_text="Days after publication when comments close. Empty: the site's default.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    is_lead = models.BooleanField(
        "lead story",
        default=False,
        help_text=(
            "Lead the home page with this article while it is published. One article "
            "leads at a time: ticking this releases the one that led before. When none is "
            "chosen, or its time is over, the newest article leads."
        ),
    )
    lead_until = models.DateTimeField(
        "lead until",
        null=True,
        blank=True,
        help_text="Optional. From this time on the newest article leads again.",
    )
    # The edit-conflict counter: every save through the admin (form or action) moves it on,
    # so a form opened at an older number cannot overwrite what was saved since.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ArticleManager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        permissions = [("publish_article", "Can publish, schedule and unpublish articles")]
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="article_published_idx"),
            models.Index(fields=["section", "status", "-publish_at"], name="article_section_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="published_article_has_publish_time",
            ),
            # One lead story at most, and only a published (or scheduled) article leads.
            models.UniqueConstraint(
                fields=["is_lead"], condition=Q(is_lead=True), name="one_lead_story"
            ),
            models.CheckConstraint(
                condition=Q(is_lead=False) | Q(status="published"),
                name="lead_story_is_published",
            ),
            models.CheckConstraint(
                condition=Q(is_lead=True) | Q(lead_until__isnull=True),
                name="lead_until_only_for_the_lead",
            ),
        ]

    def __str__(self):
        return self.display_headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.headline)[:200]
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        if self.status != self.Status.PUBLISHED:
            self.is_lead = False  # unpublishing the lead story releases it
        if not self.is_lead:
            self.lead_until = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_lead", "lead_until"}
        taking_lead = self.is_lead and (update_fields is None or "is_lead" in update_fields)
        with transaction.atomic():
            if taking_lead:
                self._release_previous_lead()
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        when = timezone.localtime(self.publish_at or self.created_at or timezone.now())
        return reverse(
            "articles:article",
            kwargs={
                "year": f"{when:%Y}",
                "month": f"{when:%m}",
                "day": f"{when:%d}",
                "slug": self.slug,
            },
        )

    def _release_previous_lead(self) -> None:
        """One lead at a time: the one before steps down.

        Its counter moves on, so a change form still showing it as the lead cannot take
        the lead back; and when the change is being kept as a revision (an editor's save
        or action), the article stepping down gets its own history entry in it.
        """
        previous = Article.objects.filter(is_lead=True).exclude(pk=self.pk)
        stepping_down = list(previous.values_list("pk", flat=True))
        if not stepping_down:
            return
        previous.update(is_lead=False, lead_until=None, version=F("version") + 1)
        if reversion.is_active():
            for article in Article.objects.filter(pk__in=stepping_down):
                reversion.add_to_revision(article)

    def validate_constraints(self, exclude=None):
        # Choosing a new lead is not a clash with the old one: saving releases it (see
        # save). The database still holds the rule of one lead.
        super().validate_constraints(exclude={*(exclude or ()), "is_lead"})

    @property
    def display_kicker(self) -> str:
        kicker = self.kicker or (self.primary_region.name if self.primary_region else "")
        return kicker.upper()

    @property
    def display_headline(self) -> str:
        """The headline as readers see it everywhere: “KICKER: Headline”."""
        kicker = self.display_kicker
        return f"{kicker}: {self.headline}" if kicker else self.headline

    @property
    def kicker_region(self) -> Region | None:
        """The region the kicker names, for the kicker to link to; None for a typed kicker
        that is not the primary region's name (e.g. “ANALYSIS”)."""
        region = self.primary_region
        if region and (not self.kicker or self.kicker.casefold() == region.name.casefold()):
            return region
        return None

    @property
    def kind_label(self) -> str:
        """The type shown beside the section: none for news, nor where the section's name
        already says it (an opinion piece in “Opinion”)."""
        if self.kind == self.Kind.NEWS:
            return ""
        label = self.get_kind_display()
        return "" if label.casefold() == self.section.name.casefold() else label

    @property
    def is_opinion(self) -> bool:
        return self.kind == self.Kind.OPINION

    @property
    def is_published(self) -> bool:
        """The Python twin of ``Article.objects.published()``."""
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_published

    @property
    def leads_home_page(self) -> bool:
        """Chosen as the lead story, live, and its lead time not over."""
        return (
            self.is_lead
            and self.is_published
            and (self.lead_until is None or self.lead_until > timezone.now())
        )

    @property
    def display_status(self) -> str:
        return "Scheduled" if self.is_scheduled else self.get_status_display()

    @property
    def comments_close_at(self):
        """When comments close by themselves, or None while the article is unpublished."""
        if self.publish_at is None:
            return None
        days = self.comments_close_after_days
        if days is None:
            days = settings.COMMENTS_CLOSE_AFTER_DAYS
        return self.publish_at + timedelta(days=days)

    @property
    def comments_are_open(self) -> bool:
        close_at = self.comments_close_at
        return (
            self.comments_enabled
            and self.is_published
            and close_at is not None
            and timezone.now() < close_at
        )

    @cached_property
    def author_list(self) -> list["Author"]:
        """Bylines in order; uses prefetched bylines when present."""
        return [byline.author for byline in self.bylines.all()]

    def blocks(self) -> list["Block"]:
        """The body: its blocks of every kind, in order, as readers see them.

        Expects the block relations (``BLOCK_RELATIONS``) to be prefetched for a page (see
        the article view); READ MORE links to articles not live yet are left out.
        """
        found = [
            block
            for relation in BLOCK_RELATIONS
            for block in getattr(self, relation).all()
            if block.region == Block.BODY and block.is_visible
        ]
        return sorted(found, key=lambda block: (block.ordering, block.pk or 0))

    def passage(self, anchor: str) -> str | None:
        """The current text of a text block or quote of the body, by its anchor (key)."""
        if not anchor:
            return None
        for relation in ("text_blocks", "quotes"):
            block = getattr(self, relation).filter(key=anchor, region=Block.BODY).first()
            if block is not None:
                return block.passage_text
        return None

    def refresh_body_text(self) -> None:
        """Store the words of the body's text blocks for search; call after saving blocks.

        Every text block is held to the editorial policy on the way: rows restored from
        a revision are written without their ``save()``.
        """
        texts = list(self.text_blocks.filter(region=Block.BODY).order_by("ordering", "pk"))
        for block in texts:
            cleaned = clean_editorial(block.text)
            if cleaned != block.text:
                TextBlock.objects.filter(pk=block.pk).update(text=cleaned)
                block.text = cleaned
        self.body_text = body_text([block.text for block in texts])
        Article.objects.filter(pk=self.pk).update(body_text=self.body_text)

    def sidebar_links(self, limit: int = 5) -> list:
        """The editor's sidebar choices, else recent articles of the region, then section."""
        chosen = [link for link in self.related_links.all() if link.is_visible]
        if chosen:
            return chosen
        # Same primary region first, then the rest of the section, newest first: two small
        # queries, each a walk down an index from the newest article, where one query
        # ordering both together would read and sort every article of both.
        cards = (
            Article.objects.published()
            .exclude(pk=self.pk)
            .select_related("primary_region")
            .defer("body_text")  # links, not bodies
            .order_by("-publish_at", "-pk")
        )
        found = []
        if self.primary_region_id:
            found = list(cards.filter(regions=self.primary_region_id)[:limit])
        if len(found) < limit:  # then every article of the region is in ``found``
            rest = cards.filter(section=self.section_id).exclude(pk__in=[a.pk for a in found])
            found += rest[: limit - len(found)]
        return found

    def neighbours(self) -> tuple["Article | None", "Article | None"]:
        """The published articles just before and after this one (by time, then number).

        Each is a step or two along ``article_published_idx`` from this article's place.
        The earlier one is looked for without ``published()``'s "publish time has come"
        (this article's has, so theirs has too): given both, SQLite would walk the index
        from the newest article down to this one.
        """
        cards = (
            Article.objects.filter(status=Article.Status.PUBLISHED)
            .select_related("primary_region")
            .defer("body_text")
        )
        at, pk = self.publish_at, self.pk
        previous = (
            cards.filter(publish_at__lte=at)
            .exclude(publish_at=at, pk__gte=pk)
            .order_by("-publish_at", "-pk")
            .first()
        )
        following = (
            cards.filter(publish_at__gte=at, publish_at__lte=timezone.now())
            .exclude(publish_at=at, pk__lte=pk)
            .order_by("publish_at", "pk")
            .first()
        )
        return previous, following


@reversion.register()
class Byline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    # Indexed first in ``author_articles_idx``, which serves every lookup by author.
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="bylines", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["article", "author"], name="unique_byline")]
        # An author's articles by key, as ``region_articles_idx`` is a region's.
        indexes = [models.Index(fields=["author", "article"], name="author_articles_idx")]

    def __str__(self):
        return self.author.name


_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
# Where a line ends: the end of a block element, or a line break.
_BREAK = re.compile(r"</(?:p|h[1-6]|li|dt|dd|pre|blockquote|tr|caption)>|<br>", re.I)


def body_text(texts: list[str]) -> str:
    """Plain words of sanitised HTML blocks, a line per paragraph, heading or list item."""
    lines = []
    for markup in texts:
        words = html.unescape(_TAG.sub("", _BREAK.sub("\n", markup)))
        lines += [line for line in (_SPACES.sub(" ", part).strip() for part in words.split("\n"))
                  if line]  # fmt: skip
    return "\n".join(lines)


def new_block_key() -> str:
    return f"b-{secrets.token_hex(5)}"


class Block(models.Model):
    """One piece of an article's body; the body is its blocks, by ``ordering``.

    The shape django-content-editor edits in the admin: ``region`` (``body``) and
    ``ordering``; the editor numbers blocks 10, 20, 30… as they are moved. ``key`` is the
    block's stable id, given once and kept through edits and moves: its HTML id on the
    page and the anchor inline comments point at. Bodies migrated from the numbered
    placeholders kept their paragraphs' and quotes' earlier anchors as keys.
    """

    BODY = "body"
    kind = ""  # the template that shows it: articles/blocks/<kind>.html

    region = models.CharField(max_length=20, default=BODY)
    ordering = models.IntegerField(
        "position", default=0, help_text="Blocks are shown in order of this number."
    )
    key = models.CharField(max_length=40, default=new_block_key, editable=False)

    class Meta:
        abstract = True
        ordering = ["ordering", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="unique_%(class)s_key")
        ]

    @property
    def is_visible(self) -> bool:
        return True

    @property
    def template_name(self) -> str:
        return f"articles/blocks/{self.kind}.html"


@reversion.register()
class TextBlock(Block):
    kind = "text"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="text_blocks")
    text = models.TextField(
        help_text="Paragraphs, headings and lists, with bold, italic and links."
    )

    class Meta(Block.Meta):
        verbose_name = "text"
        verbose_name_plural = "text"

    def __str__(self):
        return plain_text(self.text)[:50]

    def save(self, *args, **kwargs):
        # Whatever the editor (or a form without it) sent, the editorial policy decides.
        self.text = clean_editorial(self.text)
        super().save(*args, **kwargs)

    @property
    def passage_text(self) -> str:
        return body_text([self.text])


@reversion.register()
class Quote(Block):
    kind = "quote"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quotes")
    text = models.TextField(help_text="The words quoted, without quotation marks. Plain text.")
    speaker = models.CharField(max_length=120, db_index=True)
    speaker_role = models.CharField(
        max_length=160, blank=True, help_text="E.g. “Iraq's Vice President”."
    )
    source_url = models.URLField(blank=True, help_text="Where the words were said, if online.")

    class Meta(Block.Meta):
        pass

    def __str__(self):
        return f"{self.speaker}: {self.text[:50]}"

    @property
    def passage_text(self) -> str:
        return self.text


@reversion.register()
class BodyPhoto(Block):
    kind = "photo"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="body_photos")
    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="+")
    caption = models.TextField(
        "caption here",
        blank=True,
        help_text="Leave empty to show the photo's own caption. Plain text.",
    )
    credit = models.CharField(
        "credit here",
        max_length=250,
        blank=True,
        help_text="Leave empty to show the photo's own credit, e.g. “Photo by NAME/AGENCY”.",
    )

    class Meta(Block.Meta):
        verbose_name = "photo"
        verbose_name_plural = "photos"

    def __str__(self):
        return str(self.photo)

    @property
    def shown_caption(self) -> str:
        return self.caption or self.photo.caption

    @property
    def shown_credit(self) -> str:
        return self.credit or self.photo.credit


class Link(models.Model):
    """A link to one of our articles, or to a page elsewhere with its title."""

    target = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Another article of ours (search by headline)…",
    )
    url = models.URLField("external URL", blank=True, help_text="…or a page elsewhere.")
    title = models.CharField(max_length=200, blank=True, help_text="Link text for an external URL.")

    class Meta:
        abstract = True

    def __str__(self):
        return self.label

    def clean(self):
        if bool(self.target_id) == bool(self.url):
            raise ValidationError("Choose either one of our articles or an external URL.")
        if self.url and not self.title:
            raise ValidationError({"title": "An external link needs a title."})
        if self.target_id and self.target_id == self.article_id:
            raise ValidationError({"target": "An article cannot link to itself."})

    @property
    def is_visible(self) -> bool:
        """External links always; links to our articles only once those are live."""
        return self.target_id is None or self.target.is_published

    @property
    def label(self) -> str:
        return self.target.display_headline if self.target_id else self.title

    @property
    def href(self) -> str:
        return self.target.get_absolute_url() if self.target_id else self.url


def one_destination(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(target__isnull=False) & Q(url=""))
        | (Q(target__isnull=True) & ~Q(url="") & ~Q(title="")),
        name=name,
        violation_error_message=(
            "Choose either one of our articles, or an external URL with a title."
        ),
    )


@reversion.register()
class ReadMore(Block, Link):
    """A READ MORE link between two blocks of the body."""

    kind = "readmore"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="read_mores")

    is_visible = Link.is_visible  # not Block's: a link to an article not live is left out

    class Meta(Block.Meta):
        verbose_name = "READ MORE link"
        constraints = [*Block.Meta.constraints, one_destination("read_more_has_one_destination")]


@reversion.register()
class Embed(Block):
    """A video, post, chart or map from an allowed provider (see ``articles.embeds``)."""

    kind = "embed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="embeds")
    url = models.URLField(
        "address",
        max_length=500,
        help_text="The address of the video or post, as you would share it.",
    )
    provider = models.CharField(max_length=40, editable=False)

    class Meta(Block.Meta):
        pass

    def __str__(self):
        return f"{self.provider or 'Embed'}: {self.url}"

    def clean(self):
        if self.url:
            self.provider = embeds.parse(self.url).provider

    @cached_property
    def embeddable(self) -> "embeds.Embeddable | None":
        """Its provider and player; None if the address is no longer one we embed."""
        try:
            return embeds.parse(self.url)
        except ValidationError:
            return None

    @property
    def player_url(self) -> str:
        """The player for the reader's click; "" for a link card."""
        return self.embeddable.player_url if self.embeddable else ""


# The relations that hold an article's body blocks, one per kind.
BLOCK_RELATIONS = ["text_blocks", "quotes", "body_photos", "read_mores", "embeds"]


@reversion.register()
class RelatedLink(Link):
    """A link in the article's sidebar, chosen by the editor."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the sidebar.")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [one_destination("related_link_has_one_destination")]


@reversion.register()
class Correction(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    created_at = models.DateTimeField("date", default=timezone.now)
    text = models.TextField(help_text="What was wrong and what is right now. Plain text.")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["-created_at"], name="correction_recent_idx")]

    def __str__(self):
        return f"Correction of {self.created_at:%d %B %Y}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # A correction is an update readers must see: move the article's "Updated" on.
        Article.objects.filter(pk=self.article_id).update(
            updated_at=Greatest(
                models.functions.Coalesce("updated_at", self.created_at), self.created_at
            )
        )


class ArticleDraft(models.Model):
    """The change form as one editor last left it, kept every few seconds of typing.

    A copy beside the article, never the article itself: what readers see changes only
    when the form is saved. One per editor and article; a new, unsaved article has its
    own (``article`` empty) per editor. Saving the form removes it.
    """

    # Editors' work in progress: nothing readers see, so no cache is purged for it.
    reader_visible = False

    article = models.ForeignKey(Article, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form_data = models.JSONField(help_text="The form's fields as [name, value] pairs.")
    labels = models.JSONField(default=dict, help_text="Shown text of chosen options.")
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_draft_per_editor"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(article=None), name="one_new_draft_per_editor"
            ),
        ]

    def __str__(self):
        return f"Autosaved draft of {self.article or 'a new article'}"


class EditorPresence(models.Model):
    """Who has an article's change form open: opened, and last heard from."""

    reader_visible = False

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    # Which opening of the form was heard last: the page an editor leaves (reloading, say)
    # says goodbye after the new one has said hello, and must not remove it.
    page = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_presence_per_editor")
        ]

    def __str__(self):
        return f"{self.user} editing {self.article}"


# First parts of the site's own addresses: a page called one of these would hide, or be
# hidden by, the site's own pages (tests check every top-level address is listed).
RESERVED_PAGE_SLUGS = frozenset(
    {
        "admin", "section", "region", "author", "search", "rss", "atom", "comments",
        "newsletters", "my-data", "preview", "corrections", "static", "media", "healthz",
        "readyz", "sitemap", "sitemaps", "robots", "favicon", "feeds", "feed", "login",
        "logout", "accounts", "api", "page", "pages", "tag", "category", "wp-admin",
        "wp-content", "wp-login", "index",
    }
)  # fmt: skip


def validate_page_slug(slug: str) -> None:
    if slug.lower() in RESERVED_PAGE_SLUGS or slug.isdigit():
        raise ValidationError(
            "“%(slug)s” is one of the site's own addresses; choose another.",
            params={"slug": slug},
            code="reserved",
        )


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages readers may see."""
        return self.filter(published=True)


@reversion.register()
class Page(models.Model):
    """A page of the site itself (About, Support us, Contact…), at ``/<slug>/``."""

    title = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=80,
        unique=True,
        validators=[validate_page_slug],
        help_text="Its address: /slug/. Not one of the site's own (search, section…).",
    )
    body = models.TextField(
        blank=True, help_text="Paragraphs, headings and lists, with bold, italic and links."
    )
    in_navigation = models.BooleanField(
        "in the navigation", default=False, help_text="Linked in the header, after the sections."
    )
    in_footer = models.BooleanField("in the footer", default=False)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the navigation and the footer (lowest first)."
    )
    published = models.BooleanField(
        default=False, help_text="Readers see only published pages; others answer “not found”."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Whatever the editor (or a form without it) sent, the editorial policy decides.
        self.body = clean_editorial(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:page", args=[self.slug])


def linked_pages() -> dict:
    """The published pages every page links to: ``navigation`` and ``footer`` (titles and
    addresses) and ``principles``, the address of the publishing principles (ethics and
    corrections policy, ``PUBLISHING_PRINCIPLES``) or "".

    Cached until an editor changes something, like the sections: no query per page.
    """

    def build():
        principles = settings.PUBLISHING_PRINCIPLES
        pages = Page.objects.published().filter(
            Q(in_navigation=True) | Q(in_footer=True) | Q(slug=principles)
        )
        links = [(page, {"title": page.title, "url": page.get_absolute_url()}) for page in pages]
        return {
            "navigation": [link for page, link in links if page.in_navigation],
            "footer": [link for page, link in links if page.in_footer],
            "principles": next((link["url"] for p, link in links if p.slug == principles), ""),
        }

    return fragments.cached("page-links", build, timeout=None)
