import argparse
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsroom.wordpress.importer import Importer
from newsroom.wordpress.reader import ExportError


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export, WXR 1.0–1.2): posts become articles, "
        "pages the site's own pages, "
        "categories and tags sections and regions, with photos, comments and redirects "
        "from the old addresses. Safe to run again: nothing is imported twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", type=Path, help="The .xml file WordPress exported.")
        parser.add_argument(
            "--media-dir",
            type=Path,
            help="A copy of the old site's wp-content/uploads folder. Without it (or for "
            "files not in it) photos are recorded with their old address and reported.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; write nothing."
        )
        parser.add_argument(
            "--regions-from",
            choices=["tags", "categories"],
            default="tags",
            help="tags (default): categories become sections and tags regions. categories: "
            "top-level categories become sections and their sub-categories regions (the "
            "first one the kicker); tags are not imported.",
        )
        parser.add_argument(
            "--section-default",
            default="news",
            metavar="SLUG",
            help="Section for posts without a category, or in WordPress's “Uncategorized” "
            "(created if missing; default: %(default)s).",
        )
        parser.add_argument(
            "--post-type",
            action="append",
            dest="post_types",
            metavar="TYPE",
            help="Import this post type as articles (repeat for several; default: post), "
            "e.g. a custom type: --post-type post --post-type story. Pages always become "
            "the site's own pages; other types are counted and skipped.",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Re-apply the export to articles imported before (their text, dates, "
            "section, regions, byline and photos), overwriting edits made here since. "
            "Comments already imported are left as moderated.",
        )
        parser.add_argument("--batch-size", type=int, default=500, help=argparse.SUPPRESS)

    def handle(self, *args, export, media_dir, dry_run, regions_from, section_default, **options):
        export = Path(export)  # call_command(..., media_dir="…") skips argparse's type
        media_dir = Path(media_dir) if media_dir else None
        if not export.is_file():
            raise CommandError(f"No such file: {export}")
        if media_dir is not None and not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        self.verbosity = options["verbosity"]
        self._progress_shown = False
        self._last_progress = 0.0
        self._started = time.monotonic()
        importer = Importer(
            media_dir=media_dir,
            dry_run=dry_run,
            regions_from=regions_from,
            section_default=section_default,
            post_types=tuple(options["post_types"] or ["post"]),
            update=options["update"],
            batch_size=options["batch_size"],
            warn=self.warn,
            progress=self.progress,
        )
        try:
            summary = importer.run(export)
        except ExportError as error:
            self.end_progress()
            raise CommandError(str(error)) from error
        self.end_progress()

        elapsed = time.monotonic() - self._started
        self.stdout.write(summary.table())
        if summary.skipped_types:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.skipped_types.items()))
            self.stdout.write(f"Not imported (other post types): {kinds}.")
        for article in summary.sticky:
            self.stdout.write(
                f"Sticky on WordPress: {article.headline} ({article.get_absolute_url()})"
            )
        if summary.lead:
            self.stdout.write(f"Leads the home page: {summary.lead.headline}")
        self.stdout.write(f"{importer.site.items} items read in {elapsed:.1f} s.")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))

    def warn(self, message: str) -> None:
        if self.verbosity >= 1:
            self.end_progress()
            self.stderr.write(f"warning: {message}", style_func=self.style.WARNING)

    def progress(self, done: int, total: int) -> None:
        """A bar on stderr: redrawn in place on a terminal, a line every 5 s in a log."""
        if self.verbosity < 1 or not total:
            return
        now = time.monotonic()
        tty = sys.stderr.isatty()
        if 0 < done < total and now - self._last_progress < (0.25 if tty else 5):
            return
        self._last_progress = now
        rate = done / max(now - self._started, 1e-6)
        width = 30
        filled = int(width * done / total)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} items "
            f"({100 * done // total}%) {rate:,.0f}/s"
        )
        if tty:
            self.stderr.write(f"\r{line}", ending="")
            self._progress_shown = True
        else:
            self.stderr.write(line)

    def end_progress(self) -> None:
        if self._progress_shown:
            self.stderr.write("")
            self._progress_shown = False
