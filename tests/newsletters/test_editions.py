"""Drafting: which articles an edition gets, and when editions are due."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from newsroom.newsletters import editions, tasks
from newsroom.newsletters.models import Edition, EditionItem, Newsletter


def headlines(edition):
    return [item.article.headline for item in edition.items.select_related("article")]


def test_every_article_since_the_last_edition_newest_first(make_newsletter, make_article):
    newsletter = make_newsletter()
    now = timezone.now()
    make_article("Too old", publish_at=now - timedelta(days=3))
    make_article("Morning", publish_at=now - timedelta(hours=5))
    make_article("Noon", publish_at=now - timedelta(hours=2))
    make_article("Draft", status="draft")
    make_article("Scheduled", publish_at=now + timedelta(hours=1))
    slot = now - timedelta(hours=3)
    first = editions.draft(newsletter, until=slot, send_at=slot)
    assert headlines(first) == ["Morning"]
    second = editions.draft(newsletter, until=now)
    assert second.articles_since == slot
    assert headlines(second) == ["Noon"]  # Morning went out already; Scheduled is not out


def test_sections_and_regions_choose_the_articles(
    make_newsletter, make_article, make_section, make_region
):
    culture, sport = make_section("Culture"), make_section("Sport")
    kurdistan, basra = make_region("Kurdistan"), make_region("Basra")
    make_article("In culture", section=culture)
    make_article("In sport", section=sport)
    make_article("In Kurdistan", section=sport, regions=[kurdistan])
    make_article("In Basra", regions=[basra])
    until = timezone.now()
    by_section = editions.draft(make_newsletter(sections=[culture]), until=until)
    by_region = editions.draft(make_newsletter(regions=[kurdistan]), until=until)
    both = editions.draft(make_newsletter(sections=[culture], regions=[basra]), until=until)
    everything = editions.draft(make_newsletter(), until=until)
    assert headlines(by_section) == ["In culture"]
    assert headlines(by_region) == ["In Kurdistan"]
    assert set(headlines(both)) == {"In culture", "In Basra"}
    assert len(headlines(everything)) == 4


def test_slots_follow_the_newsletters_time_zone_across_summer_time(make_newsletter):
    newsletter = make_newsletter(send_time=time(7, 0), time_zone="Europe/Lisbon")
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    assert editions.last_slot(newsletter, winter) == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert editions.last_slot(newsletter, summer) == datetime(2026, 7, 15, 6, 0, tzinfo=UTC)
    early = datetime(2026, 7, 15, 5, 0, tzinfo=UTC)
    assert editions.last_slot(newsletter, early) == datetime(2026, 7, 14, 6, 0, tzinfo=UTC)
    assert editions.next_slot(newsletter, early) == datetime(2026, 7, 15, 6, 0, tzinfo=UTC)


def test_weekly_slot_is_on_its_weekday(make_newsletter):
    newsletter = make_newsletter(cadence=Newsletter.Cadence.WEEKLY, weekday=4, send_time=time(16))
    wednesday = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert editions.last_slot(newsletter, wednesday) == datetime(2026, 12, 4, 16, tzinfo=UTC)
    assert editions.next_slot(newsletter, wednesday) == datetime(2026, 12, 11, 16, tzinfo=UTC)


@pytest.mark.django_db
def test_the_clock_drafts_each_slot_once_and_sends_only_self_sending_ones(
    make_newsletter, make_article, subscribe, mailoutbox, django_capture_on_commit_callbacks
):
    start = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        waits = make_newsletter("Waits for an editor")
        goes = make_newsletter("Sends itself", sends_itself=True)
        subscribe(waits), subscribe(goes)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        make_article("Overnight story")
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.run_clock()["drafted"] == 2
        assert tasks.run_clock()["drafted"] == 0  # the 07:00 slot is drafted once
    assert Edition.objects.get(newsletter=waits).status == Edition.Status.DRAFT
    sent = Edition.objects.get(newsletter=goes)
    assert sent.status == Edition.Status.SENT
    assert [m.subject for m in mailoutbox] == [sent.subject]
    assert headlines(sent) == ["Overnight story"]


@pytest.mark.django_db
def test_a_slot_missed_for_hours_is_skipped_not_sent_late(make_newsletter):
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        newsletter = make_newsletter(sends_itself=True)
    late = datetime(2026, 12, 7, 7, 0, tzinfo=UTC) + editions.GRACE + timedelta(minutes=1)
    assert editions.draft_due(newsletter, late) is None


def test_breaking_alert_is_drafted_once_per_article(make_newsletter, make_article):
    breaking = make_newsletter("Breaking news", cadence=Newsletter.Cadence.ON_PUBLISH)
    make_newsletter("Daily")
    article = make_article("Dam bursts")
    alert = editions.breaking_alert(article)
    assert alert.newsletter == breaking and headlines(alert) == ["Dam bursts"]
    assert editions.breaking_alert(article) is None
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Edition.objects.create(newsletter=breaking, subject="again", breaking_article=article)
    assert EditionItem.objects.filter(article=article).count() == 1


def test_no_alert_for_an_unpublished_article_or_without_a_breaking_list(
    make_newsletter, make_article
):
    draft = make_article(status="draft")
    assert editions.breaking_alert(make_article()) is None  # no on-publish newsletter
    make_newsletter("Breaking", cadence=Newsletter.Cadence.ON_PUBLISH)
    assert editions.breaking_alert(draft) is None
