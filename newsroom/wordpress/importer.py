"""Moving a WordPress site into Newsroom: the run, and the writes.

The export is read twice, streaming (``reader``): the first pass checks the whole file
and collects what items refer to; nothing is written unless it succeeds. The second
pass imports posts in batches, one transaction each, remembering the WordPress ID of
everything it creates (``ImportedItem``) so a second run, or a run after an
interruption, adds only what is missing.

Bodies go through ``converter`` and ``clean_editorial``, comments through
``clean_comment``; images become ``Photo`` rows placed as photo blocks,
their renditions queued when their article is published.
"""

import contextlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F

from articles import tasks as article_tasks
from articles.models import (
    BLOCK_RELATIONS,
    Article,
    BodyPhoto,
    Byline,
    Embed,
    Page,
    TaggedRegion,
    TextBlock,
)
from comments.models import Comment
from newsroom.redirects.models import LegacyPath

from .lookups import Lookups
from .models import ImportedItem
from .pages import import_pages
from .preparing import Prepared, Preparer, chunks
from .reader import Post, Site, iter_posts, read_site

KINDS = ["articles", "pages", "photos", "comments", "authors", "sections", "regions", "redirects"]
COLUMNS = ["created", "updated", "skipped", "missing media", "warnings"]
_DATABASE_UNWELL = (OperationalError, InterfaceError)


@dataclass
class Summary:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    skipped_types: Counter = field(default_factory=Counter)
    sticky: list[Article] = field(default_factory=list)
    lead: Article | None = None  # the sticky post made the home page's lead story

    def add(self, kind: str, column: str, n: int = 1) -> None:
        self.counts[kind][column] += n

    def merge(self, other: "Summary") -> None:
        for kind, columns in other.counts.items():
            self.counts[kind].update(columns)
        self.skipped_types.update(other.skipped_types)
        self.sticky.extend(other.sticky)

    def table(self) -> str:
        width = max(len(kind) for kind in KINDS)
        lines = [" ".join([f"{'':{width}}", *(f"{c:>13}" for c in COLUMNS)])]
        lines += [
            " ".join([f"{kind:{width}}", *(f"{self.counts[kind][c]:>13}" for c in COLUMNS)])
            for kind in KINDS
        ]
        return "\n".join(lines)


def legacy_paths(post: Post) -> list[str]:
    """The old site's addresses of a post, as paths this site will be asked for."""
    query_key = "page_id" if post.type == "page" else "p"
    paths = {f"/?{query_key}={post.wp_id}"} if post.wp_id.isdigit() else set()
    for url in (post.link, post.guid):
        if not url:
            continue
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        for key in ("p", "page_id"):
            value = query.get(key, [""])[0]
            if value.isdigit():
                paths.add(f"/?{key}={int(value)}")
                break
        else:
            path = unquote(parts.path or "/")
            if path != "/" and len(path) <= 500:
                paths.add(path)
    return sorted(paths)


def _thread_levels(comments: dict[str, Comment], parent_of: dict[str, str], ids: dict):
    """Comments a level at a time, each level's parents already having rows (in ``ids``).

    A reply may come before the comment it answers in the file. Replies answering each
    other in a loop: one of them becomes a thread of its own.
    """
    remaining = set(comments)
    level = [w for w in comments if w not in parent_of or parent_of[w] in ids]
    while remaining:
        if not level:
            level = [min(remaining)]
            parent_of.pop(level[0])
        for wp_id in level:
            comments[wp_id].parent_id = ids.get(parent_of.get(wp_id))
        yield level
        remaining.difference_update(level)
        level = [wp_id for wp_id in remaining if parent_of[wp_id] in ids]


class Importer:
    """Import a WXR file. ``warn`` and ``progress`` let the command report as it goes.

    Each batch is prepared item by item (any error skips just that item), then written
    with one bulk insert per table in one transaction. Should that fail, the batch is
    written again item by item, so the one item the database refuses is reported and
    skipped. Authors, sections, regions and photos are made as they are first needed,
    each remembered at once, so they are found again by the next item or the next run.
    """

    def __init__(
        self,
        *,
        media_dir: Path | None = None,
        dry_run: bool = False,
        regions_from: str = "tags",
        section_default: str = "news",
        post_types: tuple[str, ...] = ("post",),
        update: bool = False,
        batch_size: int = 500,
        warn: Callable[[str], None] = lambda message: None,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ):
        self.dry_run = dry_run
        self.batch_size = batch_size
        self._warn = warn
        self.progress = progress
        self.summary = Summary()
        self.site = Site()
        self.lookups = Lookups(
            summary=self.summary,
            warn=self.warn,
            media_dir=media_dir.resolve() if media_dir else None,
            dry_run=dry_run,
            regions_from=regions_from,
            section_default=section_default,
        )
        self.preparer = Preparer(
            self.lookups,
            summary=self.summary,
            warn=self.warn,
            post_types=post_types,
            update=update,
        )

    def warn(self, kind: str, message: str) -> None:
        self.summary.add(kind, "warnings")
        self._warn(message)

    # The run ------------------------------------------------------------------------

    def run(self, path: Path) -> Summary:
        self.site = self.lookups.site = read_site(path)  # raises ExportError, writing nothing
        total, done = self.site.items, 0
        self.progress(0, total)
        # Each batch commits on its own; a dry run wraps them all and rolls back.
        with transaction.atomic() if self.dry_run else contextlib.nullcontext():
            posts = iter_posts(path)
            while batch := list(islice(posts, self.batch_size)):
                self.import_batch(batch)
                done += len(batch)
                self.progress(done, total)
            self.choose_lead()
            if self.dry_run:
                transaction.set_rollback(True)
        return self.summary

    def choose_lead(self) -> None:
        """The newest sticky post this run published (or scheduled) leads the home page,
        as it stayed on top of the old site; the lead chosen before steps down."""
        candidates = [a for a in self.summary.sticky if a.status == Article.Status.PUBLISHED]
        if not candidates:
            return
        lead = max(candidates, key=lambda article: (article.publish_at, article.pk))
        lead.is_lead, lead.lead_until = True, None
        with transaction.atomic():
            lead.save(update_fields=["is_lead", "lead_until", "modified_at"])
            # A change form opened before the import must not save over the choice.
            Article.objects.filter(pk=lead.pk).update(version=F("version") + 1)
        self.summary.lead = lead

    def import_batch(self, posts: list[Post]) -> None:
        # Pages become the site's own pages, whatever post types become articles.
        pages = import_pages([p for p in posts if p.type == "page"], self.summary, self.warn,
                             update=self.preparer.update)  # fmt: skip
        self.write_page_redirects(pages)
        posts = [post for post in posts if post.type != "page"]
        known = self.known(posts)
        articles = Article.objects.in_bulk(
            [pk for (kind, _), pk in known.items() if kind == "post"]
        )
        self.preparer.reserve_slugs(posts)
        batch = [p for post in posts if (p := self.prepare(post, known, articles))]
        try:
            with transaction.atomic():
                result = self.write(batch, known)
        except _DATABASE_UNWELL:
            raise  # the database itself is unwell: stop; a re-run resumes from here
        except Exception:  # find the item the database refuses: one at a time
            result = self.write_one_by_one(batch, known)
        self.summary.merge(result)

    def write_one_by_one(self, batch: list[Prepared], known: dict) -> Summary:
        result = Summary()
        for prepared in batch:
            self.forget_ids(prepared)
            try:
                with transaction.atomic():
                    result.merge(self.write([prepared], known))
            except _DATABASE_UNWELL:
                raise
            except Exception as error:
                self.forget_ids(prepared)
                self.preparer.skip(prepared.post, f"{prepared.label} skipped: {error}")
        return result

    def known(self, posts: list[Post]) -> dict[tuple[str, str], int]:
        """What earlier runs imported of these posts and their comments."""
        post_ids = [post.wp_id for post in posts]
        comment_ids = [c.wp_id for post in posts for c in post.comments]
        rows = {}
        for kind, ids in (("post", post_ids), ("comment", comment_ids)):
            for chunk in chunks(ids):
                found = ImportedItem.objects.filter(kind=kind, wp_id__in=chunk)
                rows.update(
                    {(kind, wp_id): pk for wp_id, pk in found.values_list("wp_id", "object_id")}
                )
        return rows

    @staticmethod
    def forget_ids(prepared: Prepared) -> None:
        """Undo the primary keys a rolled-back bulk insert handed out."""
        if prepared.created:
            prepared.article.pk = None
        for _, comment in prepared.comments:
            comment.pk = comment.parent_id = None
            comment.article = prepared.article

    def prepare(self, post: Post, known: dict, articles: dict) -> Prepared | None:
        """The post ready to write, or None when it is skipped (and reported)."""
        return self.preparer.prepare(post, known, articles)

    # Writing: one transaction, one bulk insert per table ---------------------------------------

    def write(self, batch: list[Prepared], known: dict) -> Summary:
        """Write prepared posts; returns what to count once the transaction holds."""
        result = Summary()
        new = [p for p in batch if p.created]
        replaced = [p for p in batch if p.write_article and not p.created]
        Article.objects.bulk_create([p.article for p in new])
        for p in replaced:  # --update: the export wins over edits made here since
            self.replace_article(p)
        written = new + replaced
        self.write_article_rows(written)
        self.write_redirects(written, result)
        ImportedItem.objects.bulk_create(
            [
                ImportedItem(
                    kind="post", wp_id=p.post.wp_id, object_id=p.article.pk, sticky=p.post.sticky
                )
                for p in new
            ]
        )
        self.write_comments(batch, known, result)
        self.queue_renditions(written)
        result.add("articles", "created", len(new))
        result.add("articles", "updated", len(replaced))
        result.sticky.extend(p.article for p in written if p.post.sticky)
        return result

    @staticmethod
    def replace_article(p: Prepared) -> None:
        """An article imported before, saved again; its byline, regions, photos cleared."""
        p.article.save()
        # A change form opened before the import must not save over it unnoticed.
        Article.objects.filter(pk=p.article.pk).update(version=F("version") + 1)
        Byline.objects.filter(article=p.article).delete()
        TaggedRegion.objects.filter(content_object=p.article).delete()
        for relation in BLOCK_RELATIONS:
            getattr(p.article, relation).all().delete()
        ImportedItem.objects.filter(kind="post", wp_id=p.post.wp_id).update(sticky=p.post.sticky)

    @staticmethod
    def write_article_rows(written: list[Prepared]) -> None:
        """Bylines, regions and body blocks of the articles written."""
        Byline.objects.bulk_create(
            [Byline(article=p.article, author=p.author) for p in written if p.author]
        )
        TaggedRegion.objects.bulk_create(
            [TaggedRegion(content_object=p.article, tag=r) for p in written for r in p.regions]
        )
        for p in written:
            for block in p.blocks:
                block.article = p.article
        for kind in (TextBlock, BodyPhoto, Embed):
            kind.objects.bulk_create(
                [block for p in written for block in p.blocks if isinstance(block, kind)]
            )

    def queue_renditions(self, written: list[Prepared]) -> None:
        """Photos of published (or scheduled) articles get their srcset renditions.

        Queued for when the batch commits, so a batch written again item by item, or a
        dry run (rolled back as a whole), queues nothing for rows that were never kept.
        Drafts wait: publishing them in the admin queues their photos.
        """
        if self.dry_run:
            return
        article_tasks.queue_renditions(
            *(
                photo
                for p in written
                if p.article.status == Article.Status.PUBLISHED
                for photo in (
                    p.article.lead_photo,
                    *(b.photo for b in p.blocks if b.kind == "photo"),
                )
            )
        )

    def write_redirects(self, written: list[Prepared], result: Summary) -> None:
        wanted = {path: (p.label, p.article) for p in written for path in legacy_paths(p.post)}
        self.write_legacy_paths(wanted, result)

    def write_page_redirects(self, pages: list[tuple[Post, Page]]) -> None:
        """The old addresses of pages, but for the one a page still has here."""
        wanted = {
            path: (f"page {post.wp_id}", page)
            for post, page in pages
            for path in legacy_paths(post)
            if path != page.get_absolute_url()
        }
        with transaction.atomic():
            self.write_legacy_paths(wanted, self.summary)

    def write_legacy_paths(self, wanted: dict[str, tuple], result: Summary) -> None:
        """Old path → (label, article or page); a path already taken is kept as it is."""
        taken = {}
        for chunk in chunks(list(wanted)):
            rows = LegacyPath.objects.filter(path__in=chunk)
            taken.update({row.path: row for row in rows.only("path", "article", "page")})
        for path, row in taken.items():
            label, target = wanted[path]
            if (row.page_id if isinstance(target, Page) else row.article_id) != target.pk:
                result.add("redirects", "skipped")
                self._warn(f"{label}: {path} already redirects elsewhere; kept")
        LegacyPath.objects.bulk_create(
            [LegacyPath(path=path, **{target._meta.model_name: target})
             for path, (_, target) in wanted.items() if path not in taken]
        )  # fmt: skip
        result.add("redirects", "created", len(wanted) - len(taken))

    def write_comments(self, batch: list[Prepared], known: dict, result: Summary) -> None:
        pairs = [(p, wp, comment) for p in batch for wp, comment in p.comments]
        if not pairs:
            return
        ids = {wp_id: pk for (kind, wp_id), pk in known.items() if kind == "comment"}
        comments = {wp.wp_id: comment for _, wp, comment in pairs}
        parent_of = {}
        for p, wp, _ in pairs:
            if wp.parent_id in ("0", wp.wp_id):
                continue
            if wp.parent_id in ids or wp.parent_id in comments:
                parent_of[wp.wp_id] = wp.parent_id
            else:
                result.add("comments", "warnings")
                self._warn(
                    f"{p.label}: comment {wp.wp_id} answers {wp.parent_id}, which is not "
                    "imported; shown as a new thread"
                )
        for level in _thread_levels(comments, parent_of, ids):
            Comment.objects.bulk_create([comments[wp_id] for wp_id in level])
            ids.update({wp_id: comments[wp_id].pk for wp_id in level})
        ImportedItem.objects.bulk_create(
            [ImportedItem(kind="comment", wp_id=wp.wp_id, object_id=c.pk) for _, wp, c in pairs]
        )
        result.add("comments", "created", len(pairs))
