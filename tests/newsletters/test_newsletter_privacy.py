"""Newsletter data in a reader's download and erasure (one of READER_DATA_SOURCES)."""

import pytest
from django.utils import timezone

from comments import readers
from comments.models import Reader
from newsroom import privacy
from newsroom.newsletters import privacy as newsletter_privacy
from newsroom.newsletters.models import Edition, NewsletterSubscription, Send, Suppression

ADDRESS = "holder@example.org"


@pytest.fixture
def history(newsletters):
    mine = readers.reader_for(ADDRESS)
    readers.confirm(mine)
    theirs = readers.reader_for("neighbour@example.org")
    now = timezone.now()
    for reader in (mine, theirs):
        NewsletterSubscription.objects.create(
            newsletter=newsletters[0], reader=reader, confirmed_at=now
        )
    NewsletterSubscription.objects.create(newsletter=newsletters[1], reader=mine)
    edition = Edition.objects.create(
        newsletter=newsletters[0], subject="Friday edition", status="sent", sent_at=now
    )
    Send.objects.create(edition=edition, reader=mine, address="Holder+news@Example.org")
    Send.objects.create(edition=edition, reader=theirs, address="neighbour@example.org")
    Suppression.objects.create(address=ADDRESS, reason=Suppression.Reason.COMPLAINT)
    return mine


def test_the_source_is_registered_after_the_comments(settings):
    assert settings.READER_DATA_SOURCES[-1] == "newsroom.newsletters.privacy"
    assert settings.READER_DATA_SOURCES.index("comments.privacy") == 0


def test_export_has_this_mailboxs_subscriptions_and_mails_only(history):
    data = privacy.export(ADDRESS)["sources"]["newsroom.newsletters.privacy"]
    assert sorted(s["newsletter"] for s in data["subscriptions"]) == [
        "Nile Weekly",
        "The Daily Briefing",
    ]
    assert [m["address"] for m in data["editions_mailed"]] == ["Holder+news@Example.org"]
    assert data["editions_mailed"][0]["edition"] == "Friday edition"
    assert [s["reason"] for s in data["suppressed"]] == ["Complaint"]
    assert "neighbour" not in str(data)


def test_erase_deletes_subscriptions_and_mails_keeps_others_and_the_suppression(history):
    done = dict(privacy.erase(ADDRESS, comments="remove"))
    assert done["newsletter subscriptions deleted"] == 2
    assert done["newsletter mails forgotten"] == 1
    assert done["reader records deleted"] == 1
    assert not Reader.objects.filter(mailbox=ADDRESS).exists()
    assert list(Send.objects.values_list("address", flat=True)) == ["neighbour@example.org"]
    assert NewsletterSubscription.objects.get().reader.email == "neighbour@example.org"
    assert Suppression.objects.filter(address=ADDRESS).exists()


def test_erasing_an_address_with_no_newsletters_counts_zero(db):
    assert newsletter_privacy.erase("nobody@example.org", comments="anonymise") == {
        "newsletter subscriptions deleted": 0,
        "newsletter mails forgotten": 0,
    }
