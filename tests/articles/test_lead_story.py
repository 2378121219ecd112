"""The home page's lead story: chosen by editors, one at a time, shown only while live."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article
from tests.helpers.admin import (
    CHANGELIST_URL,
    FUTURE,
    assert_saved,
    change_url,
    errors,
    field_errors,
    form_data,
    post_action,
    split_datetime,
)
from tests.helpers.html import find, parse, text_of
from tests.helpers.queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0  # these tests are about the page, not its cached copy


def lead_headline(client) -> str:
    blocks = find(parse(client.get("/")), "section", "lead-story")
    assert len(blocks) == 1
    return text_of(blocks[0].getElementsByTagName("h2")[0])


def section_block_text(client) -> str:
    return " ".join(text_of(block) for block in find(parse(client.get("/")), "section",
                                                        "section-block"))  # fmt: skip


@pytest.fixture
def older_and_newest(make_article, make_author):
    writer = make_author("Amira Khalil")
    older = make_article("Chosen story", authors=[writer],
                         publish_at=timezone.now() - timedelta(days=2))  # fmt: skip
    newest = make_article("Newest story", authors=[writer],
                          publish_at=timezone.now() - timedelta(minutes=5))  # fmt: skip
    return older, newest


# --- The home page -------------------------------------------------------------------------


def test_chosen_article_leads_instead_of_the_newest(client, older_and_newest):
    older, _newest = older_and_newest
    older.is_lead = True
    older.save()

    assert lead_headline(client) == "Chosen story"
    below = section_block_text(client)
    assert "Newest story" in below  # the newest is an ordinary story now
    assert "Chosen story" not in below  # and the lead is not repeated


def test_without_a_chosen_lead_the_newest_leads(client, older_and_newest):
    assert lead_headline(client) == "Newest story"
    assert "Chosen story" in section_block_text(client)


def test_section_blocks_keep_four_stories_and_drop_a_section_left_empty(
    client, make_article, make_section
):
    sport = make_section("Sport", position=1)
    lonely = make_article("Only sport story", section=sport, is_lead=True,
                          publish_at=timezone.now() - timedelta(days=9))  # fmt: skip
    for n in range(6):
        make_article(f"World story {n}", publish_at=timezone.now() - timedelta(hours=n))

    page = parse(client.get("/"))
    assert text_of(find(page, "section", "lead-story")[0].getElementsByTagName("h2")[0]) == (
        lonely.headline
    )
    blocks = find(page, "section", "section-block")
    assert [text_of(block.getElementsByTagName("h2")[0]) for block in blocks] == ["World"]
    shown = [text_of(h) for h in find(blocks[0], "h3", "headline")]
    assert shown == [f"World story {n}" for n in range(4)]


def test_releasing_the_lead_hands_the_home_page_back_to_the_newest(client, older_and_newest):
    older, _newest = older_and_newest
    older.is_lead = True
    older.save()
    older.is_lead = False
    older.save()
    assert lead_headline(client) == "Newest story"


def test_unpublished_lead_is_released_and_the_newest_leads(client, older_and_newest):
    older, _newest = older_and_newest
    older.is_lead = True
    older.save()
    older.status = Article.Status.DRAFT
    older.save()

    assert lead_headline(client) == "Newest story"
    older.refresh_from_db()
    assert not older.is_lead
    older.status = Article.Status.PUBLISHED
    older.save()
    assert lead_headline(client) == "Newest story"  # published again, it does not lead again


def test_scheduled_lead_leads_only_from_its_publish_time(client, make_article, time_machine):
    make_article("Newest story")
    publish_at = timezone.now() + timedelta(hours=1)
    make_article("Embargoed lead", publish_at=publish_at, is_lead=True)

    assert lead_headline(client) == "Newest story"
    time_machine.move_to(publish_at + timedelta(seconds=1), tick=False)
    assert lead_headline(client) == "Embargoed lead"


def test_lead_ends_at_its_lead_until_time(client, older_and_newest, time_machine):
    older, _newest = older_and_newest
    older.is_lead, older.lead_until = True, timezone.now() + timedelta(hours=1)
    older.save()

    assert lead_headline(client) == "Chosen story"
    time_machine.move_to(older.lead_until + timedelta(seconds=1), tick=False)
    assert lead_headline(client) == "Newest story"
    assert "Chosen story" in section_block_text(client)


def test_home_page_queries_are_the_same_with_a_chosen_lead(client, make_article, make_section):
    for section in (None, make_section("Business", position=1)):
        for _ in range(6):
            make_article(**({"section": section} if section else {}))
    without = count_queries(client, "/")
    chosen = Article.objects.order_by("publish_at").first()  # the oldest
    chosen.is_lead = True
    chosen.save()

    assert count_queries(client, "/") == without <= 9  # the navigation read afresh, each time
    assert lead_headline(client) == chosen.display_headline


# --- One lead at a time --------------------------------------------------------------------


def test_choosing_a_lead_releases_the_one_before(make_article):
    first = make_article(is_lead=True)
    second = make_article()
    second.is_lead = True
    second.save()

    first_now = Article.objects.get(pk=first.pk)
    assert not first_now.is_lead
    assert first_now.version == first.version + 1  # a form still showing it as lead is stale
    assert list(Article.objects.filter(is_lead=True)) == [second]


def test_database_refuses_a_second_lead(make_article):
    make_article(is_lead=True)
    other = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=other.pk).update(is_lead=True)


def test_database_refuses_a_draft_lead(make_article):
    draft = make_article(status=Article.Status.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=draft.pk).update(is_lead=True)


# --- The admin -----------------------------------------------------------------------------


def test_editor_makes_an_article_the_lead_from_its_page(client, editor_user, older_and_newest):
    older, _newest = older_and_newest
    client.force_login(editor_user)
    data = form_data(client.get(change_url(older)))
    assert "is_lead" not in data  # not the lead yet: the box is unticked
    data["is_lead"] = "on"
    data.update(split_datetime("lead_until", FUTURE))

    assert_saved(client.post(change_url(older), data))

    older.refresh_from_db()
    assert older.is_lead and older.lead_until == FUTURE
    client.logout()
    assert lead_headline(client) == "Chosen story"


def test_editor_cannot_make_a_draft_the_lead(client, editor_user, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = form_data(client.get(change_url(draft))) | {"is_lead": "on"}

    response = client.post(change_url(draft), data)

    assert field_errors(response, "is_lead") == [
        "Only a published or scheduled article can lead the home page."
    ]
    assert not Article.objects.filter(is_lead=True).exists()


@pytest.mark.parametrize(
    ("tick", "until", "message"),
    [
        (False, FUTURE, "Tick “Lead story” as well, or leave this empty."),
        (True, timezone.now() - timedelta(hours=1), "This time has passed; choose a later one."),
    ],
)
def test_editor_lead_until_needs_a_lead_and_a_time_to_come(
    client, editor_user, make_article, tick, until, message
):
    article = make_article()
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article))) | split_datetime("lead_until", until)
    if tick:
        data["is_lead"] = "on"

    response = client.post(change_url(article), data)

    assert message in errors(response)
    assert not Article.objects.get(pk=article.pk).is_lead


def test_make_lead_action_releases_the_previous_lead_and_stop_leading_hands_back(
    client, editor_user, older_and_newest, make_article
):
    older, newest = older_and_newest
    previous = make_article("Yesterday's lead", is_lead=True)
    client.force_login(editor_user)

    post_action(client, "make_lead", older)
    assert list(Article.objects.filter(is_lead=True)) == [older]
    assert Article.objects.get(pk=older.pk).version == older.version + 1
    assert not Article.objects.get(pk=previous.pk).is_lead

    post_action(client, "stop_leading", older, newest)
    assert not Article.objects.filter(is_lead=True).exists()
    client.logout()
    assert lead_headline(client) == "Newest story"


def test_make_lead_action_takes_exactly_one_published_article(
    client, editor_user, older_and_newest, make_article
):
    older, newest = older_and_newest
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)

    post_action(client, "make_lead", older, newest)
    post_action(client, "make_lead", draft)

    assert not Article.objects.filter(is_lead=True).exists()


def test_change_form_of_a_released_lead_cannot_take_the_lead_back(
    client, editor_user, older_and_newest
):
    older, newest = older_and_newest
    older.is_lead = True
    older.save()
    client.force_login(editor_user)
    opened = form_data(client.get(change_url(older)))
    assert opened["is_lead"] == "on"

    post_action(client, "make_lead", newest)
    response = client.post(change_url(older), opened | {"headline": "Chosen story, edited"})

    assert response.status_code == 200  # the edit-conflict message, not a save
    assert list(Article.objects.filter(is_lead=True)) == [newest]


def test_changelist_says_which_article_leads(client, editor_user, make_article):
    make_article("Ordinary story")
    make_article("Scheduled lead", publish_at=FUTURE, is_lead=True)
    client.force_login(editor_user)

    rows = {
        text_of(find(row, "th", "field-display_headline")[0]): text_of(cells[0])
        for row in parse(client.get(CHANGELIST_URL)).getElementsByTagName("tr")
        if (cells := find(row, "td", "field-publication"))
    }
    assert rows["Scheduled lead"] == "Scheduled · will lead"
    assert rows["Ordinary story"] == "Published"

    post_action(client, "make_lead", Article.objects.get(headline="Ordinary story"))
    page = client.get(CHANGELIST_URL).content.decode()
    assert '<td class="field-publication">Published · leads</td>' in page


def test_author_sees_the_lead_fields_read_only(client, author_user, make_article):
    draft = make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)

    form = client.get(change_url(draft)).context["adminform"].form

    assert "is_lead" not in form.fields and "lead_until" not in form.fields


def test_author_is_neither_offered_nor_allowed_the_lead_actions(client, author_user, make_article):
    own = make_article(created_by=author_user)
    draft = make_article(status=Article.Status.DRAFT, created_by=author_user)
    client.force_login(author_user)

    actions = dict(client.get(CHANGELIST_URL).context["action_form"].fields["action"].choices)
    assert "make_lead" not in actions and "stop_leading" not in actions

    post_action(client, "make_lead", own)
    post_action(client, "make_lead", draft)
    assert not Article.objects.filter(is_lead=True).exists()
