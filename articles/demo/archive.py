"""A large invented archive, written in bulk: ``load_demo --articles N`` past the demo.

The demo's own articles are made one by one (``load_demo``), as an editor would make
them; an archive of years is written here in batches of bulk inserts (articles, their
region and their byline), so 100,000 articles take minutes, not hours. Archive articles
are all published, older than the demo's, about ``SPACING`` apart, and numbered into
their slugs, so running the command again adds only the ones that are missing.
"""

import random
from datetime import timedelta

from django.db import transaction

from articles.markup import clean_editorial
from articles.models import Article, Byline, TaggedRegion, TextBlock, body_text

from . import content

BATCH = 2000
# About ten years for 100,000 articles: a busy small newsroom's output.
SPACING = timedelta(minutes=53)


def article_text(rng: random.Random, region: str) -> str:
    """An archive article's body text, five paragraphs long (one text block)."""
    paragraphs = rng.sample(content.PARAGRAPHS, 5)
    return clean_editorial("\n\n".join(p.format(region=region) for p in paragraphs))


def add_articles(numbers: range, *, before, sections, regions, authors, photos,
                 seed: int = 0) -> int:  # fmt: skip
    """Write the archive articles ``numbers`` (those not there yet); returns how many.

    The first is published ``SPACING`` before ``before``, each next one ``SPACING``
    earlier. ``sections``, ``regions`` and ``authors`` map the content's keys to rows, as
    ``load_demo`` builds them.
    """
    start = before + SPACING * (numbers.start - 1)
    numbers = list(numbers)
    created = 0
    for first in range(0, len(numbers), BATCH):
        with transaction.atomic():
            created += _batch(numbers[first : first + BATCH], start, sections, regions,
                              authors, photos, seed)  # fmt: skip
    return created


def _slug(i: int) -> str:
    return f"archive-{i}"


def _batch(numbers, start, sections, regions, authors, photos, seed) -> int:
    slugs = [_slug(i) for i in numbers]
    existing = set(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    writers = [name for name, _bio in content.AUTHORS]
    new, extras, texts = [], [], []
    for i in numbers:
        if _slug(i) in existing:
            continue
        rng = random.Random(seed * 1_000_003 + i)
        section, kind, region, headline, standfirst = content.STORIES[i % len(content.STORIES)]
        publish_at = start - SPACING * i
        new.append(
            Article(
                slug=_slug(i),
                headline=f"{headline} ({publish_at:%B %Y}, no. {i})",
                standfirst=standfirst,
                kind=kind,
                section=sections[section],
                primary_region=regions[region],
                lead_photo=photos[i % len(photos)] if photos and i % 4 != 3 else None,
                status=Article.Status.PUBLISHED,
                publish_at=publish_at,
            )
        )
        texts.append(article_text(rng, region))
        writer = writers[-2] if kind == "opinion" else writers[i % (len(writers) - 1)]
        extras.append((regions[region], authors[writer]))
    Article.objects.bulk_create(new)
    if not new or new[0].pk is None:  # a database that does not return keys
        by_slug = dict(
            Article.objects.filter(slug__in=[a.slug for a in new]).values_list("slug", "pk")
        )
        for article in new:
            article.pk = by_slug[article.slug]
    # Each body is one text block; bulk writes skip save(), so the search text is set here.
    TextBlock.objects.bulk_create(
        TextBlock(article_id=a.pk, text=text, ordering=10)
        for a, text in zip(new, texts, strict=True)
    )
    for article, text in zip(new, texts, strict=True):
        article.body_text = body_text([text])
    Article.objects.bulk_update(new, ["body_text"], batch_size=500)
    TaggedRegion.objects.bulk_create(
        TaggedRegion(content_object_id=a.pk, tag=region)
        for a, (region, _author) in zip(new, extras, strict=True)
    )
    Byline.objects.bulk_create(
        Byline(article_id=a.pk, author=author)
        for a, (_region, author) in zip(new, extras, strict=True)
    )
    return len(new)
