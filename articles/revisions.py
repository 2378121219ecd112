"""What changed between kept versions of an article, for editors who collide.

Every save through the admin keeps a version (django-reversion) that records the
article's edit-conflict counter; an editor whose save is refused is told who saved since
they opened the article, and which fields and rows changed.
"""

import json

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from reversion.models import Version

from . import legacy_body
from .models import Article, TaggedRegion, TextBlock


def saves_since(article: Article, opened: int | None) -> tuple[Version | None, list[Version]]:
    """The kept version an editor opened, and the versions saved after it, oldest first.

    Versions are matched on the article's edit-conflict counter, which each one records.
    """
    opened = opened or 0
    later = []
    versions = (
        Version.objects.get_for_object(article)
        .select_related("revision__user")
        .order_by("-pk")[:100]
    )
    for version in versions.iterator(chunk_size=10):  # usually the newest one or two do
        number = version.field_dict.get("version")
        if number is None:
            continue
        if number <= opened:
            return version, later[::-1]
        later.append(version)
    return None, later[::-1]


def _rows_of(version: Version) -> dict[str, set[str]]:
    """The article's inline rows kept with ``version``, by kind, as their stored data."""
    rows: dict[str, set[str]] = {}
    article_pk = int(version.object_id)
    for row in version.revision.version_set.exclude(pk=version.pk):
        fields = json.loads(row.serialized_data)[0]["fields"]
        if article_pk in (fields.get("article"), fields.get("content_object")):
            model = row._model
            label = "regions" if model is TaggedRegion else str(model._meta.verbose_name_plural)
            rows.setdefault(label, set()).add(row.serialized_data)
    old_body = legacy_body.old_body(version)
    if old_body is not None:  # kept before blocks: its text is the old body's
        rows[str(TextBlock._meta.verbose_name_plural)] = {old_body}
    return rows


def changed_parts(before: Version, after: Version) -> list[str]:
    """Names of the article's fields and kinds of rows that differ between two versions."""
    names = [
        str(field.verbose_name)
        for field in Article._meta.concrete_fields
        if field.editable
        and before.field_dict.get(field.attname) != after.field_dict.get(field.attname)
    ]
    rows_before, rows_after = _rows_of(before), _rows_of(after)
    names += sorted(
        label
        for label in rows_before.keys() | rows_after.keys()
        if rows_before.get(label) != rows_after.get(label)
    )
    return names


def conflict_message(article: Article, opened: int | None) -> str:
    """What an editor is told when someone saved the article after they opened it."""
    base, later = saves_since(article, opened)
    savers = format_html_join(
        "; ",
        "{} at {}",
        (
            (
                (version.revision.user.get_full_name() or version.revision.user.get_username())
                if version.revision.user
                else "someone",
                formats.date_format(
                    timezone.localtime(version.revision.date_created), "DATETIME_FORMAT"
                ),
            )
            for version in later
        ),
    )
    parts = changed_parts(base, later[-1]) if base and later else []
    return format_html(
        "Someone else saved this article while you were editing it{}, so your changes were "
        'not saved.{} <a href="{}">See the history</a> to compare versions, then '
        '<a href="{}">reload the article</a> and apply your changes again.',
        format_html(" ({})", savers) if later else "",
        format_html(" Changed since you opened it: {}.", ", ".join(parts)) if parts else "",
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_article_change", args=[article.pk]),
    )
