"""Autosave and "who else is editing", for the article change form.

While an editor types, a small script (``static/js/admin-autosave.js``) posts the whole
change form every few seconds to ``keep_draft``: a copy per editor and article
(``ArticleDraft``), never the article's own fields, so nothing readers see changes
before the form is saved. Opening the form again with a draft newer than the article
offers to put it back into the form; saving the form removes the draft.

The same script says every ~20 s that the form is still open (``heard_from``); the form
names the other editors who have the article open. The edit-conflict check on save
stays the last line of defence. Without JavaScript nothing here is needed.
"""

import json
import secrets
from datetime import timedelta

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.timesince import timesince

from .models import Article, ArticleDraft, EditorPresence

# Someone whose form has not been heard from for this long has closed it.
PRESENCE_TIMEOUT = timedelta(seconds=60)
# What the browser sends that is not the article: the token, and which button.
NOT_KEPT = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_saveasnew"}
MAX_LABELS = 500


def _pairs(post) -> list[list[str]]:
    return [
        [name, value]
        for name, values in post.lists()
        if name not in NOT_KEPT and not name.startswith("_autosave")
        for value in values
    ]


def _labels(raw: str) -> dict[str, str]:
    """Shown text of the options chosen in the form's selects, keyed "name=value"."""
    try:
        labels = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(labels, dict):
        return {}
    return {str(key)[:200]: str(text)[:300] for key, text in list(labels.items())[:MAX_LABELS]}


def keep_draft(article: Article | None, user, post) -> ArticleDraft:
    """Keep the posted form as ``user``'s draft of ``article`` (None: a new article)."""
    fields = {
        "form_data": _pairs(post),
        "labels": _labels(post.get("_autosave_labels")),
        "saved_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            draft, _ = ArticleDraft.objects.update_or_create(
                article=article, user=user, defaults=fields
            )
    except IntegrityError:  # two saves of the same draft at once: the other one won
        draft = ArticleDraft.objects.get(article=article, user=user)
    return draft


def draft_to_offer(article: Article | None, user) -> ArticleDraft | None:
    """``user``'s draft, if it is newer than the article as saved."""
    draft = ArticleDraft.objects.filter(article=article, user=user).first()
    if draft and article is not None and draft.saved_at <= article.modified_at:
        return None
    return draft


def discard(article: Article | None, user) -> None:
    ArticleDraft.objects.filter(article=article, user=user).delete()


def heard_from(article: Article, user, page: str) -> None:
    """``user`` has the article's form open (on ``page``, one opening of the form); a
    new opening after a silence starts anew."""
    now = timezone.now()
    updated = EditorPresence.objects.filter(
        article=article, user=user, seen_at__gte=now - PRESENCE_TIMEOUT
    ).update(seen_at=now, page=page)
    if not updated:
        EditorPresence.objects.update_or_create(
            article=article, user=user, defaults={"opened_at": now, "seen_at": now, "page": page}
        )
        # Forms closed without a goodbye (a crash, no script) are forgotten here, so the
        # table holds about as many rows as there are forms open.
        EditorPresence.objects.filter(article=article, seen_at__lt=now - PRESENCE_TIMEOUT).delete()


def left(article: Article, user, page: str) -> None:
    EditorPresence.objects.filter(article=article, user=user, page=page).delete()


def _ago(moment, now) -> str:
    if now - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, now, depth=1)} ago"


def other_editors(article: Article, user) -> list[dict[str, str]]:
    """Everyone else with the article's form open, as the warning names them."""
    now = timezone.now()
    present = (
        EditorPresence.objects.filter(article=article, seen_at__gte=now - PRESENCE_TIMEOUT)
        .exclude(user=user)
        .select_related("user")
        .order_by("opened_at")
    )
    return [
        {
            "name": presence.user.get_full_name() or presence.user.get_username(),
            "opened": _ago(presence.opened_at, now),
        }
        for presence in present
    ]


def _when(moment) -> str:
    """ "14:02" today, "3 Dec 14:02" on another day, in the site's time zone."""
    moment = timezone.localtime(moment)
    same_day = moment.date() == timezone.localdate()
    return formats.date_format(moment, "H:i" if same_day else "j M H:i")


class AutosaveAdmin:
    """The article admin's autosave and presence endpoints, and what the form shows."""

    autosave_media = forms.Media(
        css={"all": ["css/admin-autosave.css"]}, js=["js/admin-autosave.js"]
    )

    @property
    def media(self):
        return super().media + self.autosave_media

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("add/autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path("<path:object_id>/autosave/", view(self.autosave_view),
                 name="articles_article_autosave"),
            path("<path:object_id>/presence/", view(self.presence_view),
                 name="articles_article_presence"),
            *super().get_urls(),
        ]  # fmt: skip

    def _editable(self, request, object_id) -> Article | None:
        """The article the form edits (None: a new one), if this user may change it."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            return None
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    def autosave_view(self, request, object_id=None):
        """POST: keep the form as a draft; POST with ``_autosave_discard``: drop it."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the change form here."}, status=405)
        article = self._editable(request, object_id)
        if request.POST.get("_autosave_discard"):
            discard(article, request.user)
            return JsonResponse({"discarded": True})
        draft = keep_draft(article, request.user, request.POST)
        return JsonResponse({"saved_at": draft.saved_at.isoformat()})

    def presence_view(self, request, object_id):
        """POST every ~20 s while the form is open; ``leave`` when it closes."""
        if request.method != "POST":
            return JsonResponse({"error": "POST here while the form is open."}, status=405)
        article = self._editable(request, object_id)
        page = request.POST.get("page", "")[:32]
        if request.POST.get("leave"):
            left(article, request.user, page)
            return JsonResponse({"others": []})
        heard_from(article, request.user, page)
        return JsonResponse({"others": other_editors(article, request.user)})

    def _autosave_context(self, request, article: Article | None) -> dict:
        """What the form needs for autosave and presence; a draft is offered on opening.

        A form shown again after a refused save (an error, an edit conflict) keeps
        autosaving, so the editor's unsaved work is kept while they sort it out.
        """
        if article is not None and not self.has_change_permission(request, article):
            return {}
        page = secrets.token_urlsafe(12)
        if article is None:
            urls = {"autosave_url": reverse("admin:articles_article_autosave_new")}
        else:
            heard_from(article, request.user, page)
            urls = {
                "autosave_url": reverse("admin:articles_article_autosave", args=[article.pk]),
                "presence_url": reverse("admin:articles_article_presence", args=[article.pk]),
            }
        draft = draft_to_offer(article, request.user) if request.method == "GET" else None
        return {
            **urls,
            "presence_page": page,
            "autosave_draft": draft,
            "autosave_time": _when(draft.saved_at) if draft else "",
            "autosave_restore": {"data": draft.form_data, "labels": draft.labels}
            if draft
            else None,
            "other_editors": other_editors(article, request.user) if article else [],
        }

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**self._autosave_context(request, None), **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is not None:
            extra_context = {**self._autosave_context(request, article), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Saved for real: the draft is what was just saved, or what the editor chose not to.
        if not change:
            discard(None, request.user)
        discard(form.instance, request.user)
