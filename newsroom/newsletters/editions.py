"""Drafting editions: which articles go in, and when a newsletter's next edition is due.

A daily or weekly newsletter has one edition per *slot*: its send time, on its day, in its
own time zone (07:00 in Europe/Lisbon stays 07:00 across daylight-saving changes). At the
slot an edition is drafted from the articles published since the previous edition was
drafted, that its sections or regions match (neither chosen: every article), newest first.
Newsletters that send themselves then send it; the others wait for an editor's Send.

A breaking alert is one short edition for one article, sent at once to the first
on-publish newsletter the article matches; the edition's one-to-one ``breaking_article``
makes a second alert for the same article impossible, even from two editors at once.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article

from .models import Edition, EditionItem, Newsletter

PERIOD = {Newsletter.Cadence.DAILY: timedelta(days=1), Newsletter.Cadence.WEEKLY: timedelta(days=7)}
# A slot missed by more than this (the worker was down) is skipped, not sent late.
GRACE = timedelta(hours=6)
MAX_ITEMS = 20


def last_slot(newsletter: Newsletter, now: datetime) -> datetime | None:
    """The newsletter's latest send time at or before ``now`` (None: it has no schedule)."""
    period = PERIOD.get(newsletter.cadence)
    if period is None:
        return None
    zone = ZoneInfo(newsletter.time_zone)
    local = now.astimezone(zone)
    slot = datetime.combine(local.date(), newsletter.send_time, tzinfo=zone)
    if newsletter.cadence == Newsletter.Cadence.WEEKLY:
        slot -= timedelta(days=(local.weekday() - newsletter.weekday) % 7)
    if slot > local:
        slot -= period  # wall-clock arithmetic: the same local time a period earlier
    return slot.astimezone(UTC)


def next_slot(newsletter: Newsletter, now: datetime) -> datetime | None:
    slot = last_slot(newsletter, now)
    if slot is None:
        return None
    zone = ZoneInfo(newsletter.time_zone)
    return (slot.astimezone(zone) + PERIOD[newsletter.cadence]).astimezone(UTC)


def matching(newsletter: Newsletter, articles):
    """Narrow ``articles`` to the newsletter's sections and regions (none chosen: all)."""
    sections = list(newsletter.sections.values_list("pk", flat=True))
    regions = list(newsletter.regions.values_list("pk", flat=True))
    if not sections and not regions:
        return articles
    return articles.filter(Q(section__in=sections) | Q(regions__in=regions)).distinct()


def previous_edition(newsletter: Newsletter) -> Edition | None:
    return (
        newsletter.editions.filter(breaking_article__isnull=True)
        .order_by(Coalesce("send_at", "created_at").desc(), "-pk")
        .first()
    )


def candidates(newsletter: Newsletter, since: datetime, until: datetime, exclude=()):
    published = Article.objects.published().filter(publish_at__gt=since, publish_at__lte=until)
    chosen = matching(newsletter, published).exclude(pk__in=list(exclude))
    return chosen.order_by("-publish_at", "-pk")[:MAX_ITEMS]


def draft(newsletter: Newsletter, *, until: datetime, send_at: datetime | None = None) -> Edition:
    """A draft edition of the articles published since the previous one, up to ``until``."""
    previous = previous_edition(newsletter)
    if previous is not None:
        since = previous.send_at or previous.created_at
        already = previous.items.values_list("article_id", flat=True)
    else:
        since = until - PERIOD.get(newsletter.cadence, timedelta(days=1))
        already = ()
    local = timezone.localtime(send_at or until, ZoneInfo(newsletter.time_zone))
    edition = Edition.objects.create(
        newsletter=newsletter,
        subject=f"{newsletter.name} · {local.day} {local:%B %Y}",
        send_at=send_at,
        articles_since=since,
    )
    articles = candidates(newsletter, since, until, already)
    EditionItem.objects.bulk_create(
        EditionItem(edition=edition, article=article, order=position)
        for position, article in enumerate(articles)
    )
    return edition


def draft_due(newsletter: Newsletter, now: datetime) -> Edition | None:
    """Draft the edition of the newsletter's latest slot, unless drafted already, missed
    by more than GRACE, or older than the newsletter."""
    slot = last_slot(newsletter, now)
    if slot is None or now - slot > GRACE or slot < newsletter.created_at:
        return None
    with transaction.atomic():
        # One drafter per newsletter at a time (a row lock on PostgreSQL; SQLite's
        # writers queue anyway), so two workers never draft the same slot twice.
        Newsletter.objects.select_for_update().filter(pk=newsletter.pk).first()
        if newsletter.editions.filter(send_at=slot, breaking_article__isnull=True).exists():
            return None
        return draft(newsletter, until=slot, send_at=slot)


def draft_all_due(now: datetime) -> list[Edition]:
    scheduled = Newsletter.objects.exclude(cadence=Newsletter.Cadence.ON_PUBLISH)
    drafted = (draft_due(newsletter, now) for newsletter in scheduled)
    return [edition for edition in drafted if edition is not None]


def due_to_send_itself(now: datetime):
    """Drafts of self-sending newsletters whose time has come (and not long gone)."""
    return Edition.objects.filter(
        status=Edition.Status.DRAFT,
        newsletter__sends_itself=True,
        breaking_article__isnull=True,
        send_at__lte=now,
        send_at__gt=now - GRACE,
        items__isnull=False,
    ).distinct()


def breaking_newsletter(article: Article) -> Newsletter | None:
    """The on-publish newsletter an alert for this article goes to, if any."""
    on_publish = Newsletter.objects.filter(cadence=Newsletter.Cadence.ON_PUBLISH)
    for newsletter in on_publish:
        if matching(newsletter, Article.objects.filter(pk=article.pk)).exists():
            return newsletter
    return None


def breaking_alert(article: Article) -> Edition | None:
    """Draft the one breaking edition for a published article; None when the article is not
    visible, no newsletter takes alerts, or an alert for it exists already."""
    if not Article.objects.published().filter(pk=article.pk).exists():
        return None
    newsletter = breaking_newsletter(article)
    if newsletter is None:
        return None
    try:
        with transaction.atomic():
            edition = Edition.objects.create(
                newsletter=newsletter,
                subject=f"Breaking: {article.display_headline}",
                breaking_article=article,
                send_at=timezone.now(),
                articles_since=article.publish_at,
            )
            EditionItem.objects.create(edition=edition, article=article)
    except IntegrityError:  # an alert for this article exists: never twice
        return None
    return edition
