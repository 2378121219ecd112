"""Versions kept before the body became blocks, made restorable.

Until migration 0011 an article's body was one HTML field in which ``[quote N]``,
``[photo N]`` and ``[readmore N]`` placed its numbered quote, photo and READ MORE rows.
The migration converted every article in the database, but the versions django-reversion
had kept still hold the old body and numbered rows; restored as they are, the body
field is ignored (it no longer exists) and the article would come back without a body.

``restore_blocks`` runs after such a version has been put back: the old body is cut and
placed exactly as the migration did it (same splitting, same anchors as block keys,
placeholders without a row dropped, rows no placeholder placed kept outside the body),
with the rows as they were in that version.

The migration keeps its own frozen copy of this conversion, as migrations should: it
must do tomorrow what it did when it ran, and it works on the historical models through
``apps``. This module is the live one, on today's models and today's splitter
(``body.split_blocks``, the same code as the migration's).
"""

import hashlib
import json
import re

from reversion.models import Version

from .body import split_blocks
from .markup import plain_text
from .models import Article, BodyPhoto, Quote, ReadMore, RelatedLink, TextBlock

_PLACEHOLDER = re.compile(r"\[(quote|photo|readmore) ([1-9]\d{0,3})\]", re.I)
UNPLACED = "unplaced"
_ROW_MODELS = {Quote: "quote", BodyPhoto: "photo", RelatedLink: "readmore"}


def old_body(version: Version) -> str | None:
    """The body HTML kept in an article's version from before blocks; None otherwise."""
    fields = json.loads(version.serialized_data)[0]["fields"]
    if "body" not in fields:
        return None
    if any(row._model is TextBlock for row in version.revision.version_set.all()):
        return None  # kept while both existed: its blocks are the body
    return fields["body"] or ""


def _placeholder(element: str) -> tuple[str, int] | None:
    match = _PLACEHOLDER.fullmatch(plain_text(element))
    return (match[1].lower(), int(match[2])) if match else None


def _kept_rows(version: Version) -> dict[str, dict[int, tuple[int, dict]]]:
    """The numbered rows of the version's article: kind → number → (pk, stored fields)."""
    rows: dict[str, dict[int, tuple[int, dict]]] = {kind: {} for kind in _ROW_MODELS.values()}
    article_pk = int(version.object_id)
    for row in version.revision.version_set.exclude(pk=version.pk):
        kind = _ROW_MODELS.get(row._model)
        [stored] = json.loads(row.serialized_data)
        fields = stored["fields"]
        if kind and fields.get("article") == article_pk and fields.get("number"):
            if kind == "readmore" and fields.get("placement") != "inline":
                kind = "sidebar"
            rows.setdefault(kind, {})[fields["number"]] = (stored["pk"], fields)
    return rows


class _Placing:
    """One article's old body placed as blocks, in order, positions going up in tens."""

    def __init__(self, article: Article, rows: dict):
        self.article, self.rows = article, rows
        self.position = 0
        self.placed: dict[tuple[str, int], int] = {}
        self.anchors: dict[str, int] = {}

    def text(self, element: str) -> None:
        # The paragraph's anchor before blocks: comments on it still find it.
        anchor = (
            f"p-{hashlib.sha1(plain_text(element).encode(), usedforsecurity=False).hexdigest()[:8]}"
        )
        self.anchors[anchor] = self.anchors.get(anchor, 0) + 1
        if self.anchors[anchor] > 1:
            anchor = f"{anchor}-{self.anchors[anchor]}"
        TextBlock.objects.create(
            article=self.article, text=element, ordering=self.position, key=anchor
        )

    def row(self, kind: str, number: int, region: str = "body") -> None:
        if number not in self.rows[kind]:
            return  # readers never saw a placeholder without its row
        pk, fields = self.rows[kind][number]
        times = self.placed[kind, number] = self.placed.get((kind, number), 0) + 1
        key = f"{kind}-{number}" if times == 1 else f"{kind}-{number}-{times}"
        place = {"ordering": self.position, "key": key, "region": region}
        if kind == "readmore":
            ReadMore.objects.create(
                article=self.article, target_id=fields.get("target"), url=fields.get("url", ""),
                title=fields.get("title", ""), **place,
            )  # fmt: skip
            return
        model = Quote if kind == "quote" else BodyPhoto
        if times == 1:
            model.objects.filter(pk=pk).update(**place)
        else:  # placed twice: the second place is a block of its own
            block = model.objects.get(pk=pk)
            block.pk = None
            block.__dict__.update(place)
            block.save()

    def run(self, body: str) -> None:
        for element in split_blocks(body):
            self.position += 10
            found = _placeholder(element)
            if found:
                self.row(*found)
            else:
                self.text(element)
        for kind in ("quote", "photo", "readmore"):
            for number in self.rows[kind]:
                if (kind, number) not in self.placed:
                    self.position += 10
                    self.row(kind, number, UNPLACED)


def restore_blocks(version: Version) -> None:
    """After ``version`` (from before blocks) was reverted, give its article its body.

    The revert put the old rows back with today's models: quotes and photos without a
    place, and inline READ MORE links as sidebar links. They are placed as the old body
    placed them; sidebar links get their old order.
    """
    body = old_body(version)
    if body is None:
        return
    article = Article.objects.get(pk=version.object_id)
    rows = _kept_rows(version)
    inline = [pk for pk, _ in rows["readmore"].values()]
    RelatedLink.objects.filter(article=article, pk__in=inline).delete()
    for number, (pk, _) in rows.get("sidebar", {}).items():
        RelatedLink.objects.filter(article=article, pk=pk).update(position=number)
    _Placing(article, rows).run(body)
    article.refresh_body_text()
