import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Byline, Correction, TaggedRegion, TextBlock

_numbers = itertools.count(1)


@pytest.fixture
def grow_archive(section, make_section, make_region, make_author, make_photo):
    """Add ``n`` published articles in bulk, hourly, older than anything before, spread over
    two sections, one region and two authors, each with a photo, a byline and a region.

    Returns the region and the authors, for their pages.
    """
    other = make_section("Business")
    region = make_region("Chad")
    authors = [make_author(), make_author()]
    photo = make_photo()

    def grow(n: int):
        oldest = Article.objects.order_by("publish_at").values_list("publish_at", flat=True)
        start = (oldest.first() or timezone.now()) - timedelta(hours=1)
        numbers = [next(_numbers) for _ in range(n)]
        new = Article.objects.bulk_create(
            Article(
                headline=f"Archived story {i}",
                slug=f"archived-{i}",
                standfirst="An older story.",
                body_text=f"Storm over the archive, story {i}.",
                section=(section, other)[i % 2],
                primary_region=region,
                lead_photo=photo,
                status=Article.Status.PUBLISHED,
                publish_at=start - timedelta(hours=position),
            )
            for position, i in enumerate(numbers)
        )
        if new[0].pk is None:
            new = list(Article.objects.filter(slug__in=[a.slug for a in new]))
        TextBlock.objects.bulk_create(
            TextBlock(article=a, text=f"<p>{a.body_text}</p>", ordering=10) for a in new
        )
        TaggedRegion.objects.bulk_create(TaggedRegion(content_object=a, tag=region) for a in new)
        Byline.objects.bulk_create(
            Byline(article=a, author=authors[position % 2]) for position, a in enumerate(new)
        )
        Correction.objects.bulk_create(Correction(article=a, text="Fixed.") for a in new[::10])
        return region, authors

    return grow
