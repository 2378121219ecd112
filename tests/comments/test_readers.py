"""Readers without accounts: verifying an address, signing in on any device by a mailed
link, trust that goes with the address, what a reader is told after posting, the form's
timestamp taken when the form is shown, and links in mail that lead to the site as served.

Mail is read from the test outbox and its links are followed as a reader would.
"""

import re
import subprocess
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from comments import moderation, notifications
from comments.models import Comment, Reader, ReaderLink, Subscription
from comments.readers import COMMENTER_COOKIE, LINK_USES, SIGN_IN_SALT, VERIFIED_COOKIE
from tests.helpers.tools import ROOT, require

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


def sign_in_link(message) -> str:
    """The path of the sign-in link in a mail."""
    for url in re.findall(r"https?://\S+", message.body):
        path = urlsplit(url).path
        if resolve(path).view_name == "comments:sign_in":
            return path
    raise AssertionError(f"no sign-in link in: {message.body}")


def open_link(browser: Client, link: str):
    """Open a mailed link and press its button, as a person does: the page, then its form."""
    page = browser.get(link).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    return browser.post(link, {"csrfmiddlewaretoken": token})


def state_of(browser: Client, article) -> dict:
    return browser.get(f"/comments/reader/state/?article={article.pk}").json()


@pytest.fixture
def approve(make_staff):
    moderator = make_staff("Moderator")

    def decide(comment):
        moderation.set_status(comment, Comment.Status.APPROVED, by=moderator)

    return decide


# --- Verifying an address, apart from notifications --------------------------------------


def test_article_form_offers_to_verify_and_stays_the_same_for_every_reader(client, article):
    first = client.get(article.get_absolute_url())
    returning = Client()
    returning.cookies[COMMENTER_COOKIE] = "remembered-name-and-address"
    again = returning.get(article.get_absolute_url())
    assert "Verify my e-mail to skip the queue" in first.content.decode()
    assert 'name="verify"' in first.content.decode()
    assert first.content == again.content and not first.cookies


def test_verify_choice_mails_a_sign_in_link_and_subscribes_nobody(client, article, post_comment):
    response = post_comment(article, email="Ana@Example.org", verify="on")

    assert response.status_code == 303 and "mail=inbox" in response["Location"]
    [message] = mail.outbox
    assert message.to == ["Ana@Example.org"]
    link = ReaderLink.objects.get()
    assert (link.reader.mailbox, link.subscription, link.article) == (
        "ana@example.org",
        None,
        article,
    )
    assert resolve(sign_in_link(message)).kwargs["token"]
    assert not Subscription.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Please check your inbox" in page and "awaiting review" in page


def test_notify_choice_tells_the_reader_to_check_their_inbox(client, article, post_comment):
    response = post_comment(article, notify=Subscription.Kind.REPLIES)
    assert "mail=inbox" in response["Location"]
    assert "Please check your inbox" in client.get(response["Location"]).content.decode()


def test_asking_to_verify_twice_within_the_hour_sends_one_mail(article, post_comment):
    post_comment(article, verify="on", body="One.")
    response = post_comment(article, verify="on", body="Two.")
    assert len(mail.outbox) == 1 and "mail=inbox" in response["Location"]


def test_sign_in_mails_stay_within_the_hourly_cap_per_client(article, post_comment, settings):
    settings.CONFIRMATION_MAILS_PER_IP_PER_HOUR = 2
    answers = [
        post_comment(article, email=f"reader{n}@example.org", verify="on")["Location"]
        for n in range(3)
    ]
    assert len(mail.outbox) == 2
    assert "mail=inbox" in answers[1] and "mail=later" in answers[2]


def test_spam_with_verify_is_told_the_same_and_mails_nobody(article, post_comment):
    response = post_comment(article, verify="on", website="http://buy.example")
    spam = Comment.objects.get()
    assert spam.status == Comment.Status.SPAM
    assert response["Location"].endswith(f"?comment=held&c={spam.pk}&mail=inbox#comments")
    assert mail.outbox == [] and not ReaderLink.objects.exists()


# --- The sign-in link --------------------------------------------------------------------


@pytest.fixture
def mailed_link(article, post_comment):
    post_comment(article, email="ana@example.org", verify="on")
    return sign_in_link(mail.outbox[0])


def test_sign_in_link_opened_shows_a_button_and_signs_in_nobody(mailed_link):
    response = Client().get(mailed_link)
    assert response.status_code == 200 and "Yes, confirm" in response.text
    assert "no-cache" in response["Cache-Control"] and VERIFIED_COOKIE not in response.cookies
    assert Reader.objects.get().confirmed_at is None and ReaderLink.objects.get().uses == 0


def test_sign_in_button_confirms_the_address_and_signs_this_device_in(mailed_link):
    response = open_link(Client(), mailed_link)
    assert response.status_code == 200 and "signed in on this device" in response.text
    assert response.cookies[VERIFIED_COOKIE]["httponly"]
    assert response.cookies[VERIFIED_COOKIE]["samesite"] == "Lax"
    assert Reader.objects.get().confirmed_at is not None
    link = ReaderLink.objects.get()
    assert link.uses == 1 and link.last_used_at is not None


def test_same_link_on_a_second_device_signs_that_device_in_too(mailed_link, article):
    phone, laptop = Client(), Client()
    open_link(phone, mailed_link)
    assert laptop.get(mailed_link).status_code == 200  # not "already confirmed"
    response = open_link(laptop, mailed_link)
    assert VERIFIED_COOKIE in response.cookies
    assert state_of(laptop, article)["reader"] == "ana@example.org"
    assert ReaderLink.objects.get().uses == 2


def test_link_is_used_up_after_its_devices(mailed_link):
    for _ in range(LINK_USES):
        assert VERIFIED_COOKIE in open_link(Client(), mailed_link).cookies
    late = Client()
    assert "used up" in late.get(mailed_link).text
    response = late.post(mailed_link)
    assert response.status_code == 410 and VERIFIED_COOKIE not in response.cookies
    assert ReaderLink.objects.get().uses == LINK_USES


def test_expired_sign_in_link_is_not_found(article, post_comment, settings, monkeypatch):
    issued = time.time()
    post_comment(article, verify="on")
    link = sign_in_link(mail.outbox[0])
    later = settings.COMMENTS_CONFIRM_MAX_AGE + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: issued + later))
    assert Client().get(link).status_code == 404
    assert Client().post(link).status_code == 404
    assert not Reader.objects.filter(confirmed_at__isnull=False).exists()


def test_tampered_sign_in_link_is_not_found(mailed_link):
    token = resolve(mailed_link).kwargs["token"]
    other = signing.dumps(ReaderLink.objects.get().pk + 1, salt=SIGN_IN_SALT)
    forged = other.split(":", 1)[0] + ":" + token.split(":", 1)[1]
    for bad in (forged, token[:-2] + "xx", signing.dumps(1, salt="comments.other")):
        assert Client().post(f"/comments/reader/sign-in/{bad}/").status_code == 404


def test_notification_link_confirms_the_wish_and_the_address_and_signs_in(article, post_comment):
    post_comment(article, email="ana@example.org", notify=Subscription.Kind.ALL, verify="on")
    [message] = mail.outbox  # one mail for both wishes
    response = Client().post(sign_in_link(message))
    assert VERIFIED_COOKIE in response.cookies
    assert Subscription.objects.get().confirmed_at is not None
    assert Reader.objects.get(mailbox="ana@example.org").confirmed_at is not None


# --- Trust belongs to the address ----------------------------------------------------------


def test_reader_who_never_asks_for_mail_earns_trust_by_verifying(
    article, post_comment, mailed_link, approve
):
    approve(Comment.objects.get())  # the comment that asked for the link
    device = Client(enforce_csrf_checks=True)
    open_link(device, mailed_link)
    response = post_comment(
        article, using=device, email="ana@example.org", body="Again.", headers=SAME_ORIGIN
    )
    comment = Comment.objects.get(body="Again.")
    assert comment.status == Comment.Status.APPROVED
    assert response["Location"].endswith(f"?comment=published&c={comment.pk}#c{comment.pk}")


def test_trust_goes_with_the_address_to_a_second_device(
    article, post_comment, mailed_link, approve
):
    approve(Comment.objects.get())
    open_link(Client(), mailed_link)  # the phone
    laptop = Client(enforce_csrf_checks=True)
    before = post_comment(article, using=laptop, email="ana@example.org", body="From laptop.")
    assert Comment.objects.get(body="From laptop.").status == Comment.Status.PENDING
    assert before.status_code == 303
    open_link(laptop, mailed_link)
    post_comment(
        article, using=laptop, email="ana@example.org", body="Signed in.", headers=SAME_ORIGIN
    )
    assert Comment.objects.get(body="Signed in.").status == Comment.Status.APPROVED


def test_signed_in_browser_is_not_trusted_for_another_address(
    article, post_comment, mailed_link, approve, make_comment
):
    approve(Comment.objects.get())
    make_comment(article, email="bob@example.org", body="Bob's record.")
    device = Client(enforce_csrf_checks=True)
    open_link(device, mailed_link)
    post_comment(
        article, using=device, email="bob@example.org", body="As Bob.", headers=SAME_ORIGIN
    )
    assert Comment.objects.get(body="As Bob.").status == Comment.Status.PENDING


def test_sign_out_forgets_the_reader_and_returns_to_the_article(article, mailed_link):
    device = Client(enforce_csrf_checks=True)
    open_link(device, mailed_link)
    back = article.get_absolute_url()
    response = device.post("/comments/reader/sign-out/", {"next": back}, headers=SAME_ORIGIN)
    assert (response.status_code, response["Location"]) == (303, back)
    assert device.cookies[VERIFIED_COOKIE].value == ""
    assert "reader" not in state_of(device, article)


def test_sign_out_goes_nowhere_else_and_refuses_other_sites(article, mailed_link):
    device = Client(enforce_csrf_checks=True)
    open_link(device, mailed_link)
    elsewhere = {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"}
    forged = device.post("/comments/reader/sign-out/", {"next": "/"}, headers=elsewhere)
    assert forged.status_code == 403 and state_of(device, article)["reader"]
    answer = device.post(
        "/comments/reader/sign-out/", {"next": "https://attacker.example/"}, headers=SAME_ORIGIN
    )
    assert answer["Location"] == "/"


# --- The reader's own state, and the "too fast" check on cached pages ----------------------


def test_state_of_an_anonymous_reader_is_a_fresh_timestamp_and_nothing_else(client, article):
    response = client.get(f"/comments/reader/state/?article={article.pk}")
    assert response.status_code == 200 and set(response.json()) == {"ts"}
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not response.cookies and "X-Page-Cache" not in response


def test_state_of_a_signed_in_reader_says_who_and_carries_a_token(article, mailed_link):
    device = Client()
    open_link(device, mailed_link)
    state = state_of(device, article)
    assert state["reader"] == "ana@example.org" and state["verified"] and state["csrf"]


@pytest.mark.parametrize("asked", ["", "?article=x", "?article=99999"])
def test_state_of_no_article_is_not_found(client, asked):
    assert client.get(f"/comments/reader/state/{asked}").status_code == 404


def test_post_right_after_the_form_was_shown_is_refused_with_the_text_kept(
    client, article, post_comment
):
    """The form script stamps the time the reader turned to the form; a cached page's own
    timestamp may be an hour old and would let this post through."""
    shown = state_of(client, article)["ts"]
    response = post_comment(article, ts=shown, body="Posted at once, by a script.")
    assert response.status_code == 400
    assert "That was quick" in response.text and "Posted at once, by a script." in response.text
    assert not Comment.objects.exists()


def test_without_javascript_the_pages_own_timestamp_still_bounds_the_form(
    article, post_comment, old_token, settings
):
    an_hour_old = post_comment(article, ts=old_token(article.pk, age=3600), body="Cached page.")
    assert an_hour_old.status_code == 303
    too_old = old_token(article.pk, age=settings.COMMENTS_MAX_FORM_AGE + 60)
    response = post_comment(article, ts=too_old, body="Left open for days.")
    assert response.status_code == 400 and "Left open for days." in response.text
    bot = post_comment(article, body="Bot.", website="http://buy.example")
    assert bot.status_code == 303 and Comment.objects.get(body="Bot.").status == "spam"


# --- Links in mail -------------------------------------------------------------------------


def test_links_in_mail_lead_to_the_address_the_post_was_sent_to(
    client, article, settings, old_token
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    response = client.post(
        f"/comments/article/{article.pk}/post/",
        {"name": "Ana", "email": "ana@example.org", "body": "Hello.", "verify": "on",
         "ts": old_token(article.pk)},
        HTTP_HOST="127.0.0.1:8080",
    )  # fmt: skip
    assert response.status_code == 303
    assert "http://127.0.0.1:8080/comments/reader/sign-in/" in mail.outbox[0].body


def test_notifications_of_a_trusted_post_lead_to_the_address_it_was_sent_to(
    article,
    mailed_link,
    approve,
    settings,
    old_token,
    django_capture_on_commit_callbacks,
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    approve(Comment.objects.get())
    Subscription.objects.create(
        article=article, email="bob@example.org", kind="all", confirmed_at=timezone.now()
    )
    device = Client()
    open_link(device, mailed_link)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        device.post(
            f"/comments/article/{article.pk}/post/",
            {"name": "Ana", "email": "ana@example.org", "body": "Trusted.",
             "ts": old_token(article.pk)},
            HTTP_HOST="localhost:8080",
        )  # fmt: skip
    [message] = mail.outbox
    assert "http://localhost:8080/" in message.body and ":8000" not in message.body


def test_mail_without_a_request_behind_it_uses_site_url(settings):
    settings.SITE_URL = "https://news.example/"
    assert notifications.site_root(None) == "https://news.example"
    assert notifications.absolute("/a/") == "https://news.example/a/"


def test_make_run_points_site_url_at_its_own_port():
    make = require("make", "install it with `apt-get install -y make`.")
    dry_run = subprocess.run(
        [make, "-n", "-C", str(ROOT), "run", "PORT=8080"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    served = [line for line in dry_run.splitlines() if "runserver" in line]
    assert served and "SITE_URL=http://127.0.0.1:8080" in served[0]
