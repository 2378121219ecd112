"""How fast import_wordpress runs, and in how much memory, on a large invented export.

Generates a WXR file of 10,000 posts and 50,000 comments (with categories, tags,
featured images and a folder of uploads) in a temporary folder, imports it into a fresh
SQLite database there, and prints items per second and the peak resident memory.

Run: .venv/bin/python bench/import_wordpress.py [--posts N] [--comments-per-post N]
     [--database-url postgres://…/scratch]   (a database it may fill; SQLite by default)
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "river", "dam", "council", "market", "harvest", "road", "bridge", "school", "clinic",
    "water", "price", "vote", "border", "village", "ferry", "drought", "rain", "festival",
    "museum", "budget", "court", "minister", "farmers", "engineers", "reservoir", "train",
    "cooperative", "port", "strike", "report", "survey", "mayor", "election", "archive",
]  # fmt: skip


def sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


HEADER = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
    'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
    "<title>Bench</title><link>https://bench.example</link>\n"
    "<wp:wxr_version>1.2</wp:wxr_version>\n"
    "<wp:base_site_url>https://bench.example</wp:base_site_url>\n"
)
CATEGORIES = [("world", "World", ""), ("politics", "Politics", "")] + [
    (f"region-{i}", f"Region {i}", "world") for i in range(18)
]
TAGS = [(f"topic-{i}", f"Topic {i}") for i in range(200)]


def generate(path: Path, uploads: Path, posts: int, comments_per_post: int) -> int:
    """Write the export, streaming; returns how many photos have a file in ``uploads``."""
    rng = random.Random(7)
    photos = posts // 10
    write_uploads(uploads, photos)
    comment_id = 1
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        write_vocabulary(out)
        for n in range(photos):
            out.write(attachment(n))
        for n in range(1, posts + 1):
            date = f"2020-{1 + n % 12:02d}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:00"
            out.write(post(rng, n, date))
            for k in range(comments_per_post):
                out.write(comment(rng, comment_id, k, date))
                comment_id += 1
            out.write("</item>\n")
        out.write("</channel></rss>\n")
    return photos


def write_uploads(uploads: Path, photos: int) -> None:
    """One small JPEG per attachment, where WordPress would keep it."""
    from io import BytesIO

    from PIL import Image

    (uploads / "2020" / "01").mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    Image.new("RGB", (640, 360), (30, 90, 160)).save(buffer, "JPEG", quality=80)
    for n in range(photos):
        (uploads / "2020" / "01" / f"photo-{n}.jpg").write_bytes(buffer.getvalue())


def write_vocabulary(out) -> None:
    """The export's authors, categories and tags."""
    for i in range(20):
        out.write(
            f"<wp:author><wp:author_login>writer{i}</wp:author_login>"
            f"<wp:author_display_name>{cdata(f'Writer {i}')}</wp:author_display_name>"
            "</wp:author>\n"
        )
    for slug, name, parent in CATEGORIES:
        out.write(
            f"<wp:category><wp:category_nicename>{slug}</wp:category_nicename>"
            f"<wp:category_parent>{parent}</wp:category_parent>"
            f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>\n"
        )
    for slug, name in TAGS:
        out.write(
            f"<wp:tag><wp:tag_slug>{slug}</wp:tag_slug>"
            f"<wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>\n"
        )


def attachment(n: int) -> str:
    """The item of photo ``n``, with its caption, alt text and file."""
    url = f"https://bench.example/wp-content/uploads/2020/01/photo-{n}.jpg"
    return (
        f"<item><title>Photo {n}</title><wp:post_id>{100000 + n}</wp:post_id>"
        "<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
        f"<wp:attachment_url>{url}</wp:attachment_url>"
        "<excerpt:encoded><![CDATA[A caption]]></excerpt:encoded>"
        "<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>"
        f"<wp:meta_value>2020/01/photo-{n}.jpg</wp:meta_value></wp:postmeta>"
        "<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>"
        "<wp:meta_value>A photo</wp:meta_value></wp:postmeta></item>\n"
    )


def post_content(rng: random.Random, n: int) -> str:
    """Six paragraphs, from the classic editor (odd posts) or the block editor (even ones);
    every tenth post also shows a photo in a caption shortcode."""
    if n % 2:
        content = "\n\n".join(paragraph(rng) for _ in range(6))
    else:
        content = "\n\n".join(
            f"<!-- wp:paragraph -->\n<p>{paragraph(rng)}</p>\n<!-- /wp:paragraph -->"
            for _ in range(6)
        )
    if n % 10 == 0:
        content += (
            f'\n\n[caption id="attachment_{100000 + n // 10 - 1}"]<img src="https://'
            f'bench.example/wp-content/uploads/2020/01/photo-{n // 10 - 1}.jpg" '
            'alt="A photo" /> A caption[/caption]'
        )
    return content


def post(rng: random.Random, n: int, date: str) -> str:
    """Post ``n``, up to where its comments go: the caller closes the item."""
    content = post_content(rng, n)
    category = rng.choice(CATEGORIES)
    chosen_tags = rng.sample(TAGS, 3)
    # Every tenth post has a featured image.
    meta = (
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        f"<wp:meta_value>{100000 + n // 10 - 1}</wp:meta_value></wp:postmeta>"
        if n % 10 == 0
        else ""
    )
    return (
        f"<item><title>{escape(sentence(rng, 8))}</title>"
        f"<link>https://bench.example/{category[0]}/post-{n}/</link>"
        f'<guid isPermaLink="false">https://bench.example/?p={n}</guid>'
        f"<dc:creator>writer{n % 20}</dc:creator>"
        f"<content:encoded>{cdata(content)}</content:encoded>"
        f"<excerpt:encoded>{cdata(sentence(rng))}</excerpt:encoded>"
        f"<wp:post_id>{n}</wp:post_id><wp:post_date>{date}</wp:post_date>"
        f"<wp:post_date_gmt>{date}</wp:post_date_gmt>"
        f"<wp:post_modified_gmt>{date}</wp:post_modified_gmt>"
        "<wp:comment_status>open</wp:comment_status>"
        f"<wp:post_name>post-{n}</wp:post_name><wp:status>publish</wp:status>"
        "<wp:post_type>post</wp:post_type>"
        f'<category domain="category" nicename="{category[0]}">{category[1]}</category>'
        + "".join(
            f'<category domain="post_tag" nicename="{slug}">{name}</category>'
            for slug, name in chosen_tags
        )
        + meta
    )


def comment(rng: random.Random, comment_id: int, k: int, date: str) -> str:
    """The ``k``-th comment on a post, numbered ``comment_id`` in the export.

    Every third starts a thread and the others answer the comment before them, so threads
    nest; the first of every seven is held for moderation.
    """
    parent = 0 if k % 3 == 0 else comment_id - 1
    return (
        f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
        f"<wp:comment_author>{cdata(f'Reader {comment_id % 997}')}"
        "</wp:comment_author>"
        f"<wp:comment_author_email>r{comment_id % 997}@example.org"
        "</wp:comment_author_email>"
        "<wp:comment_author_IP>198.51.100.7</wp:comment_author_IP>"
        f"<wp:comment_date_gmt>{date}</wp:comment_date_gmt>"
        f"<wp:comment_content>{cdata(sentence(rng, 25))}</wp:comment_content>"
        f"<wp:comment_approved>{'1' if k % 7 else '0'}</wp:comment_approved>"
        "<wp:comment_type>comment</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--comments-per-post", type=int, default=5)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in the temp dir")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as folder:
        folder = Path(folder)
        export, uploads = folder / "export.xml", folder / "uploads"
        started = time.perf_counter()
        photos = generate(export, uploads, options.posts, options.comments_per_post)
        generated = time.perf_counter() - started

        os.environ["DATABASE_URL"] = options.database_url or f"sqlite:///{folder / 'db.sqlite3'}"
        os.environ["MEDIA_ROOT"] = str(folder / "media")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        before = peak_rss_mb()
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command(
                "import_wordpress",
                str(export),
                media_dir=str(uploads),
                stdout=quiet,
                stderr=sys.stderr if sys.stderr.isatty() else quiet,
            )
        elapsed = time.perf_counter() - started

        from articles.models import Article
        from comments.models import Comment

        articles, comments = Article.objects.count(), Comment.objects.count()
        items = articles + comments
        size = export.stat().st_size / 1e6
        print(f"export             {size:.0f} MB ({generated:.0f} s to generate)")
        print(f"database           {os.environ['DATABASE_URL'].split(':')[0]}")
        print(f"imported           {articles} articles, {comments} comments, {photos} photos")
        print(f"time               {elapsed:.1f} s")
        print(f"items per second   {items / elapsed:,.0f} (articles + comments)")
        print(f"peak RSS           {peak_rss_mb():.0f} MB (before the import: {before:.0f} MB)")


if __name__ == "__main__":
    main()
