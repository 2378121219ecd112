from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
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


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: what needs a decision first, one click per decision."""

    # The decision buttons come early so they are on screen without scrolling sideways.
    list_display = [
        "status_label",
        "moderate",
        "comment",
        "on_article",
        "why",
        "report_count",
        "history",
    ]
    list_display_links = ["comment"]
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
            .select_related("article__primary_region", "article__section")
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

    # --- Columns ---------------------------------------------------------------------------

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
        return format_html_join(LINE_BREAK, "{}", ((str(r),) for r in comment.reasons.all()))

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
            (reverse("admin:comments_comment_moderate", args=[comment.pk, key]), label)
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
            '<button type="submit" class="button" formmethod="post" formaction="{}">{}</button>',
            buttons,
        )
        ban = reverse("admin:comments_comment_ban", args=[comment.pk])
        return format_html('{} <a class="button" href="{}">Ban…</a>', html, ban)

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
        if request.method == "POST":
            return self.ban(
                request,
                [comment],
                email="email" in request.POST,
                ip="ip" in request.POST,
                reject_pending="reject_pending" in request.POST,
            )
        context = {
            **self.admin_site.each_context(request),
            "comment": comment,
            "opts": self.opts,
            "title": f"Ban {comment.name}",
        }
        return TemplateResponse(request, "admin/comments/ban.html", context)

    def ban(self, request, comments, *, email=True, ip=True, reject_pending=True):
        if not (email or ip):
            self.message_user(
                request, "Choose the e-mail address, the IP address or both.", messages.ERROR
            )
            return redirect(request.path)
        result = moderation.ban(
            comments, by=request.user, email=email, ip=ip, reject_pending=reject_pending
        )
        self.message_user(request, f"Banned {result.banned} commenter(s).")
        return redirect(reverse("admin:comments_comment_changelist"))

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

    @admin.action(
        description="Ban commenters (e-mail and IP) and reject their pending comments",
        permissions=["ban"],
    )
    def ban_commenters(self, request, queryset):
        return self.ban(request, queryset)

    def has_ban_permission(self, request):
        return request.user.has_perm("comments.add_ban")


@admin.register(ModeratedWord)
class ModeratedWordAdmin(admin.ModelAdmin):
    list_display = ["word", "action", "created_at"]
    list_editable = ["action"]
    list_filter = ["action"]
    search_fields = ["word"]
    list_per_page = 200


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["email", "ip", "note", "created_at", "created_by"]
    list_select_related = ["created_by"]
    search_fields = ["email", "ip", "note"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
