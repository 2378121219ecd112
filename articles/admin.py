import base64
import copy
import hashlib
import re

from content_editor.admin import ContentEditor, ContentEditorInline
from content_editor.models import Region as BodyRegion
from csp.constants import UNSAFE_INLINE
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from reversion.admin import VersionAdmin
from reversion.models import Version

from . import legacy_body, publishing, storage, tasks
from .autosave import AutosaveAdmin
from .forms import (
    LEAD_FILE_AGAIN,
    ArticleForm,
    AuthorForm,
    BodyPhotoForm,
    BylineFormSet,
    EmbedForm,
    PageForm,
    PhotoForm,
    QuoteForm,
    TextBlockForm,
)
from .models import (
    BLOCK_RELATIONS,
    Article,
    Author,
    Block,
    BodyPhoto,
    Byline,
    Correction,
    Embed,
    Page,
    Photo,
    Quote,
    ReadMore,
    Region,
    RelatedLink,
    Section,
    TextBlock,
)
from .permissions import can_change_photo, can_edit, can_publish
from .previews import preview_url
from .publishing import PublishingError

# Links typed without a scheme are taken as https (the Django 6 default, chosen now).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


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


class StoredUploadsAdmin(admin.ModelAdmin):
    """Uploads are stored while the form is validated (``forms.StoresUploads``); one
    stored by a save that then failed (the database was busy) is removed again."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with storage.uploads_removed_unless_saved():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        storage.uploads_saved()


@admin.register(Author)
class AuthorAdmin(StoredUploadsAdmin):
    form = AuthorForm
    list_display = ["name", "slug", "user"]
    list_select_related = ["user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["user"]


@admin.register(Photo)
class PhotoAdmin(StoredUploadsAdmin):
    form = PhotoForm
    list_display = ["thumbnail", "__str__", "photographer", "agency", "uploaded_at"]
    search_fields = ["caption", "alt_text", "photographer", "agency"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["thumbnail", "source_url"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_change_photo(request.user, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new image gets its renditions from a task once this save has committed; no
        # reader's request (nor this one, with a worker running) waits for the encoding.
        tasks.queue_renditions(obj)

    @admin.display(description="Photo")
    def thumbnail(self, photo):
        if not photo.image or not photo.image._committed:  # not stored: a refused upload
            return "—"
        # Sized by attributes, not a style attribute: a strict CSP drops inline styles.
        height = round(160 * photo.height / photo.width) if photo.width and photo.height else ""
        return format_html(
            '<img src="{}" alt="{}" width="160"{}>',
            photo.thumbnail_url,
            photo.alt_text,
            format_html(' height="{}"', height) if height else "",
        )


class ArticleInlineMixin:
    """Inline rows follow the article: read-only whenever the article is."""

    extra = 0
    formfield_overrides = URL_FIELDS

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and can_edit(request.user, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield and isinstance(self, admin.TabularInline):
            # A table's boxes have their column heading, not a label: name each one.
            formfield.widget.attrs.setdefault("aria-label", str(formfield.label))
        return formfield

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit(request.user, obj)


class BylineInline(ArticleInlineMixin, admin.TabularInline):
    model = Byline
    formset = BylineFormSet
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "Authors (in byline order)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A writer's new article carries their byline (ArticleAdmin.save_related), so it
        # may be published without choosing an author.
        formset.default_author = getattr(request.user, "author_profile", None)
        return formset


class BlockInline(ArticleInlineMixin, ContentEditorInline):
    """One kind of body block, edited by django-content-editor.

    With JavaScript the blocks of every kind show as one sequence: added between any two
    blocks, dragged or moved by keyboard, removed. Without it they are plain inline
    forms with a visible position; ``?more_blocks=1`` adds an empty one of each kind.
    """

    fk_name = "article"
    formfield_overrides = URL_FIELDS

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if request.GET.get("more_blocks") else 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "ordering":
            # Visible, so the order can be changed without JavaScript; the content editor
            # hides it (see static/css/admin-blocks.css) and keeps it up to date.
            return super(ContentEditorInline, self).formfield_for_dbfield(
                db_field, request, **kwargs
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TextBlockInline(BlockInline):
    model = TextBlock
    form = TextBlockForm
    icon = "notes"

    def get_extra(self, request, obj=None, **kwargs):
        # Somewhere to start writing, with or without JavaScript.
        return 1


class QuoteInline(BlockInline):
    model = Quote
    form = QuoteForm
    fields = [("speaker", "speaker_role"), "text", "source_url", "ordering", "region"]
    icon = "format_quote"


class BodyPhotoInline(BlockInline):
    model = BodyPhoto
    form = BodyPhotoForm
    fieldsets = [
        (None, {"fields": ["photo", "caption", "credit", "ordering", "region"]}),
        (
            "Upload a new photo",
            {"fields": ["new_image", "new_alt_text", ("new_photographer", "new_agency")]},
        ),
    ]
    icon = "image"


class ReadMoreInline(BlockInline):
    model = ReadMore
    fields = ["target", ("url", "title"), "ordering", "region"]
    autocomplete_fields = ["target"]
    icon = "read_more"


class EmbedInline(BlockInline):
    model = Embed
    form = EmbedForm
    icon = "smart_display"


class RelatedLinkInline(ArticleInlineMixin, admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    fields = ["target", "url", "title", "position"]
    autocomplete_fields = ["target"]
    verbose_name = "sidebar link"
    verbose_name_plural = "Sidebar links (related articles, in order)"


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
        return {
            "draft": lambda: queryset.filter(status=Article.Status.DRAFT),
            "review": lambda: queryset.filter(status=Article.Status.REVIEW),
            "scheduled": queryset.scheduled,
            "live": queryset.published,
        }.get(self.value(), lambda: queryset)()


class RegionFilter(admin.SimpleListFilter):
    title = "region"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return Region.objects.values_list("slug", "name")

    def queryset(self, request, queryset):
        return queryset.filter(regions__slug=self.value()) if self.value() else queryset


# content-editor's "regions" are places for blocks; an article's body is the only one.
BODY_REGIONS = [BodyRegion(key=Block.BODY, title="Body")]
_IMPORT_MAP = re.compile(r'<script type="importmap"[^>]*>(.*?)</script>', re.S)


def inline_script_hashes(media) -> list[str]:
    """CSP sources for the import map the block editor's modules are found through.

    Scripts come from files only (``'self'``); the import map is the one inline script
    the editor needs, allowed by its hash on this page alone.
    """
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(found.encode()).digest()).decode()}'"
        for found in _IMPORT_MAP.findall(str(media))
    ]


class RichTextAdmin(admin.ModelAdmin):
    """A change form with the rich-text editor: its import map allowed by hash."""

    def render_change_form(self, request, context, *args, **kwargs):
        response = super().render_change_form(request, context, *args, **kwargs)
        hashes = inline_script_hashes(response.context_data["media"])
        if hashes:  # the admin's inline styles stay allowed (newsroom/security.py)
            response._csp_update = {"script-src": hashes, "style-src": [UNSAFE_INLINE]}
        return response


@admin.register(Page)
class PageAdmin(RichTextAdmin, VersionAdmin):
    form = PageForm
    list_display = ["title", "slug", "published", "in_navigation", "in_footer", "position",
                    "updated_at"]  # fmt: skip
    list_editable = ["position"]
    list_filter = ["published", "in_navigation", "in_footer"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        ("Publishing", {"fields": ["published", "updated_at"]}),
        ("Links", {"fields": ["in_navigation", "in_footer", "position"]}),
    ]


SCHEDULED_REFUSAL = (
    "This is done as the article is published now; it is scheduled for later: "
    "untick it, or publish now."
)


class PublishOptionsForm:
    """Mixed into the article form when publish options are offered (``publish_options``).

    An option acts when the article goes live from this form; one ticked for a publish
    scheduled later is refused rather than silently never done.
    """

    publish_option_names: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        publish_at = cleaned.get("publish_at")
        later = cleaned.get("status") == Article.Status.PUBLISHED and publish_at
        if not later or publish_at <= timezone.now():
            return cleaned
        for name in self.publish_option_names:
            if cleaned.get(name):
                self.add_error(name, SCHEDULED_REFUSAL)
        return cleaned


@admin.register(Article)
class ArticleAdmin(StoredUploadsAdmin, AutosaveAdmin, RichTextAdmin, ContentEditor, VersionAdmin):
    form = ArticleForm
    # History lists every kept version, newest first; reverting is for whoever may edit.
    object_history_template = "admin/articles/article/object_history.html"
    change_list_template = "admin/articles/article/change_list.html"
    history_latest_first = True
    # Five narrow columns, so the list fits a 1280 px screen beside the menu and filters.
    list_display = ["display_headline", "publication", "published", "section_and_kind", "byline"]
    list_filter = [PublicationFilter, "section", RegionFilter, "kind", "authors"]
    list_select_related = ["section", "primary_region"]
    search_fields = ["headline", "kicker", "slug", "primary_region__name", "bylines__author__name"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    # Sections are a handful: a plain list is one choice, not a search. The lead photo is
    # chosen by its thumbnail (ArticleForm).
    autocomplete_fields = ["primary_region"]
    readonly_fields = ["preview_link", "created_by", "modified_at"]
    # "version" in the fieldsets is ArticleForm's hidden edit-conflict field; the model's
    # own version is not editable, so it must stay out of the generated model form.
    exclude = ["version"]
    actions = ["submit_for_review", "publish_now", "unpublish", "make_lead", "stop_leading"]
    list_per_page = 100
    # Work in progress (no publish time yet) first, then the newest.
    ordering = [F("publish_at").desc(nulls_first=True), "-pk"]
    formfield_overrides = URL_FIELDS
    # A filtered list says "(Show all)" instead of counting the whole table on every load.
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["headline", "slug", "kicker", "standfirst", "kind", "section"]}),
        ("Regions", {"fields": ["regions", "primary_region"]}),
        (
            "Lead photo",
            {"fields": ["lead_photo", "lead_image", "lead_alt_text", "lead_caption",
                        ("lead_photographer", "lead_agency")]},
        ),
        # Settings most articles keep as they are: folded, so the body is nearer the top.
        (
            "Comments",
            {"fields": ["comments_enabled", "comments_close_after_days"], "classes": ["collapse"]},
        ),
        (
            "Publishing",
            {"fields": ["status", "publish_at", "updated_at", "preview_link", "created_by",
                        "modified_at", "version"]},
        ),
        ("Home page", {"fields": ["is_lead", "lead_until"], "classes": ["collapse"]}),
    ]  # fmt: skip
    # Things to do as an article is published, offered by the layers above (articles
    # never import them): each option has a ``name``, ``field(request, article)`` giving
    # the checkbox shown under Publishing, or None to offer nothing to this user, and
    # ``after_publish(request, article)``, called inside the save's transaction when the
    # box was ticked and the saved article is live.
    publish_options: list = []
    inlines = [
        BylineInline, TextBlockInline, QuoteInline, BodyPhotoInline, ReadMoreInline,
        EmbedInline, RelatedLinkInline, CorrectionInline,
    ]  # fmt: skip

    class Media:
        css = {"all": ["css/admin-blocks.css"]}
        js = ["js/admin-blocks.js"]

    def _content_editor_context(self, request, context):
        """content-editor reads ``instance.regions``; an article's are its place tags."""
        form = context["adminform"].form
        article = copy.copy(form.instance)
        article.regions = BODY_REGIONS
        stand_in = type("StandIn", (), {"form": type("Form", (), {"instance": article})})
        return super()._content_editor_context(request, {**context, "adminform": stand_in})

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["show_publish_now"] = can_publish(request.user) and not (
            obj and obj.status == Article.Status.PUBLISHED
        )
        form = context["adminform"].form
        if request.method == "POST" and request.FILES.get("lead_image") and form.is_bound:
            # The save was refused (here or in a block): the chosen file is not sent back
            # to the browser, so say so beside it rather than let it vanish unnoticed.
            form.errors.setdefault("lead_image", form.error_class()).append(LEAD_FILE_AGAIN)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _offered_options(self, request, obj) -> dict:
        """The publish options' fields this user is offered, by name (asked once a request)."""
        if not hasattr(request, "publish_option_fields"):
            fields = ((option.name, option.field(request, obj)) for option in self.publish_options)
            request.publish_option_fields = {name: f for name, f in fields if f is not None}
        return request.publish_option_fields

    def get_fieldsets(self, request, obj=None):
        offered = list(self._offered_options(request, obj))
        return [
            (title, {**opts, "fields": [*opts["fields"], *offered]})
            if title == "Publishing"
            else (title, opts)
            for title, opts in super().get_fieldsets(request, obj)
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        offered = self._offered_options(request, obj)
        if offered:
            base = kwargs.get("form", self.form)
            attrs = {**offered, "publish_option_names": tuple(offered)}
            kwargs["form"] = type(base.__name__, (PublishOptionsForm, base), attrs)
        return super().get_form(request, obj, change, **kwargs)

    def autosave_view(self, request, object_id=None):
        # A publish option is a one-off act, not part of the article: a kept draft never
        # puts it back ticked.
        request.POST = request.POST.copy()
        for option in self.publish_options:
            request.POST.pop(option.name, None)
        return super().autosave_view(request, object_id)

    def get_queryset(self, request):
        bylines = Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        articles = super().get_queryset(request).prefetch_related(bylines)
        return articles.editable_by(request.user)

    def get_search_results(self, request, queryset, search_term):
        linking = request.GET.get("model_name") in ("relatedlink", "readmore")
        if linking and not can_publish(request.user):
            # Authors link to anything readers can see, not only to their own articles.
            queryset = queryset | Article.objects.published()
        return super().get_search_results(request, queryset, search_term)

    def view_on_site(self, article):
        return article.get_absolute_url() if article.is_published else preview_url(article)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        if article and not self.has_change_permission(request, article):
            self.message_user(
                request,
                "This article is published; ask an editor if it needs changing.",
                messages.INFO,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        context = {
            "can_revert": article is not None and self.has_change_permission(request, article),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Show a kept version in the change form; saving it restores it.

        Permission is judged on the article as it is now, before the old version is put
        back: an author may restore their own unpublished article, never a published one.
        The restored version is then saved through the normal form, with its validation,
        sanitising, publishing rules, edit-conflict check and cache bump.
        """
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_change_permission(request, article):
            raise PermissionDenied
        kept = Version.objects.get_for_object(article).filter(pk=version_id)
        if not kept.exists():
            raise Http404("No such version of this article.")
        # The old version carries its old edit-conflict counter, and no lead fields (they
        # are not kept); changeform_view puts the current ones back, so the counter only
        # ever moves on and the restored article leads exactly when it led before.
        request.article_live_fields = {
            "version": article.version,
            "is_lead": article.is_lead,
            "lead_until": article.lead_until,
        }
        # A version from before the body was blocks gets its body made from the old HTML.
        version = kept.get()
        old = legacy_body.old_body(version) is not None
        request.article_old_body_version = version if old else None
        return super().revision_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_publish" in request.POST and can_publish(request.user):
            # "Publish now": the form as filled in, published (an empty time means now).
            request.POST = request.POST.copy()
            request.POST["status"] = Article.Status.PUBLISHED
        live_fields = getattr(request, "article_live_fields", None)
        if object_id and live_fields is not None:
            Article.objects.filter(pk=unquote(object_id)).update(**live_fields)
        if old_body_version := getattr(request, "article_old_body_version", None):
            legacy_body.restore_blocks(old_body_version)
            if request.method == "POST":
                request.POST = self._posted_ids_of_made_blocks(request.POST, unquote(object_id))
        return super().changeform_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _posted_ids_of_made_blocks(data, article_pk):
        """Blocks made from an old body are made again for every request, in the same
        order but not always with the same ids (PostgreSQL does not give back ids taken in
        the rolled-back showing of the form): the posted forms get the ids of now."""
        data = data.copy()
        for relation in BLOCK_RELATIONS:
            blocks = Article._meta.get_field(relation).related_model.objects
            ids = list(blocks.filter(article_id=article_pk).values_list("pk", flat=True))
            if data.get(f"{relation}-INITIAL_FORMS") == str(len(ids)):
                data.update({f"{relation}-{index}-id": str(pk) for index, pk in enumerate(ids)})
        return data

    def changelist_view(self, request, extra_context=None):
        context = {"can_recover": can_publish(request.user), **(extra_context or {})}
        if request.method == "POST":  # an action: what it changes is kept as a revision
            return super().changelist_view(request, context)
        # Reading the list changes nothing, so it opens no revision (and no transaction).
        return admin.ModelAdmin.changelist_view(self, request, context)

    def recoverlist_view(self, request, extra_context=None):
        # A deleted article may have been anyone's and published: editors only.
        if not can_publish(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not can_publish(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def get_inlines(self, request, obj):
        if can_publish(request.user):
            return self.inlines
        return [inline for inline in self.inlines if inline is not CorrectionInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields += ["publish_at", "updated_at", "is_lead", "lead_until"]
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
        form.add_lead_photo()
        if not change:
            obj.created_by = request.user
        else:
            publishing.claim_version(obj, form.cleaned_data.get("version"))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        profile = getattr(request.user, "author_profile", None)
        if not change and profile and not article.bylines.exists():
            # An author's own new article carries their byline unless they chose others.
            Byline.objects.create(article=article, author=profile)
        # Photos imported or added without renditions get them before readers see them.
        tasks.queue_article_renditions(article)
        # The words search reads, from the blocks just saved.
        article.refresh_body_text()
        if article.is_published:
            for option in self.publish_options:
                if form.cleaned_data.get(option.name):
                    option.after_publish(request, article)

    @admin.display(description="headline", ordering="headline")
    def display_headline(self, article):
        return article.display_headline

    @admin.display(description="status", ordering="status")
    def publication(self, article):
        """The status, and for the lead story its place on the home page."""
        if not article.is_lead:
            return article.display_status
        if article.lead_until and article.lead_until <= timezone.now():
            lead = "lead ended"
        else:
            lead = "leads" if article.leads_home_page else "will lead"  # scheduled: not yet
            if article.lead_until:
                lead += f" until {date_format(timezone.localtime(article.lead_until), 'j M H:i')}"
        return f"{article.display_status} · {lead}"

    @admin.display(description="publish time", ordering="publish_at", empty_value="—")
    def published(self, article):
        """Date and time, each kept on one line: "7 Dec 2026 10:02"."""
        if not article.publish_at:
            return None
        when = timezone.localtime(article.publish_at)
        return f"{date_format(when, 'j M Y')} {date_format(when, 'H:i')}".replace(" ", "\xa0", 2)

    @admin.display(description="section", ordering="section__name")
    def section_and_kind(self, article):
        if article.kind == Article.Kind.NEWS:
            return str(article.section)
        return f"{article.section} · {article.get_kind_display()}"

    @admin.display(description="authors")
    def byline(self, article):
        return ", ".join(author.name for author in article.author_list)

    @admin.display(description="preview link")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to get a preview link."
        url = preview_url(article)
        hours = settings.PREVIEW_MAX_AGE // 3600
        lifetime = f"{hours // 24} days" if hours >= 48 else f"{max(hours, 1)} hours"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a><br>'
            "<small>Anyone with this link can read the article for {} from when this "
            "page was opened.</small>",
            url,
            "Open preview",
            lifetime,
        )

    def _apply(self, request, queryset, operation, message) -> int:
        """Run a publishing operation on each article; report refusals and the count."""
        done = 0
        for article in queryset:
            try:
                operation(article)
            except PublishingError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                continue
            self.log_change(request, article, message)
            done += 1
        return done

    def _report(self, request, message, done):
        self.message_user(request, f"{message}: {done} article(s).", messages.SUCCESS)

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        drafts = queryset.filter(status=Article.Status.DRAFT)
        done = self._apply(request, drafts, publishing.submit_for_review, "Submitted for review")
        self._report(request, "Submitted for review", done)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        done = self._apply(request, queryset, publishing.publish_now, "Published")
        self._report(request, "Published", done)

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        done = self._apply(request, queryset, publishing.unpublish, "Unpublished")
        self._report(request, "Unpublished", done)

    @admin.action(description="Make the lead story", permissions=["publish"])
    def make_lead(self, request, queryset):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(
                request, "Choose exactly one article to lead the home page.", messages.ERROR
            )
            return
        article = chosen[0]
        if self._apply(request, chosen, publishing.make_lead, "Made the lead story"):
            when = " from its publish time." if article.is_scheduled else "."
            self.message_user(request, f"“{article}” leads the home page{when}", messages.SUCCESS)

    @admin.action(description="Stop leading", permissions=["publish"])
    def stop_leading(self, request, queryset):
        leads = queryset.filter(is_lead=True)
        if self._apply(request, leads, publishing.stop_leading, "Stopped leading"):
            self.message_user(
                request, "The newest article leads the home page again.", messages.SUCCESS
            )
        else:
            self.message_user(request, "None of these articles was the lead.", messages.WARNING)
