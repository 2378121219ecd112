from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from articles.models import Article

from . import moderation
from .models import Ban, Comment, ModeratedWord, Reason

LINE_BREAK = mark_safe("<br>")

# What one click on a row does: (label, new status or None, featured flag or None).
ROW_ACTIONS = {
    "approve": ("Approve", Comment.Status.APPROVED, None),
    "reject": ("Reject", Comment.Status.REJECTED, None),
    "spam": ("Spam", Comment.Status.SPAM, None),
    "feature": ("Pick", None, True),
    "unfeature": ("Unpick", None, False),
}
# The queue's keyboard shortcuts (static/js/moderation.js presses the button).
ROW_KEYS = {"approve": "A", "reject": "R", "spam": "S", "feature": "F", "unfeature": "F"}


class ReportedFilter(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", "Reported by readers"), ("no", "Not reported")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(report_count__gt=0)
        if self.value() == "no":
            return queryset.filter(report_count=0)
        return queryset


class ArticleFilter(admin.RelatedOnlyFieldListFilter):
    """The articles that have comments, labelled with their kicker, in one query."""

    def field_choices(self, field, request, model_admin):
        commented = Comment.objects.values("article")
        articles = Article.objects.filter(pk__in=commented).select_related("primary_region")
        return [(article.pk, article.display_headline) for article in articles]


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return Reason.Code.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(reasons__code=self.value()).distinct()
        return queryset


def unique_commenters(comments):
    """One comment per commenter (e-mail address and IP), as ``moderation.ban_commenters``."""
    seen = set()
    for comment in comments:
        if (key := (comment.email.lower(), comment.ip)) not in seen:
            seen.add(key)
            yield comment


class BanForm(forms.Form):
    """What to ban: the e-mail address by default; the IP address only when asked."""

    email = forms.BooleanField(required=False, initial=True, label="Ban the e-mail address")
    email_days = forms.TypedChoiceField(
        label="for",
        choices=[("", "ever (until lifted)"), ("1", "1 day"), ("7", "7 days"), ("30", "30 days")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    ip = forms.BooleanField(required=False, initial=False, label="Ban the IP address")
    reject_pending = forms.BooleanField(
        required=False, initial=True, label="Reject the pending comments from this e-mail address"
    )
    reject_ip_pending = forms.BooleanField(
        required=False,
        initial=False,
        label="Also reject the pending comments of other people from this IP address",
    )

    def __init__(self, *args, previews, strict=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.previews, self.strict = previews, strict
        days = settings.COMMENTS_IP_BAN_DAYS
        for_days = f"for {days} day{pluralize(days)}"
        if len(previews) == 1:
            comment = previews[0].comment
            self.fields["email"].label = f"Ban the e-mail address {comment.email}"
            self.fields["ip"].label = f"Ban the IP address {comment.ip or ''} {for_days}"
        else:
            self.fields["email"].label = "Ban their e-mail addresses"
            self.fields["ip"].label = f"Ban their IP addresses {for_days}"
            self.fields[
                "reject_pending"
            ].label = "Reject the pending comments from their e-mail addresses"
            self.fields[
                "reject_ip_pending"
            ].label = "Also reject the pending comments of other people from their IP addresses"
        # One commenter whose address cannot be banned: say why, and offer nothing.
        self.ip_refusal = previews[0].ip_refusal if len(previews) == 1 else ""
        if self.ip_refusal or all(not p.comment.ip for p in previews):
            for name in ("ip", "reject_ip_pending"):
                self.fields[name].widget.attrs["disabled"] = True

    def clean(self):
        data = super().clean()
        if not (data.get("email") or data.get("ip")):
            raise forms.ValidationError("Choose the e-mail address, the IP address or both.")
        # From the ban page this is an error; in bulk an address that cannot be banned is
        # skipped and the result message says so.
        if self.strict and self.ip_refusal and (data.get("ip") or data.get("reject_ip_pending")):
            raise forms.ValidationError(f"The IP address cannot be banned: {self.ip_refusal}.")
        return data


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: what needs a decision first, one click per decision."""

    # One card per comment: everything a decision needs, and its buttons, in one cell, so
    # nothing is cut off on a wide screen and nothing scrolls sideways on a phone.
    list_display = ["card"]
    list_display_links = None
    list_filter = [
        "status",
        ReasonFilter,
        ReportedFilter,
        "is_featured",
        "article__section",
        ("article", ArticleFilter),
    ]
    search_fields = ["body", "name", "email", "article__headline"]
    list_per_page = 100
    show_full_result_count = False
    actions = ["approve", "reject", "mark_spam", "feature", "unfeature", "ban_commenters"]
    fields = [
        "moderate",
        "status",
        "is_featured",
        "on_article",
        "in_reply_to",
        "name",
        "email",
        "author_url",
        "ip",
        "anchor_excerpt",
        "body",
        "reasons_list",
        "reports_list",
        "history",
        "created_at",
        "moderated_at",
        "moderator",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("article__primary_region", "article__section", "parent")
            .prefetch_related("reasons")
            .with_attention()
            .with_commenter_history()
        )

    def get_ordering(self, request):
        # Not ``ordering``: the changelist would sort by Meta.ordering instead of the
        # queue's order, and ``attention`` is an annotation of get_queryset().
        return [F("attention").asc(), "-created_at", "-pk"]

    def has_add_permission(self, request):
        return False  # comments come from readers

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Comment queue", **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: decisions are the buttons, which record why.
        hidden = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(
            request, object_id, form_url, {**hidden, **(extra_context or {})}
        )

    class Media:
        css = {"all": ["css/moderation.css"]}
        js = ["js/moderation.js"]

    # --- Columns ---------------------------------------------------------------------------

    @admin.display(description="comment")
    def card(self, comment):
        return format_html(
            '<div class="qc" data-comment="{}"><div class="qc-main">{}{}{}{}'
            '<p class="qc-body">{}</p><p class="qc-reasons">{}</p></div>'
            '<div class="qc-decide">{}</div></div>',
            comment.pk,
            self._card_head(comment),
            self._card_article(comment),
            self._card_reply(comment),
            self._card_passage(comment),
            Truncator(comment.body).chars(300),
            self.why(comment),
            self.moderate(comment),
        )

    def _card_head(self, comment):
        reports = ""
        if comment.report_count:
            reports = format_html(
                '<span class="qc-reports">{} report{}</span>',
                comment.report_count,
                pluralize(comment.report_count),
            )
        return format_html(
            '<p class="qc-head">{} <a class="qc-name" href="{}">{}</a>'
            ' <span class="qc-when">{}</span>'
            ' <span class="qc-record">record: <span class="qc-history">{}</span></span>'
            "{}</p>",
            self.status_label(comment),
            reverse("admin:comments_comment_change", args=[comment.pk]),
            comment.name,
            date_format(timezone.localtime(comment.created_at), "j M Y, H:i"),
            self.history(comment),
            reports,
        )

    def _card_article(self, comment):
        headline = comment.article.display_headline
        return format_html(
            '<p class="qc-article">on <a href="{}#c{}" title="{}">{}</a></p>',
            comment.article.get_absolute_url(),
            comment.pk,
            headline,
            headline,
        )

    def _card_reply(self, comment):
        if not comment.parent_id:
            return ""
        return format_html(
            '<p class="qc-reply">↳ reply to <strong>{}</strong>: “{}”</p>',
            comment.parent.name,
            Truncator(comment.parent.body).chars(90),
        )

    def _card_passage(self, comment):
        if not comment.anchor_excerpt:
            return ""
        return format_html(
            '<p class="qc-passage">about “{}”</p>', Truncator(comment.anchor_excerpt).chars(80)
        )

    @admin.display(description="status", ordering="status")
    def status_label(self, comment):
        pick = " ★" if comment.is_featured else ""
        return format_html(
            '<span class="status status-{}">{}{}</span>',
            comment.status,
            comment.get_status_display(),
            pick,
        )

    @admin.display(description="comment", ordering="created_at")
    def comment(self, comment):
        return format_html(
            "<strong>{}</strong> <small>{}</small><br>{}",
            comment.name,
            date_format(timezone.localtime(comment.created_at), "j M Y, H:i"),
            Truncator(comment.body).chars(160),
        )

    @admin.display(description="in reply to")
    def in_reply_to(self, comment):
        return str(comment.parent) if comment.parent_id else "—"

    @admin.display(description="moderated by")
    def moderator(self, comment):
        return comment.moderated_by.get_username() if comment.moderated_by_id else "—"

    @admin.display(description="article", ordering="article__publish_at")
    def on_article(self, comment):
        excerpt = ""
        if comment.anchor_excerpt:
            excerpt = format_html(
                "<br><small>on “{}”</small>", Truncator(comment.anchor_excerpt).chars(80)
            )
        return format_html(
            '<a href="{}#c{}">{}</a>{}',
            comment.article.get_absolute_url(),
            comment.pk,
            comment.article.display_headline,
            excerpt,
        )

    @admin.display(description="why")
    def why(self, comment):
        return format_html_join(
            " ",
            '<span class="badge badge-{}">{}</span>',
            ((r.code, str(r)) for r in comment.reasons.all()),
        )

    @admin.display(description="reports", ordering="report_count")
    def report_count(self, comment):
        return comment.report_count

    @admin.display(description="commenter's history")
    def history(self, comment):
        return f"{comment.approved_count} approved, {comment.rejected_count} rejected"

    @admin.display(description="decide")
    def moderate(self, comment):
        """One-click buttons; they post the surrounding admin form, CSRF token included."""
        buttons = [
            (
                reverse("admin:comments_comment_moderate", args=[comment.pk, key]),
                ROW_KEYS[key],
                key,
                label,
            )
            for key, (label, status, featured) in ROW_ACTIONS.items()
            if (status and status != comment.status)
            or (
                featured is not None
                and featured != comment.is_featured
                and comment.status == Comment.Status.APPROVED  # picks are shown comments
            )
        ]
        html = format_html_join(
            " ",
            '<button type="submit" class="button" formmethod="post" formaction="{}"'
            ' aria-keyshortcuts="{}" data-action="{}">{}</button>',
            buttons,
        )
        ban = reverse("admin:comments_comment_ban", args=[comment.pk])
        return format_html('{} <a class="button qc-ban" href="{}">Ban…</a>', html, ban)

    @admin.display(description="reasons")
    def reasons_list(self, comment):
        return self.why(comment)

    @admin.display(description="reports")
    def reports_list(self, comment):
        return (
            format_html_join(
                LINE_BREAK,
                "{}: {}",
                ((r.get_kind_display(), r.note) for r in comment.reports.all()),
            )
            or "—"
        )

    # --- One click per row ---------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<id:pk>/moderate/<str:action>/",
                self.admin_site.admin_view(self.moderate_view),
                name="comments_comment_moderate",
            ),
            path(
                "<id:pk>/ban/",
                self.admin_site.admin_view(self.ban_view),
                name="comments_comment_ban",
            ),
            *super().get_urls(),
        ]

    def apply(self, request, comments, action) -> int:
        _label, status, featured = ROW_ACTIONS[action]
        changed = 0
        for comment in comments:
            if status is not None:
                changed += moderation.set_status(comment, status, by=request.user)
            else:
                changed += moderation.set_pick(comment, featured, by=request.user)
        return changed

    def moderate_view(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in ROW_ACTIONS:
            raise PermissionDenied
        comment = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, comment):
            raise PermissionDenied
        self.apply(request, [comment], action)
        self.message_user(request, f"{ROW_ACTIONS[action][0]}: comment by {comment.name}.")
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("admin:comments_comment_changelist")
        return redirect(back)

    def ban_view(self, request, pk):
        comment = get_object_or_404(self.get_queryset(request), pk=pk)
        if not (
            self.has_change_permission(request, comment)
            and request.user.has_perm("comments.add_ban")
        ):
            raise PermissionDenied
        return self.ban(request, [comment], bound=request.method == "POST")

    def ban(self, request, comments, *, bound: bool, bulk: bool = False):
        """The ban form: what a ban would affect, then the ban itself once confirmed."""
        previews = [moderation.ban_preview(c) for c in unique_commenters(comments)]
        form = BanForm(request.POST if bound else None, previews=previews, strict=not bulk)
        if form.is_valid():
            results = moderation.ban_commenters(comments, by=request.user, **form.cleaned_data)
            for result in results:
                level = messages.SUCCESS if result.ban else messages.WARNING
                self.message_user(request, result.message, level)
            return redirect(reverse("admin:comments_comment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "previews": previews,
            "bulk": bulk,
            "selected": [c.pk for c in comments],
            "opts": self.opts,
            "title": f"Ban {previews[0].comment.name}" if len(previews) == 1 else "Ban commenters",
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, "admin/comments/ban.html", context, status=status)

    # --- Bulk actions -----------------------------------------------------------------------

    def _bulk(self, request, queryset, action):
        changed = self.apply(request, queryset, action)
        self.message_user(request, f"{ROW_ACTIONS[action][0]}: {changed} comment(s).")

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        self._bulk(request, queryset, "approve")

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        self._bulk(request, queryset, "reject")

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._bulk(request, queryset, "spam")

    @admin.action(description="Make editor's pick", permissions=["change"])
    def feature(self, request, queryset):
        self._bulk(request, queryset, "feature")

    @admin.action(description="Remove editor's pick", permissions=["change"])
    def unfeature(self, request, queryset):
        self._bulk(request, queryset, "unfeature")

    @admin.action(description="Ban commenters…", permissions=["ban"])
    def ban_commenters(self, request, queryset):
        # First an intermediate page with what the ban would affect; its form posts back
        # here with "confirm", like Django's own delete confirmation.
        comments = list(queryset.order_by("-created_at"))
        return self.ban(request, comments, bound="confirm" in request.POST, bulk=True)

    def has_ban_permission(self, request):
        return request.user.has_perm("comments.add_ban")


@admin.register(ModeratedWord)
class ModeratedWordAdmin(admin.ModelAdmin):
    list_display = ["word", "action", "created_at"]
    list_editable = ["action"]
    list_filter = ["action"]
    search_fields = ["word"]
    list_per_page = 200


class BanAdminForm(forms.ModelForm):
    class Meta:
        model = Ban
        fields = ["email", "expires_at", "ip", "ip_expires_at", "note"]

    def clean_ip(self):
        ip = self.cleaned_data.get("ip")
        if ip and (refusal := moderation.ip_ban_refusal(ip)):
            raise forms.ValidationError(f"This address cannot be banned: {refusal}.")
        return ip or None  # "" is no address: the model's checks must see None

    def clean(self):
        # An IP ban always ends: the default length unless the moderator chose one, set
        # here because the model's own checks run after this.
        data = super().clean()
        if data.get("ip") and not data.get("ip_expires_at"):
            days = settings.COMMENTS_IP_BAN_DAYS
            data["ip_expires_at"] = timezone.now() + timedelta(days=days)
        return data


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    """Bans are lifted, not deleted: lifting sends what the ban rejected back to the queue."""

    form = BanAdminForm
    list_display = ["__str__", "state", "expires_at", "ip_expires_at", "rejected_count",
                    "note", "created_at", "created_by"]  # fmt: skip
    list_select_related = ["created_by"]
    search_fields = ["email", "ip", "note"]
    readonly_fields = ["created_by", "lifted_at", "lifted_by"]
    actions = ["lift_bans"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rejected_total=Count("rejected"))

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="state")
    def state(self, ban):
        if ban.lifted_at:
            return "lifted"
        return "in force" if ban.is_active else "ended"

    @admin.display(description="comments rejected", ordering="rejected_total")
    def rejected_count(self, ban):
        return ban.rejected_total

    @admin.action(
        description="Lift the selected bans (what they rejected goes back to the queue)",
        permissions=["change"],
    )
    def lift_bans(self, request, queryset):
        for ban in queryset:
            self.report_lift(request, ban, moderation.lift(ban, by=request.user))

    def report_lift(self, request, ban, requeued):
        if requeued is None:
            self.message_user(request, f"The ban on {ban} was already lifted.", messages.WARNING)
        else:
            self.message_user(
                request,
                f"Lifted the ban on {ban}; {requeued} comment{pluralize(requeued)}"
                " it rejected went back to the queue.",
            )

    def get_urls(self):
        return [
            path(
                "<id:pk>/lift/",
                self.admin_site.admin_view(self.lift_view),
                name="comments_ban_lift",
            ),
            *super().get_urls(),
        ]

    def lift_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ban = get_object_or_404(Ban, pk=pk)
        if not self.has_change_permission(request, ban):
            raise PermissionDenied
        self.report_lift(request, ban, moderation.lift(ban, by=request.user))
        return redirect(reverse("admin:comments_ban_change", args=[ban.pk]))
