"""Edit conflicts: two people saving the same article never silently lose either's work.

Each editor opens the change form (a GET, as a browser does) and posts it back; the one
who saves second is told who saved meanwhile and what changed, and nothing is written.
"""

import io
import threading

import pytest
import reversion
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article
from tests.helpers.admin import (
    CHANGELIST_URL,
    add_row,
    assert_saved,
    change_url,
    errors,
    form_data,
    post_action,
)
from tests.helpers.wordpress import EXPORT, imported_object

REPETITIONS = 100
THREADED_REPETITIONS = 5
CONFLICT = "Someone else saved this article while you were editing it"


def is_conflict(response) -> bool:
    return response.status_code == 200 and any(CONFLICT in m for m in errors(response))


@pytest.fixture
def two_editors(make_staff):
    """Two logged-in browsers of two editors with names, as the conflict message shows them."""
    browsers = []
    for first, last in (("Amira", "Khalil"), ("Leila", "Farouk")):
        user = make_staff("Editor")
        user.first_name, user.last_name = first, last
        user.save()
        browser = Client()
        browser.force_login(user)
        browsers.append(browser)
    return browsers


def test_second_save_is_told_who_saved_what_and_writes_nothing(
    two_editors, make_article, make_author
):
    first, second = two_editors
    with reversion.create_revision():  # as if saved in the admin: a version is kept
        article = make_article("Original headline", authors=[make_author()])
    mine = form_data(first.get(change_url(article)))
    theirs = form_data(second.get(change_url(article)))
    mine["headline"] = "First editor's headline"
    add_row(mine, "quotes", ordering=100, region="body", speaker="Karim", text="Said first.")
    theirs["standfirst"] = "Second editor's standfirst"

    assert_saved(first.post(change_url(article), mine))
    response = second.post(change_url(article), theirs)

    assert is_conflict(response)
    message = " ".join(errors(response))
    assert "Amira Khalil" in message
    changed = message.split("Changed since you opened it: ")[1].split(".")[0].split(", ")
    assert {"headline", "quotes"} <= set(changed) and "standfirst" not in changed, message
    html = response.content.decode()
    history = reverse("admin:articles_article_history", args=[article.pk])
    assert f'href="{history}"' in html, "a link to compare the versions"
    assert "errornote" in html
    article.refresh_from_db()
    assert article.headline == "First editor's headline"
    assert article.standfirst == ""
    assert [q.text for q in article.quotes.all()] == ["Said first."]

    # Reloading and applying the change again works, and keeps the first editor's work.
    again = form_data(second.get(change_url(article)))
    again["standfirst"] = "Second editor's standfirst"
    assert_saved(second.post(change_url(article), again))
    article.refresh_from_db()
    assert (article.headline, article.standfirst) == (
        "First editor's headline",
        "Second editor's standfirst",
    )


def test_a_hundred_pairs_of_saves_from_one_starting_point_give_one_winner_each(
    two_editors, make_article, make_author
):
    article = make_article("Round 0", authors=[make_author()])
    outcomes = {"saved": 0, "conflict": 0, "other": 0}
    silent_overwrites = 0
    for round_ in range(1, REPETITIONS + 1):
        # Take turns at being first, so neither browser's session decides the outcome.
        browsers = two_editors if round_ % 2 else two_editors[::-1]
        # Both open the article at the same moment and so get the same form, which differs
        # from the last round's only in its edit-conflict counter. Rendering the form is
        # most of a round's cost, so it is fetched every tenth round (checking the counter
        # it holds) and otherwise the counter is read as the form would show it.
        version = Article.objects.values_list("version", flat=True).get(pk=article.pk)
        if round_ % 10 == 1:
            form = form_data(browsers[0].get(change_url(article)))
            assert form["version"] == str(version)
        opened = {**form, "version": str(version)}
        for number, browser in enumerate(browsers):
            data = {**opened, "headline": f"Round {round_} by browser {number}"}
            response = browser.post(change_url(article), data)
            if response.status_code == 302:
                outcomes["saved"] += 1
            elif is_conflict(response):
                outcomes["conflict"] += 1
            else:
                outcomes["other"] += 1
        article.refresh_from_db()
        if article.headline != f"Round {round_} by browser 0":
            silent_overwrites += 1

    print(
        f"edit conflicts: {REPETITIONS} repetitions, {outcomes['saved']} saved, "
        f"{outcomes['conflict']} conflicts, {silent_overwrites} silent overwrites"
    )
    assert outcomes == {"saved": REPETITIONS, "conflict": REPETITIONS, "other": 0}
    assert silent_overwrites == 0
    assert article.version == 1 + REPETITIONS


@pytest.mark.django_db(transaction=True)
def test_two_editors_posting_at_the_same_moment_give_one_winner_each(django_user_model, section):
    # Superusers: this test's database is emptied afterwards, groups and all.
    article = Article.objects.create(headline="Round 0", slug="race", section=section)
    browsers = []
    for number in range(2):
        user = django_user_model.objects.create_superuser(f"racer{number}", password="x-x-x-x")
        browser = Client()
        browser.force_login(user)
        browsers.append(browser)
    saved = conflicts = silent_overwrites = 0
    failures: list[BaseException] = []
    for round_ in range(1, THREADED_REPETITIONS + 1):
        opened = [form_data(browser.get(change_url(article))) for browser in browsers]
        start = threading.Barrier(2)
        results: dict[int, object] = {}

        def save(number, browser, data, start=start, results=results, round_=round_):
            try:
                data["headline"] = f"Round {round_} by browser {number}"
                start.wait(timeout=30)
                results[number] = browser.post(change_url(article), data)
            except BaseException as error:  # reported below, with its traceback
                failures.append(error)
            finally:
                connections.close_all()

        workers = [
            threading.Thread(target=save, args=(n, browsers[n], opened[n])) for n in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert not failures, failures
        winners = [n for n, response in results.items() if response.status_code == 302]
        saved += len(winners)
        conflicts += sum(is_conflict(response) for response in results.values())
        article.refresh_from_db()
        if len(winners) != 1 or article.headline != f"Round {round_} by browser {winners[0]}":
            silent_overwrites += 1

    print(
        f"edit conflicts, concurrent: {THREADED_REPETITIONS} repetitions, {saved} saved, "
        f"{conflicts} conflicts, {silent_overwrites} silent overwrites"
    )
    assert (saved, conflicts, silent_overwrites) == (
        THREADED_REPETITIONS,
        THREADED_REPETITIONS,
        0,
    )


def test_a_publish_action_after_the_form_was_opened_is_not_saved_over(
    client, editor_user, make_article, make_author
):
    article = make_article(
        "Waiting", status=Article.Status.DRAFT, publish_at=None, authors=[make_author()]
    )
    client.force_login(editor_user)
    stale = form_data(client.get(change_url(article)))
    stale["headline"] = "Edited in a tab opened before publishing"

    assert post_action(client, "publish_now", article).status_code == 302
    assert is_conflict(client.post(change_url(article), stale))

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.headline == "Waiting"
    # A form opened after the action saves without any conflict.
    fresh = form_data(client.get(change_url(article)))
    fresh["headline"] = "Edited after publishing"
    assert_saved(client.post(change_url(article), fresh))
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Edited after publishing", "published")


def test_bulk_actions_on_many_articles_move_each_counter_on_once(
    client, editor_user, make_article, make_author
):
    articles = [make_article(authors=[make_author()]) for _ in range(3)]
    client.force_login(editor_user)

    assert post_action(client, "unpublish", *articles).status_code == 302
    assert post_action(client, "publish_now", *articles).status_code == 302

    assert {a.version for a in Article.objects.filter(pk__in=[a.pk for a in articles])} == {3}
    assert client.get(CHANGELIST_URL).status_code == 200


def test_scheduled_article_going_live_needs_no_save_and_causes_no_conflict(
    client, editor_user, make_article, make_author
):
    article = make_article(
        "Scheduled", publish_at=timezone.now() + timezone.timedelta(seconds=1),
        authors=[make_author()],
    )  # fmt: skip
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now())  # its time came

    data["headline"] = "Scheduled, then edited"
    assert_saved(client.post(change_url(article), data))


def test_a_reimport_after_the_form_was_opened_is_not_saved_over(client, editor_user):
    call_command("import_wordpress", str(EXPORT), stdout=io.StringIO(), stderr=io.StringIO())
    article = imported_object(Article, 101)
    client.force_login(editor_user)
    stale = form_data(client.get(change_url(article)))
    stale["headline"] = "Edited before the re-import"

    call_command(
        "import_wordpress", str(EXPORT), "--update", stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert is_conflict(client.post(change_url(article), stale))
    assert Article.objects.get(pk=article.pk).headline == "Dam reservoir reaches a record level"


def test_restoring_an_old_version_over_a_newer_save_is_a_conflict(
    client, two_editors, make_article, make_author
):
    first, second = two_editors
    article = make_article("Original", authors=[make_author()])
    data = form_data(first.get(change_url(article)))
    data["headline"] = "Kept as version one"
    assert_saved(first.post(change_url(article), data))
    data = form_data(first.get(change_url(article)))
    data["headline"] = "Version two"
    assert_saved(first.post(change_url(article), data))
    oldest = Version.objects.get_for_object(article).order_by("pk").first()
    revert_url = reverse("admin:articles_article_revision", args=[article.pk, oldest.pk])
    opened = form_data(second.get(revert_url))
    data = form_data(first.get(change_url(article)))
    data["headline"] = "Version three, saved meanwhile"
    assert_saved(first.post(change_url(article), data))

    assert is_conflict(second.post(revert_url, opened))
    assert Article.objects.get(pk=article.pk).headline == "Version three, saved meanwhile"
