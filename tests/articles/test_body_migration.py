"""Migration 0011: bodies written with numbered placeholders become blocks, losing nothing.

Rows are written at the schema before the blocks, as the previous release wrote them:
the demo's bodies (the reference article and regular stories) and bodies as the
WordPress import wrote them. After migrating, each public page shows the same visible
text, with its quotes, photos and READ MORE links in the same order, as the old body
read with the old rules; and comments anchored before keep their passage.
"""

import hashlib
import random
import re
from datetime import timedelta

import html5lib
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from articles.body import split_blocks
from articles.demo import content
from articles.markup import clean_editorial, plain_text
from articles.models import Article
from tests.helpers.images import jpeg_bytes

BEFORE = [("articles", "0009_versions_forget_the_lead")]
PLACEHOLDER = re.compile(r"\[(quote|photo|readmore) ([1-9]\d{0,3})\]")
# How the old WordPress import kept bracketed text from reading as a placeholder.
WORD_JOINER = "\u2060"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def old_demo_reference_body() -> str:
    """The demo reference article's body as the previous release stored it."""
    out = []
    for part in content.REFERENCE["body"]:
        if isinstance(part, str):
            out.append(part)
        else:
            number = part[1] + 1 if part[0] == "quote" else 1
            out.append(f"[{part[0]} {number}]")
    return "\n".join(out)


IMPORTED_BODY = (
    "<p>Engineers at the northern dam opened the spillway.</p>\n<p>[photo 1]</p>\n"
    "<blockquote>We have never seen the lake this full in May.</blockquote>\n"
    "<p>[photo 2]</p>\n<h2>What comes next</h2>\n<ul><li>Checks</li><li>Repairs</li></ul>\n"
    f"<p>He called it {WORD_JOINER}[{WORD_JOINER}sic] a triumph.</p>"
)
# Placed twice, a placeholder without its row, a row no placeholder places, bare text.
ODD_BODY = (
    "Bare first line\n<p>Same words.</p>\n[quote 1]\n<p>Same words.</p>\n[quote 1]\n"
    "[photo 9]\n<p>Last.</p>"
)


def old_rows(apps) -> dict:
    """Articles as the previous release wrote them; returns expected pages by slug."""
    Article, Section = apps.get_model("articles", "Article"), apps.get_model("articles", "Section")
    Photo, Quote = apps.get_model("articles", "Photo"), apps.get_model("articles", "Quote")
    BodyPhoto = apps.get_model("articles", "BodyPhoto")
    RelatedLink = apps.get_model("articles", "RelatedLink")
    section = Section.objects.create(name="World", slug="world")
    now = timezone.now()

    def article(slug, body, minutes):
        return Article.objects.create(
            headline=slug.replace("-", " ").capitalize(), slug=slug, section=section,
            body=clean_editorial(body), status="published",
            publish_at=now - timedelta(minutes=minutes),
        )  # fmt: skip

    def photo(caption):
        made = Photo(caption=caption, alt_text=caption, photographer="Rami Haddad")
        made.image.save("old.jpg", ContentFile(jpeg_bytes()), save=False)
        made.save()
        return made

    rng = random.Random(7)
    stories = [
        article(f"story-{i}", "\n\n".join(p.format(region="Iraq") for p in
                                          rng.sample(content.PARAGRAPHS, 5)), 60 + i)
        for i in range(3)
    ]  # fmt: skip
    reference = article("vice-president-says", old_demo_reference_body(), 30)
    for number, (text, speaker, role) in enumerate(content.REFERENCE["quotes"], start=1):
        Quote.objects.create(article=reference, number=number, text=text, speaker=speaker,
                             speaker_role=role)  # fmt: skip
    BodyPhoto.objects.create(article=reference, number=1, photo=photo("Surveyors at work"))
    RelatedLink.objects.create(article=reference, placement="inline", number=1, target=stories[0])
    RelatedLink.objects.create(article=reference, placement="sidebar", number=1, target=stories[1])
    imported = article("dam-spillway", IMPORTED_BODY, 20)
    spillway = photo("The eastern spillway")
    for number in (1, 2):  # one photo used twice
        BodyPhoto.objects.create(article=imported, number=number, photo=spillway)
    odd = article("odd-body", ODD_BODY, 10)
    Quote.objects.create(article=odd, number=1, text="Said twice.", speaker="Echo")
    Quote.objects.create(article=odd, number=2, text="Never placed.", speaker="Nobody")
    return {a.slug: expected_page(apps, a) for a in [*stories, reference, imported, odd]}


def expected_page(apps, article) -> list[tuple[str, str]]:
    """What the old article page showed of a body: (kind, visible text), in order."""
    rows = {
        "quote": {q.number: ("quote", squeeze(q.text)) for q in apps.get_model("articles", "Quote")
                  .objects.filter(article=article)},
        "photo": {p.number: ("photo", squeeze(p.photo.caption)) for p in apps.get_model(
            "articles", "BodyPhoto").objects.filter(article=article)},
        "readmore": {link.number: ("read-more", squeeze(link.target.headline))
                     for link in apps.get_model("articles", "RelatedLink").objects.filter(
                         article=article, placement="inline")},
    }  # fmt: skip
    shown = []
    for element in split_blocks(article.body):
        found = PLACEHOLDER.fullmatch(plain_text(element))
        if not found:
            shown.append(("block", squeeze(plain_text(element))))
        elif int(found[2]) in rows[found[1]]:
            shown.append(rows[found[1]][int(found[2])])
    return shown


def shown_page(html: str) -> list[tuple[str, str]]:
    """What the article page shows of the body: (kind, visible text), in order."""
    page = html5lib.parse(html, treebuilder="dom", namespaceHTMLElements=False)
    body = next(
        div for div in page.getElementsByTagName("div")
        if div.getAttribute("class") == "article-body"
    )  # fmt: skip
    shown = []
    for child in (node for node in body.childNodes if node.nodeType == node.ELEMENT_NODE):
        kind = child.getAttribute("class").split()[0]
        if kind == "quote":
            text = child.getElementsByTagName("blockquote")[0]
        elif kind == "photo":
            text = child.getElementsByTagName("figcaption")[0].childNodes[0]
        elif kind == "read-more":
            text = child.getElementsByTagName("a")[0]
        else:
            for link in child.getElementsByTagName("a"):
                if "passage-link" in link.getAttribute("class"):
                    link.parentNode.removeChild(link)
            text = child
        shown.append((kind, squeeze(words(text))))
    return shown


def squeeze(text: str) -> str:
    """Text compared without its white space: parsers differ in where they put it."""
    return "".join(text.split())


def words(node) -> str:
    if node.nodeType == node.TEXT_NODE:
        return node.data
    return "".join(words(child) + (" " if child.nodeType == child.ELEMENT_NODE else "")
                   for child in node.childNodes)  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_every_old_body_shows_the_same_text_and_order_after_the_migration(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    expected = old_rows(migrate(BEFORE))
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    reader = Client()

    for slug, shown_before in expected.items():
        article = Article.objects.get(slug=slug)
        assert shown_page(reader.get(article.get_absolute_url()).content.decode()) == [
            (kind, squeeze(text)) for kind, text in shown_before
        ], slug
    assert len(expected["vice-president-says"]) == 10
    odd = Article.objects.get(slug="odd-body")
    assert [q.text for q in odd.quotes.filter(region="body")] == ["Said twice.", "Said twice."]
    assert odd.quotes.get(region="unplaced").text == "Never placed."  # kept, still unseen


@pytest.mark.django_db(transaction=True)
def test_old_anchors_resolve_to_the_same_passages_after_the_migration(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    apps = migrate(BEFORE)
    old_rows(apps)
    old = apps.get_model("articles", "Article").objects.get(slug="vice-president-says")
    paragraphs = [e for e in split_blocks(old.body) if not PLACEHOLDER.fullmatch(plain_text(e))]
    # The old anchors: a hash of each paragraph's text, and quote-N for quotes.
    anchors = {
        "p-" + hashlib.sha1(plain_text(p).encode(), usedforsecurity=False).hexdigest()[:8]:
        plain_text(p) for p in paragraphs
    }  # fmt: skip
    anchors["quote-2"] = content.REFERENCE["quotes"][1][0]
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    article = Article.objects.get(slug="vice-president-says")
    for anchor, passage in anchors.items():
        assert article.passage(anchor) == passage, anchor
    assert len(anchors) == 7
