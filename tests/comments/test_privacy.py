"""A reader's data in the comments: what export gives, what erase does to it, by mailbox.

The owner of a mailbox owns every spelling of it (case, ``+tags``, Gmail's dots) and
nothing of a neighbour's address, however alike.
"""

import pytest
from django.utils import timezone

from comments import privacy, readers
from comments.models import (
    Ban,
    Comment,
    Delivery,
    Reader,
    ReaderLink,
    Reason,
    Report,
    Subscription,
)
from comments.signals import discussion_changed
from comments.threads import Discussion

pytestmark = pytest.mark.django_db

MINE = ["reader@example.org", "Reader@Example.ORG", "reader+news@example.org"]
NEIGHBOURS = [
    "reader2@example.org",
    "areader@example.org",
    "re.ader@example.org",  # dots count outside Gmail
    "reader@example.org.evil",
    "reader@example.com",
    "reader@sub.example.org",
]


@pytest.fixture
def crowd(article, make_comment):
    """Comments, subscriptions and deliveries of the reader and of every neighbour."""
    for index, email in enumerate(MINE + NEIGHBOURS):
        comment = make_comment(article, name=f"Writer {index}", email=email, ip="198.51.100.9")
        Subscription.objects.create(article=article, email=email, kind="all")
        Delivery.objects.create(comment=comment, email=email)
    return article


def test_export_holds_every_spelling_of_the_mailbox_and_no_neighbour(crowd):
    data = privacy.export("READER@example.org")
    assert sorted(c["email"] for c in data["comments"]) == sorted(MINE)
    assert sorted(s["email"] for s in data["subscriptions"]) == sorted(MINE)
    assert sorted(d["email"] for d in data["deliveries"]) == sorted(MINE)
    assert {c["ip_address"] for c in data["comments"]} == {"198.51.100.9"}
    assert data["comments"][0]["article"]["url"] == crowd.get_absolute_url()


def test_gmail_dots_and_googlemail_are_one_mailbox(article, make_comment):
    for email in ("j.smith@gmail.com", "jsmith+x@googlemail.com", "jsmith2@gmail.com"):
        make_comment(article, email=email)
    found = privacy.export("J.S.mith@gmail.com")["comments"]
    assert sorted(c["email"] for c in found) == ["j.smith@gmail.com", "jsmith+x@googlemail.com"]


def test_export_names_the_reader_record_links_and_bans_but_not_the_moderators_note(article):
    reader = readers.reader_for("reader@example.org")
    readers.new_link("reader@example.org", ReaderLink.Purpose.DATA)
    Ban.objects.create(email="Reader+x@example.org", note="Troll, see thread")
    Ban.objects.create(email="other@example.org", note="Someone else")
    data = privacy.export("reader@example.org")
    assert data["reader"]["mailbox"] == reader.mailbox
    assert [link["purpose"] for link in data["reader"]["links"]] == ["Download or erase my data"]
    assert [ban["email"] for ban in data["bans"]] == ["Reader+x@example.org"]
    assert "Troll" not in str(data)


def test_export_of_an_unknown_address_is_empty(crowd):
    data = privacy.export("nobody@example.org")
    assert data == {
        "reader": None,
        "comments": [],
        "subscriptions": [],
        "deliveries": [],
        "bans": [],
    }


def test_export_costs_the_same_queries_for_many_comments(
    article, make_comment, django_assert_max_num_queries
):
    readers.reader_for("reader@example.org")
    for n in range(60):
        comment = make_comment(article, email="reader@example.org", body=f"Comment {n}")
        Delivery.objects.create(comment=comment, email="reader@example.org")
    with django_assert_max_num_queries(6):
        data = privacy.export("reader@example.org")
    assert len(data["comments"]) == 60 and len(data["deliveries"]) == 60


@pytest.fixture
def announced():
    changed = []

    def listen(sender, article_ids, **kwargs):
        changed.extend(article_ids)

    discussion_changed.connect(listen, dispatch_uid="test-privacy")
    yield changed
    discussion_changed.disconnect(dispatch_uid="test-privacy")


def test_anonymise_keeps_the_words_and_drops_name_email_ip(crowd, announced):
    readers.reader_for("reader@example.org")
    done = privacy.erase("reader@example.org", comments=privacy.ANONYMISE)
    assert done == {
        "comments anonymised": 3,
        "subscriptions deleted": 3,
        "notification mails forgotten": 3,
        "reader records deleted": 1,
        "sign-in and data links deleted": 0,
    }
    former = Comment.objects.filter(name=privacy.FORMER_READER)
    assert former.count() == 3
    assert set(former.values_list("email", "ip", "body")) == {("", None, "Words.")}
    assert Comment.objects.exclude(name=privacy.FORMER_READER).count() == len(NEIGHBOURS)
    assert Subscription.objects.count() == Delivery.objects.count() == len(NEIGHBOURS)
    assert not Reader.objects.exists()
    assert announced == [crowd.pk]


def test_remove_deletes_comments_but_keeps_others_replies_under_an_empty_place(
    article, make_comment, announced
):
    mine = make_comment(article, name="Me", email="reader@example.org")
    reply = make_comment(article, name="Other", email="other@example.org", parent=mine)
    alone = make_comment(article, name="Me", email="reader@example.org", body="Alone.")
    Reason.objects.create(comment=mine, code="trusted")
    Report.objects.create(comment=mine, kind="spam", ip="203.0.113.1")
    announced.clear()
    done = privacy.erase("reader+x@example.org", comments=privacy.REMOVE)
    assert done["comments removed"] == 2
    assert not Comment.objects.filter(pk=alone.pk).exists()
    place = Comment.objects.get(pk=mine.pk)
    assert place.status == Comment.Status.ERASED
    assert (place.name, place.email, place.body, place.ip) == ("", "", "", None)
    assert not place.reasons.exists() and not place.reports.exists()
    assert Comment.objects.get(pk=reply.pk).parent_id == mine.pk
    assert set(announced) == {article.pk}
    [thread] = Discussion.of(article).threads
    assert [(e.comment.is_erased, e.comment.name) for e in thread] == [(True, ""), (False, "Other")]
    assert Discussion.of(article).count == 1


def test_remove_keeps_a_chain_of_own_comments_that_leads_to_a_reply(article, make_comment):
    first = make_comment(article, email="reader@example.org")
    second = make_comment(article, email="reader@example.org", parent=first)
    reply = make_comment(article, name="Other", email="other@example.org", parent=second)
    own_reply = make_comment(article, email="reader@example.org", parent=first)
    privacy.erase("reader@example.org", comments=privacy.REMOVE)
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "erased", second.pk: "erased", reply.pk: "approved"}
    assert own_reply.pk not in statuses


def test_erased_place_without_a_shown_reply_is_not_shown(article, make_comment):
    place = make_comment(article, status=Comment.Status.ERASED, name="", body="")
    make_comment(article, name="Held", parent=place, status=Comment.Status.PENDING)
    make_comment(article, name="Shown")
    threads = Discussion.of(article).threads
    assert [[e.comment.name for e in thread] for thread in threads] == [["Shown"]]


def test_thread_page_shows_a_removed_comment_and_the_reply_to_it(
    client, article, make_comment, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    mine = make_comment(article, name="Me", email="reader@example.org", body="Secret words.")
    make_comment(article, name="Other", email="other@example.org", parent=mine, body="Answer.")
    privacy.erase("reader@example.org", comments=privacy.REMOVE)
    page = client.get(f"/comments/article/{article.pk}/").content.decode()
    assert "This comment was removed by its writer." in page
    assert "Answer." in page
    assert "Secret words." not in page and ">Me<" not in page


def test_erase_keeps_bans_on_the_address(article):
    Ban.objects.create(email="reader@example.org")
    privacy.erase("reader@example.org", comments=privacy.ANONYMISE)
    assert Ban.objects.matching("reader@example.org", None, timezone.now()).exists()


def test_erase_refuses_an_unknown_choice(crowd):
    with pytest.raises(ValueError):
        privacy.erase("reader@example.org", comments="keep")
    assert Comment.objects.filter(email="reader@example.org").exists()


@pytest.mark.parametrize("mode", [privacy.ANONYMISE, privacy.REMOVE])
def test_erase_costs_the_same_queries_for_many_comments(article, make_comment, mode, announced):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def erase_with(count: int) -> int:
        readers.reader_for("reader@example.org")
        parent = make_comment(article, email="other@example.org")
        for n in range(count):
            comment = make_comment(article, email="reader@example.org", body=f"C{n}", parent=parent)
            if n % 2:  # half of them were answered, so keep their place when removed
                make_comment(article, email="other@example.org", parent=comment)
            Delivery.objects.create(comment=comment, email="reader@example.org")
        announced.clear()
        with CaptureQueriesContext(connection) as queries:
            privacy.erase("reader@example.org", comments=mode)
        assert set(announced) == {article.pk} and len(announced) == 1
        return len(queries)

    assert erase_with(2) == erase_with(30)
