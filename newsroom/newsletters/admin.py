"""Editors' newsletter screens: newsletters, their editions (items, test, send), suppressions,
and "Send as breaking alert" offered as an article is published (ArticleAdmin.publish_options).

Staff need the newsletters permissions (the Editor group has them, see the migration);
sending an edition, a test or an alert needs "change edition".
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from articles.admin import ArticleAdmin
from articles.models import Article
from comments.notifications import site_root

from . import editions, sending, tasks
from .models import Edition, EditionItem, Newsletter, Suppression

SEND_PERMISSION = "newsletters.change_edition"


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "cadence", "schedule", "sends_itself", "listed", "subscribers"]
    list_filter = ["cadence", "sends_itself", "listed"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["sections", "regions"]
    actions = ["draft_now"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "intro", "listed", "order"]}),
        (
            "When it goes out",
            {"fields": ["cadence", "send_time", "weekday", "time_zone", "sends_itself"]},
        ),
        ("What feeds it (none chosen: every article)", {"fields": ["sections", "regions"]}),
    ]

    @admin.display(description="send time")
    def schedule(self, newsletter):
        if newsletter.cadence == Newsletter.Cadence.ON_PUBLISH:
            return "on publish"
        day = f"{newsletter.get_weekday_display()}s " if newsletter.cadence == "weekly" else ""
        return f"{day}{newsletter.send_time:%H:%M} {newsletter.time_zone}"

    @admin.display(description="confirmed subscribers")
    def subscribers(self, newsletter):
        return newsletter.subscriptions.filter(confirmed_at__isnull=False).count()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The clock wakes at the next send time; a new or moved time is known from now.
        transaction.on_commit(tasks.schedule)

    @admin.action(description="Draft an edition now", permissions=["add"])
    def draft_now(self, request, queryset):
        for newsletter in queryset:
            waiting = newsletter.editions.filter(
                status=Edition.Status.DRAFT, breaking_article__isnull=True
            ).first()
            # A second draft beside a waiting one would hold only what came after it.
            edition = waiting or editions.draft(newsletter, until=timezone.now())
            link = reverse("admin:newsletters_edition_change", args=[edition.pk])
            count = edition.items.count()
            stories = f"{count} article{pluralize(count)}"
            if waiting:
                text = (
                    'A draft is already waiting: <a href="{}">{}</a> ({}). '
                    "Open it, or delete it to draft afresh."
                )
                level = messages.WARNING
            else:
                text, level = 'Drafted <a href="{}">{}</a> ({}).', messages.SUCCESS
            self.message_user(request, format_html(text, link, edition.subject, stories), level)


class EditionItemForm(forms.ModelForm):
    class Meta:
        model = EditionItem
        fields = ["article", "order"]

    def clean_article(self):
        article = self.cleaned_data["article"]
        if article and not Article.objects.published().filter(pk=article.pk).exists():
            raise forms.ValidationError("Only published articles can go in an edition.")
        return article


class EditionItemFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:  # the column says "Delete?"; the box says which row
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Remove row {(index or 0) + 1}"


class EditionItemInline(admin.TabularInline):
    model = EditionItem
    form = EditionItemForm
    formset = EditionItemFormSet
    autocomplete_fields = ["article"]
    extra = 1
    verbose_name = "article"
    verbose_name_plural = "Articles, in order (change the numbers to reorder; tick to remove)"

    def has_change_permission(self, request, obj=None):
        return (
            obj is None or obj.status == Edition.Status.DRAFT
        ) and super().has_change_permission(request, obj)

    has_add_permission = has_delete_permission = has_change_permission

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield:  # a table's boxes have their column heading, not a label: name each
            formfield.widget.attrs.setdefault("aria-label", str(formfield.label))
        return formfield


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    inlines = [EditionItemInline]
    list_display = ["subject", "newsletter", "status", "send_at", "sent_at", "progress"]
    list_filter = ["status", "newsletter"]
    search_fields = ["subject"]
    list_select_related = ["newsletter"]
    fields = ["newsletter", "subject", "note", "send_at", "status", "progress",
              "articles_since", "breaking_article", "started_at", "sent_at"]  # fmt: skip
    readonly_fields = ["status", "progress", "articles_since", "breaking_article",
                       "started_at", "sent_at"]  # fmt: skip
    change_form_template = "admin/newsletters/edition/change_form.html"

    class Media:
        css = {"all": ["css/admin-editions.css"]}
        js = ["js/admin-comboboxes.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield and isinstance(formfield.widget, forms.SplitDateTimeWidget):
            # "Date:" and "Time:" are printed without label elements: each box says it.
            for part, widget in zip(("date", "time"), formfield.widget.widgets, strict=True):
                widget.attrs.setdefault("aria-label", f"{formfield.label}: {part}")
        return formfield

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Edition.Status.DRAFT:
            return self.fields  # sending or sent: the record of what went out
        return self.readonly_fields

    @admin.display(description="delivery")
    def progress(self, edition):
        if edition.status == Edition.Status.DRAFT:
            return "not sent"
        found = sending.counts(edition.pk)
        return (f"{found['sent']} sent, {found['pending']} pending, {found['failed']} failed, "
                f"{found['suppressed']} suppressed")  # fmt: skip

    def get_urls(self):
        own = [
            path("<int:pk>/send-test/", self.admin_site.admin_view(self.send_test_view),
                 name="newsletters_edition_send_test"),
            path("<int:pk>/send/", self.admin_site.admin_view(self.send_view),
                 name="newsletters_edition_send"),
        ]  # fmt: skip
        return own + super().get_urls()

    def _edition_for_sending(self, request, pk):
        if not request.user.has_perm(SEND_PERMISSION):
            raise PermissionDenied
        return get_object_or_404(Edition.objects.select_related("newsletter"), pk=pk)

    def _back(self, edition):
        return HttpResponseRedirect(reverse("admin:newsletters_edition_change", args=[edition.pk]))

    def send_test_view(self, request, pk):
        edition = self._edition_for_sending(request, pk)
        if request.method != "POST":
            return self._back(edition)
        if not request.user.email:
            self.message_user(request, "Your account has no e-mail address to send a test to: "
                              "add one under Users.", messages.ERROR)  # fmt: skip
            return self._back(edition)
        sending.send_test(edition, request.user.email, site_root(request))
        self.message_user(request, f"A test was sent to {request.user.email}.", messages.SUCCESS)
        return self._back(edition)

    def send_view(self, request, pk):
        edition = self._edition_for_sending(request, pk)
        if edition.status != Edition.Status.DRAFT:
            self.message_user(request, "This edition has been sent already.", messages.WARNING)
            return self._back(edition)
        if request.method == "POST":
            if tasks.send_edition(edition, site_root(request)):
                self.message_user(request, f"Sending “{edition}”.", messages.SUCCESS)
            else:
                self.message_user(request, "An edition needs at least one article.", messages.ERROR)
            return self._back(edition)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "edition": edition,
            "recipients": sending.recipients(edition).count(),
            "title": "Send this edition?",
        }
        return TemplateResponse(request, "admin/newsletters/edition/send_confirm.html", context)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["address", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["address"]


ALREADY_SENT = "An alert for this article went out already."
ALERT_HELP = (
    "Sent as the article is published now, to the first of these newsletters that takes "
    "its section or regions; never twice for one article."
)


class BreakingAlertOption:
    """*Send as breaking alert* beside an article's Publishing controls: one short edition,
    sent once the publish has committed, to the on-publish newsletter the article matches.
    Offered to those who may send editions, when some newsletter is sent on publish."""

    name = "send_breaking_alert"

    def field(self, request, article):
        if not request.user.has_perm(SEND_PERMISSION):
            return None
        lists = Newsletter.objects.filter(cadence=Newsletter.Cadence.ON_PUBLISH)
        names = list(lists.values_list("name", flat=True))
        if not names:
            return None
        saved = article is not None and article.pk is not None
        chosen = saved and editions.breaking_newsletter(article)
        sent = saved and Edition.objects.filter(breaking_article=article).exists()
        return forms.BooleanField(
            required=False,
            disabled=sent,
            label=f"Send as breaking alert to {chosen.name if chosen else ' or '.join(names)}",
            help_text=ALREADY_SENT if sent else ALERT_HELP,
        )

    def after_publish(self, request, article):
        edition = editions.breaking_alert(article)
        if edition is None:
            if Edition.objects.filter(breaking_article=article).exists():
                messages.warning(request, ALREADY_SENT)
            else:
                messages.warning(request, "No alert was sent: no newsletter sent on publish "
                                 "takes this article's section or regions.")  # fmt: skip
            return
        tasks.send_edition(edition, site_root(request))
        messages.success(request, f"Sending the breaking alert “{edition}”.")


ArticleAdmin.publish_options = [*ArticleAdmin.publish_options, BreakingAlertOption()]
