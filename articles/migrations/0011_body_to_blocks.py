"""Body blocks, second step: every body written with numbered placeholders becomes blocks.

Each top-level element of the old body (paragraph, heading, list…) becomes a text block;
each ``[quote N]``, ``[photo N]`` and ``[readmore N]`` becomes the quote, photo or READ
MORE block of its row, in the same place. Nothing readers saw changes: placeholders whose
row was missing were not shown and are dropped; rows no placeholder placed were not shown
either and are kept outside the body (region ``unplaced``) for an editor to place or
delete; a row placed twice becomes two blocks.

Every block keeps the anchor its passage had (``p-<hash of its text>``, ``quote-N``) as
its key, so inline comments, and links to ``#anchor``, keep pointing at the same passage.
Sidebar links keep their order as ``position``.

The splitting and anchoring code of the old ``articles/body.py`` is written out here as
it was, so that later changes to the code cannot change what this migration does. Going
back writes each body as HTML with numbered placeholders again (an embed becomes a link).
"""

import hashlib
import html
import re
from html.parser import HTMLParser

import nh3
from django.contrib.auth.management import create_permissions
from django.db import migrations

_PLACEHOLDER = re.compile(r"\[(quote|photo|readmore) ([1-9]\d{0,3})\]", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
# Where a line ends: the end of a block element, or a line break.
_BREAK = re.compile(r"</(?:p|h[1-6]|li|dt|dd|pre|blockquote|tr|caption)>|<br>", re.I)
UNPLACED = "unplaced"
_VOID = {"br", "hr", "img", "wbr", "col"}


class _TopLevelSplitter(HTMLParser):
    """Cut HTML into its top-level elements, keeping each one's source text intact."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._depth = 0
        self._current: list[str] = []

    def _flush(self) -> None:
        if self._current:
            self.blocks.append("".join(self._current))
            self._current = []

    def handle_starttag(self, tag, attrs):
        text = self.get_starttag_text()
        if tag in _VOID:
            self._current.append(text)
            if self._depth == 0:
                self._flush()
            return
        if self._depth == 0:
            self._flush()
        self._depth += 1
        self._current.append(text)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        self._current.append(f"</{tag}>")
        self._depth = max(self._depth - 1, 0)
        if self._depth == 0:
            self._flush()

    def handle_data(self, data):
        if self._depth == 0:
            # Bare text between blocks: each line becomes a paragraph of its own.
            self.blocks.extend(
                f"<p>{line.strip()}</p>" for line in data.splitlines() if line.strip()
            )
            return
        self._current.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def split_blocks(markup: str) -> list[str]:
    splitter = _TopLevelSplitter()
    splitter.feed(markup or "")
    splitter.close()
    splitter._flush()
    return splitter.blocks


def plain_text(markup):
    return html.unescape(nh3.clean(markup or "", tags=set())).strip()


def body_text(texts):
    """Plain words of sanitised HTML blocks, a line per paragraph, heading or list item."""
    lines = []
    for markup in texts:
        words = html.unescape(_TAG.sub("", _BREAK.sub("\n", markup)))
        lines += [line for line in (_SPACES.sub(" ", part).strip() for part in words.split("\n"))
                  if line]  # fmt: skip
    return "\n".join(lines)


def _placeholder(element):
    match = _PLACEHOLDER.fullmatch(plain_text(element))
    return (match[1].lower(), int(match[2])) if match else None


class Conversion:
    """One article's body turned into blocks."""

    def __init__(self, apps, article):
        self.apps = apps
        self.article = article
        model = apps.get_model
        self.rows = {
            "quote": {
                q.number: q for q in model("articles", "Quote").objects.filter(article=article)
            },
            "photo": {
                p.number: p for p in model("articles", "BodyPhoto").objects.filter(article=article)
            },
            "readmore": {
                link.number: link
                for link in model("articles", "RelatedLink").objects.filter(
                    article=article, placement="inline"
                )
            },
        }
        self.placed = {kind: {} for kind in self.rows}  # number → times placed
        self.anchors = {}
        self.texts = []

    def run(self):
        position = 0
        for element in split_blocks(self.article.body):
            position += 10
            found = _placeholder(element)
            if found:
                self.place(*found, position)
            else:
                self.text(element, position)
        for kind, rows in self.rows.items():
            for number, row in rows.items():
                if number not in self.placed[kind]:
                    position += 10
                    self.put(kind, row, position, f"{kind}-{number}", UNPLACED)
        self.apps.get_model("articles", "Article").objects.filter(pk=self.article.pk).update(
            body_text=body_text(self.texts)
        )

    def text(self, element, position):
        digest = hashlib.sha1(plain_text(element).encode(), usedforsecurity=False)
        anchor = f"p-{digest.hexdigest()[:8]}"
        self.anchors[anchor] = self.anchors.get(anchor, 0) + 1
        if self.anchors[anchor] > 1:
            anchor = f"{anchor}-{self.anchors[anchor]}"
        self.apps.get_model("articles", "TextBlock").objects.create(
            article=self.article, text=element, ordering=position, key=anchor
        )
        self.texts.append(element)

    def place(self, kind, number, position):
        row = self.rows[kind].get(number)
        if row is None:
            return  # readers never saw a placeholder without its row
        times = self.placed[kind].get(number, 0) + 1
        self.placed[kind][number] = times
        key = f"{kind}-{number}" if times == 1 else f"{kind}-{number}-{times}"
        if times > 1 and kind != "readmore":
            # Placed twice: the second place gets a block of its own (its number, gone
            # after 0012, only has to be free until then).
            row.pk = None
            row.number = max(self.rows[kind]) + sum(map(len, self.placed.values())) + 1000
        self.put(kind, row, position, key, "body")

    def put(self, kind, row, position, key, region):
        if kind == "readmore":
            self.apps.get_model("articles", "ReadMore").objects.create(
                article=self.article, target_id=row.target_id, url=row.url, title=row.title,
                ordering=position, key=key, region=region,
            )  # fmt: skip
            return
        row.ordering, row.key, row.region = position, key, region
        row.save()


def forwards(apps, schema_editor):
    articles = apps.get_model("articles", "Article").objects.only("pk", "body")
    for article in articles.iterator(chunk_size=200):
        Conversion(apps, article).run()
    related = apps.get_model("articles", "RelatedLink").objects
    related.filter(placement="inline").delete()
    for link in related.filter(placement="sidebar").only("pk", "number"):
        related.filter(pk=link.pk).update(position=link.number)


KINDS = {"textblock": "text", "quote": "quote", "bodyphoto": "photo", "readmore": "readmore",
         "embed": "embed"}  # fmt: skip


def _placeholders(apps, article):
    """The article's blocks in order, as the old body and its numbered rows."""
    blocks = [
        (block.region != "body", block.ordering, block.pk, kind, block)
        for model, kind in KINDS.items()
        for block in apps.get_model("articles", model).objects.filter(article=article)
    ]
    parts, numbers = [], {"quote": 0, "photo": 0, "readmore": 0}
    for unplaced, _, _, kind, block in sorted(blocks, key=lambda item: item[:3]):
        if kind == "text":
            parts.append(block.text)
        elif kind == "embed":
            parts.append(f'<p><a href="{html.escape(block.url)}">{html.escape(block.url)}</a></p>')
        else:
            numbers[kind] += 1
            if not unplaced:
                parts.append(f"<p>[{kind} {numbers[kind]}]</p>")
            yield kind, numbers[kind], block
    article.body = "\n".join(parts)
    article.save(update_fields=["body"])


def backwards(apps, schema_editor):
    related = apps.get_model("articles", "RelatedLink").objects
    for article in apps.get_model("articles", "Article").objects.all():
        for kind, number, block in list(_placeholders(apps, article)):
            if kind == "readmore":
                related.create(article=article, placement="inline", number=number,
                               target_id=block.target_id, url=block.url, title=block.title)  # fmt: skip
            else:
                block.number = number
                block.save(update_fields=["number"])
        sidebar = related.filter(article=article, placement="sidebar").order_by("position", "pk")
        for number, link in enumerate(sidebar, start=1):
            related.filter(pk=link.pk).update(number=number)


# Authors and editors work on every kind of block, as on quotes and body photos before.
BLOCK_MODELS = ["textblock", "readmore", "embed"]


def grant_blocks(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in BLOCK_MODELS
                 for action in ("add", "change", "delete", "view")]  # fmt: skip
    permissions = Permission.objects.filter(
        content_type__app_label="articles", codename__in=codenames
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Author", "Editor"]):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_body_blocks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RunPython(grant_blocks, migrations.RunPython.noop, elidable=False),
    ]
