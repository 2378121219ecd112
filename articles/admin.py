from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .forms import ArticleForm, BodyPhotoFormSet, PhotoForm, QuoteFormSet, RelatedLinkFormSet
from .models import (
    Article,
    Author,
    BodyPhoto,
    Byline,
    Correction,
    Photo,
    Quote,
    Region,
    RelatedLink,
    Section,
)
from .views import preview_token


def can_publish(user) -> bool:
    return user.has_perm("articles.publish_article")


def can_edit(user, article: Article | None) -> bool:
    """Publishers edit everything; authors only their own articles until published."""
    if article is None or can_publish(user):
        return True
    if article.status == Article.Status.PUBLISHED:
        return False
    return Article.objects.editable_by(user).filter(pk=article.pk).exists()


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    list_select_related = ["user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["user"]


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoForm
    list_display = ["thumbnail", "__str__", "photographer", "agency", "uploaded_at"]
    search_fields = ["caption", "alt_text", "photographer", "agency"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["thumbnail"]

    @admin.display(description="Photo")
    def thumbnail(self, photo):
        if not photo.image:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" style="max-width:160px;height:auto">',
            photo.image.url,
            photo.alt_text,
        )


class ArticleInlineMixin:
    """Inline rows follow the article: read-only whenever the article is."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and can_edit(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit(request.user, obj)


class BylineInline(ArticleInlineMixin, admin.TabularInline):
    model = Byline
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "Authors (in byline order)"


class QuoteInline(ArticleInlineMixin, admin.StackedInline):
    model = Quote
    formset = QuoteFormSet
    fields = [("number", "speaker", "speaker_role"), "text", "source_url"]
    verbose_name_plural = "Quotes — place each with [quote N] in the body"


class BodyPhotoInline(ArticleInlineMixin, admin.TabularInline):
    model = BodyPhoto
    formset = BodyPhotoFormSet
    autocomplete_fields = ["photo"]
    verbose_name_plural = "Body photos — place each with [photo N] in the body"


class RelatedLinkInline(ArticleInlineMixin, admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    formset = RelatedLinkFormSet
    fields = ["placement", "number", "target", "url", "title"]
    autocomplete_fields = ["target"]
    verbose_name_plural = (
        "Related links — READ MORE links are placed with [readmore N] in the body; "
        "sidebar links are listed in number order (none: recent articles of the same "
        "region, then section)"
    )


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0
    verbose_name_plural = "Corrections — shown at the end of the article and on /corrections/"


class PublicationFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Published"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        published = queryset.filter(status=Article.Status.PUBLISHED)
        return {
            "draft": queryset.filter(status=Article.Status.DRAFT),
            "review": queryset.filter(status=Article.Status.REVIEW),
            "scheduled": published.filter(publish_at__gt=now),
            "live": published.filter(publish_at__lte=now),
        }.get(self.value(), queryset)


class RegionFilter(admin.SimpleListFilter):
    title = "region"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return Region.objects.values_list("slug", "name")

    def queryset(self, request, queryset):
        return queryset.filter(regions__slug=self.value()) if self.value() else queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["display_headline", "publication", "publish_at", "section", "byline", "kind"]
    list_filter = [PublicationFilter, "section", RegionFilter, "kind", "authors"]
    list_select_related = ["section", "primary_region"]
    search_fields = ["headline", "kicker"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "primary_region", "lead_photo"]
    readonly_fields = ["preview_link", "created_by", "modified_at"]
    # "version" in the fieldsets is ArticleForm's hidden edit-conflict field; the model's
    # own version is not editable, so it must stay out of the generated model form.
    exclude = ["version"]
    actions = ["submit_for_review", "publish_now", "unpublish"]
    list_per_page = 100
    # A filtered list says "(Show all)" instead of counting the whole table on every load.
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["headline", "slug", "kicker", "standfirst", "kind", "section"]}),
        ("Regions", {"fields": ["regions", "primary_region"]}),
        ("Lead photo", {"fields": ["lead_photo"]}),
        ("Body", {"fields": ["body"]}),
        (
            "Publishing",
            {"fields": ["status", "publish_at", "updated_at", "preview_link", "created_by",
                        "modified_at", "version"]},
        ),
    ]  # fmt: skip
    inlines = [BylineInline, QuoteInline, BodyPhotoInline, RelatedLinkInline, CorrectionInline]

    def get_queryset(self, request):
        bylines = Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        articles = super().get_queryset(request).prefetch_related(bylines)
        return articles.editable_by(request.user)

    def get_inlines(self, request, obj):
        if can_publish(request.user):
            return self.inlines
        return [inline for inline in self.inlines if inline is not CorrectionInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields += ["publish_at", "updated_at"]
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not can_publish(request.user):
            kwargs["choices"] = [
                (Article.Status.DRAFT, Article.Status.DRAFT.label),
                (Article.Status.REVIEW, "Submit for review"),
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit(request.user, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if obj.status == Article.Status.PUBLISHED and not can_publish(request.user):
            raise PermissionDenied("Only editors can publish.")
        if not change:
            obj.created_by = request.user
        else:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        profile = getattr(request.user, "author_profile", None)
        if not change and profile and not article.bylines.exists():
            # An author's own new article carries their byline unless they chose others.
            Byline.objects.create(article=article, author=profile)

    @admin.display(description="headline", ordering="headline")
    def display_headline(self, article):
        return article.display_headline

    @admin.display(description="status", ordering="status")
    def publication(self, article):
        return article.display_status

    @admin.display(description="authors")
    def byline(self, article):
        return ", ".join(author.name for author in article.author_list)

    @admin.display(description="preview link")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to get a preview link."
        url = reverse("articles:preview", args=[preview_token(article)])
        days = settings.PREVIEW_MAX_AGE // 86400
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a><br>'
            "<small>Anyone with this link can read the article for {} days.</small>",
            url,
            "Open preview",
            days,
        )

    def _change_status(self, request, queryset, status, message):
        changed = 0
        for article in queryset:
            article.status = status
            if status == Article.Status.PUBLISHED and (
                article.publish_at is None or article.publish_at > timezone.now()
            ):
                article.publish_at = timezone.now()
            article.version += 1
            article.save(update_fields=["status", "publish_at", "version", "modified_at"])
            self.log_change(request, article, message)
            changed += 1
        self.message_user(request, f"{message}: {changed} article(s).", messages.SUCCESS)

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        drafts = queryset.filter(status=Article.Status.DRAFT)
        self._change_status(request, drafts, Article.Status.REVIEW, "Submitted for review")

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._change_status(request, queryset, Article.Status.PUBLISHED, "Published")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._change_status(request, queryset, Article.Status.DRAFT, "Unpublished")
