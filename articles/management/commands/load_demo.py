import io
import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from articles import body, images
from articles.demo import archive, content
from articles.models import (
    Article,
    Author,
    BodyPhoto,
    Byline,
    Correction,
    Embed,
    Page,
    Photo,
    Quote,
    ReadMore,
    Region,
    RelatedLink,
    Section,
    TextBlock,
)

PALETTES = [
    ((32, 58, 96), (214, 160, 92)),
    ((22, 80, 70), (230, 214, 170)),
    ((90, 40, 40), (240, 190, 120)),
    ((40, 40, 70), (150, 170, 210)),
    ((60, 70, 30), (210, 200, 140)),
    ((20, 60, 100), (120, 200, 220)),
]
PHOTOGRAPHERS = [("Rami Haddad", "Meridian"), ("Grace Achieng", "Lakeside Pictures"),
                 ("Omar Said", "Meridian"), ("Ines Duarte", "Southwind Agency")]  # fmt: skip


def demo_image(seed: int, width: int = 1600, height: int = 900) -> bytes:
    """An abstract landscape: sky gradient, hills and a sun, different for every seed."""
    rng = random.Random(seed)
    top, bottom = PALETTES[seed % len(PALETTES)]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    sun = (rng.randint(200, width - 200), rng.randint(120, height // 2))
    draw.ellipse([sun[0] - 70, sun[1] - 70, sun[0] + 70, sun[1] + 70], fill=(250, 225, 170))
    for layer in range(3):
        base = height * (0.55 + 0.13 * layer)
        shade = tuple(max(0, c - 40 - 30 * layer) for c in bottom)
        points = (
            [(0, height)]
            + [(x, base + rng.randint(-60, 60)) for x in range(0, width + 200, 200)]
            + [(width, height)]
        )
        draw.polygon(points, fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def outline(i: int) -> tuple[str, str, str, str, str]:
    """Section, kind, region, headline and standfirst of the ``i``-th regular article: the
    stories in turn, numbered as parts once they run out."""
    stories = content.STORIES
    section, kind, region, headline, standfirst = stories[i % len(stories)]
    if i >= len(stories):
        headline = f"{headline} (part {i // len(stories) + 1})"
    return section, kind, region, headline, standfirst


def schedule(i: int, now):
    """Status and publish time of the ``i``-th article: mostly published, five hours
    apart, with a few drafts, articles in review and scheduled ones among them."""
    if i in (7, 19, 31):
        return Article.Status.DRAFT, None
    if i in (11, 27):
        return Article.Status.REVIEW, None
    if i in (5, 23):
        return Article.Status.PUBLISHED, now + timedelta(days=1 + i % 3)  # scheduled
    return Article.Status.PUBLISHED, now - timedelta(hours=5 * i + 3)


class Command(BaseCommand):
    help = "Fill the site with invented demo content. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles",
            type=int,
            default=len(content.STORIES),
            help="How many regular articles to have (default: %(default)s).",
        )
        parser.add_argument("--seed", type=int, default=2017)

    def handle(self, *args, articles, seed, **options):
        if articles < 0:
            raise CommandError("--articles must be zero or more.")
        rng = random.Random(seed)
        now = timezone.now()
        with transaction.atomic():
            sections, regions, authors = self.vocabulary()
            photos = [self.photo(i) for i in range(12)]
            created = 0
            stories = min(articles, len(content.STORIES))
            for i in range(stories):
                created += self.story(i, rng, now, sections, regions, authors, photos)
            # Past the demo's own stories, an archive of older ones, written in bulk.
            created += archive.add_articles(range(stories, articles), seed=seed,
                                            before=now - timedelta(hours=5 * stories),
                                            sections=sections, regions=regions,
                                            authors=authors, photos=photos)  # fmt: skip
            created += self.reference_article(sections, regions, authors, photos, now)
            pages = self.pages()
        if connection.vendor == "postgresql":
            # Statistics for the planner now, not whenever autovacuum (if it runs) gets to
            # them: a freshly bulk-loaded table planned as if empty took seconds a page.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content ready: {Article.objects.count()} articles "
                f"({created} new), {len(sections)} sections, {len(regions)} regions, "
                f"{len(authors)} authors, {pages} pages."
            )
        )

    def pages(self) -> int:
        """About, Support us, Ethics, Contact and Privacy, unless they exist (an editor's
        edits are kept)."""
        for position, (title, slug, nav, footer, text) in enumerate(content.PAGES):
            Page.objects.get_or_create(
                slug=slug,
                defaults={"title": title, "body": text, "in_navigation": nav,
                          "in_footer": footer, "position": position, "published": True},
            )  # fmt: skip
        return Page.objects.count()

    def vocabulary(self) -> tuple[dict, dict, dict]:
        """The demo's sections, regions and authors, each by the key the content uses."""
        sections = {
            slug: Section.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": text, "position": i}
            )[0]
            for i, (name, slug, text) in enumerate(content.SECTIONS)
        }
        regions = {
            name: Region.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
            for name in content.REGIONS
        }
        authors = {
            name: Author.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "bio": bio}
            )[0]
            for name, bio in content.AUTHORS
        }
        return sections, regions, authors

    def story(self, i: int, rng: random.Random, now, sections, regions, authors, photos) -> int:
        """The ``i``-th regular article, with its region and byline; returns 1 if it was
        created. Draws from ``rng`` whether or not it exists, so the rest come out the same."""
        section, kind, region, headline, standfirst = outline(i)
        status, publish_at = schedule(i, now)
        paragraphs = rng.sample(content.PARAGRAPHS, 5)
        article, new = Article.objects.get_or_create(
            slug=slugify(headline),
            defaults={
                "headline": headline,
                "standfirst": standfirst,
                "kind": kind,
                "section": sections[section],
                "primary_region": regions[region],
                "lead_photo": photos[(i + i // 6) % len(photos)] if i % 4 != 3 else None,
                "status": status,
                "publish_at": publish_at,
            },
        )
        if not new:
            return 0
        blocks = [TextBlock(text=p.format(region=region)) for p in paragraphs]
        if headline in content.EMBEDS:
            words, url = content.EMBEDS[headline]
            embed = Embed(url=url)
            embed.clean()  # its provider
            blocks[2:2] = [TextBlock(text=words), embed]
        body.write_blocks(article, blocks)
        article.regions.set([regions[region]])
        names = [a for a, _ in content.AUTHORS]
        writer = names[-2] if kind == "opinion" else names[i % (len(names) - 1)]
        Byline.objects.create(article=article, author=authors[writer])
        return 1

    def photo(self, i: int) -> Photo:
        # Stored under a dated folder, possibly with a suffix the storage added.
        existing = Photo.objects.filter(image__contains=f"/demo/landscape-{i}").first()
        if existing:
            images.build_renditions(existing)  # if an earlier run predates renditions
            return existing
        photographer, agency = PHOTOGRAPHERS[i % len(PHOTOGRAPHERS)]
        photo = Photo(
            caption=(
                f"Late light over the hills outside the town, photographed on assignment "
                f"(demo image {i + 1})."
            ),
            alt_text=f"Layered hills under a setting sun, illustration {i + 1}",
            photographer=photographer,
            agency=agency,
        )
        photo.image.save(f"demo/landscape-{i}.jpg", ContentFile(demo_image(i)), save=False)
        photo.save()
        images.build_renditions(photo)
        return photo

    def reference_article(self, sections, regions, authors, photos, now) -> int:
        """The article with every part of the reference page; returns 1 if it was created."""
        ref = content.REFERENCE
        if Article.objects.filter(slug=ref["slug"]).exists():
            return 0
        published = Article.objects.published().exclude(kind="opinion")
        other = published.filter(primary_region=regions["Iraq"]).first() or published.first()
        article = Article.objects.create(
            slug=ref["slug"],
            headline=ref["headline"],
            standfirst=ref["standfirst"],
            section=sections[ref["section"]],
            primary_region=regions[ref["region"]],
            lead_photo=photos[0],
            status=Article.Status.PUBLISHED,
            publish_at=now - timedelta(minutes=30),
        )
        article.regions.set([regions[name] for name in ref["regions"]])
        for position, name in enumerate(ref["authors"]):
            Byline.objects.create(article=article, author=authors[name], position=position)
        quotes = [
            Quote(text=text, speaker=speaker, speaker_role=role)
            for text, speaker, role in ref["quotes"]
        ]
        places = {
            "quote": lambda number: quotes[number],
            "photo": lambda: BodyPhoto(photo=photos[1]),
            "readmore": lambda: ReadMore(target=other),
        }
        blocks = [
            TextBlock(text=part) if isinstance(part, str) else places[part[0]](*part[1:])
            for part in ref["body"]
        ]
        body.write_blocks(article, blocks)
        sidebar = published.exclude(pk__in=[article.pk, other.pk])[:3]
        for position, target in enumerate(sidebar, start=1):
            RelatedLink.objects.create(article=article, position=position, target=target)
        Correction.objects.create(article=article, text=ref["correction"])
        return 1
