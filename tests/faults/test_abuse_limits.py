"""Abuse limits: the rate limit comes before anything stores a row, and confirmation
mails are capped per mailbox and per address, however an address is spelt."""

import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from comments.forms import FORM_SALT
from comments.models import Comment, Reason, Subscription
from comments.notifications import mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client):
    """POST the comment form from one client address, with a form old enough to pass."""

    def send(article, ip="203.0.113.9", **fields):
        token = signing.dumps({"a": article.pk, "t": int(time.time()) - 60}, salt=FORM_SALT)
        data = {"name": "Reader", "email": "reader@example.org", "body": "A comment."}
        data |= {"ts": token, "website": "", "notify": ""} | fields
        return client.post(f"/comments/article/{article.pk}/post/", data, REMOTE_ADDR=ip)

    return send


# --- The rate limit before the honeypot ------------------------------------------------------


def test_sixty_honeypot_posts_from_one_address_store_at_most_the_limit(
    make_article, post, settings
):
    settings.COMMENTS_RATE_LIMITS = [(5, 60), (30, 3600)]
    article = make_article()
    answers = [
        post(article, email=f"bot{n}@example.org", body=f"Buy {n}", website="http://spam.example")
        for n in range(60)
    ]

    assert Comment.objects.count() == 5
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.SPAM}
    assert [answer.status_code for answer in answers] == [303] * 5 + [429] * 55


def test_posts_refused_by_later_steps_count_against_the_limit(make_article, post, settings):
    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    article = make_article()
    assert post(article, body="Same words.").status_code == 303
    assert post(article, body="Same words.").status_code == 409  # a duplicate, refused
    assert post(article, body="New words.").status_code == 429
    assert (
        post(article, body="New words.", ip="198.51.100.1", email="other@example.org").status_code
        == 303
    )


def test_spam_stored_within_the_limit_keeps_its_honeypot_reason(make_article, post):
    article = make_article()
    post(article, website="http://spam.example")
    assert Reason.objects.get().code == Reason.Code.HONEYPOT


# --- Confirmation mails per mailbox and per address ------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("victim@example.com", "victim@example.com"),
        ("Victim@Example.COM", "victim@example.com"),
        ("victim+0@example.com", "victim@example.com"),
        ("victim+news+more@example.com", "victim@example.com"),
        ("v.ic.tim@example.com", "v.ic.tim@example.com"),  # dots matter elsewhere
        ("V.i.c.t.i.m@gmail.com", "victim@gmail.com"),
        ("victim+x@googlemail.com", "victim@gmail.com"),
        ("vic.tim@GoogleMail.com", "victim@gmail.com"),
        ("+only-a-tag@example.com", "+only-a-tag@example.com"),
        (" victim@example.com ", "victim@example.com"),
    ],
)
def test_mailbox_is_the_address_as_the_provider_delivers_it(typed, expected):
    assert mailbox(typed) == expected


def test_plus_addresses_of_one_mailbox_get_at_most_the_cap(make_article, post, settings):
    settings.COMMENTS_RATE_LIMITS = []
    settings.CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR = 3
    article = make_article()
    answers = [
        post(article, email=f"victim+{n}@example.com", body=f"Comment {n}", notify="all")
        for n in range(10)
    ]

    assert len(mail.outbox) == 3
    assert all(answer.status_code == 303 for answer in answers)  # every comment posted
    assert Comment.objects.count() == 10
    # Rows keep the address as typed; a wish over the cap is not recorded, so it can be
    # asked for again once the hour is over.
    assert sorted(Subscription.objects.values_list("email", flat=True)) == [
        "victim+0@example.com",
        "victim+1@example.com",
        "victim+2@example.com",
    ]


def test_reader_over_the_cap_is_told_to_check_their_inbox(make_article, post, client, settings):
    settings.COMMENTS_RATE_LIMITS = []
    settings.CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR = 1
    article = make_article()
    post(article, email="victim+1@example.com", body="First.", notify="all")
    answer = post(article, email="victim+2@example.com", body="Second.", notify="all")

    assert answer.status_code == 303 and "mail=sent" in answer["Location"]
    page = client.get(answer["Location"]).content.decode()
    assert "awaiting review" in page  # the comment's own notice: the right page
    assert "check your inbox" in page
    assert len(mail.outbox) == 1


def test_gmail_dots_and_googlemail_count_as_one_mailbox(make_article, post, settings):
    settings.COMMENTS_RATE_LIMITS = []
    settings.CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR = 1
    article = make_article()
    post(article, email="V.i.c.t.i.m@gmail.com", body="One.", notify="all")
    post(article, email="victim@googlemail.com", body="Two.", notify="all")

    assert [message.to for message in mail.outbox] == [["v.i.c.t.i.m@gmail.com"]]


def test_another_mailbox_still_gets_its_mail_when_one_is_capped(make_article, post, settings):
    settings.COMMENTS_RATE_LIMITS = []
    settings.CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR = 1
    article = make_article()
    post(article, email="victim+1@example.com", body="One.", notify="all")
    post(article, email="victim+2@example.com", body="Two.", notify="all")
    post(article, email="someone@example.com", body="Three.", notify="all")

    assert [message.to for message in mail.outbox] == [
        ["victim+1@example.com"],
        ["someone@example.com"],
    ]


def test_one_address_asking_for_many_mailboxes_is_capped(make_article, post, client, settings):
    settings.COMMENTS_RATE_LIMITS = []
    settings.CONFIRMATION_MAILS_PER_IP_PER_HOUR = 2
    article = make_article()
    for n in range(4):
        answer = post(article, email=f"reader{n}@example.com", body=f"{n}", notify="all")

    assert len(mail.outbox) == 2
    assert "mail=later" in answer["Location"]
    assert "try again" in client.get(answer["Location"]).content.decode()
    post(article, email="reader9@example.com", body="Elsewhere.", notify="all", ip="198.51.100.2")
    assert len(mail.outbox) == 3  # another address is not affected


def test_capped_wish_is_mailed_when_asked_again_after_the_hour(
    make_article, post, settings, monkeypatch
):
    settings.COMMENTS_RATE_LIMITS = []
    settings.CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR = 1
    article = make_article()
    post(article, email="victim+1@example.com", body="One.", notify="all")
    post(article, email="victim+2@example.com", body="Two.", notify="all")
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    post(article, email="victim+2@example.com", body="Three.", notify="all")

    assert [message.to for message in mail.outbox] == [
        ["victim+1@example.com"],
        ["victim+2@example.com"],
    ]
