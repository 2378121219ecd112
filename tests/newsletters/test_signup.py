"""Signing up: double opt-in through the comments' confirmed-address identity."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments.models import Reader, ReaderLink
from comments.readers import LINK_USES, VERIFIED_COOKIE
from newsroom.newsletters.models import NewsletterSubscription

SIGNUP = "/newsletters/"
SITE = "http://testserver"


def sign_up(client, email, *slugs, **extra):
    data = {"email": email, "newsletters": list(slugs), "website": ""}
    data.update(extra.pop("data", {}))
    return client.post(SIGNUP, data, REMOTE_ADDR=extra.pop("ip", "198.51.100.4"), **extra)


def test_the_signup_page_lists_only_listed_newsletters_with_a_checkbox_each(client, newsletters):
    page = client.get(SIGNUP).content.decode()
    assert 'value="daily"' in page and 'value="nile"' in page
    assert "The Daily Briefing" in page and "Fridays." in page
    assert "Staff digest" not in page and 'value="staff"' not in page


def test_the_signup_page_carries_no_per_visitor_token_so_it_can_be_cached(client, newsletters):
    response = client.get(SIGNUP)
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not response.cookies and "private" not in response.get("Cache-Control", "")


def test_an_unconfirmed_address_gets_one_confirmation_mail_and_waits(client, newsletters):
    response = sign_up(client, "New.Reader@example.org", "daily", "nile")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    subscriptions = NewsletterSubscription.objects.filter(reader__mailbox="new.reader@example.org")
    assert subscriptions.count() == 2
    assert not subscriptions.filter(confirmed_at__isnull=False).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.reader@example.org"]
    assert "The Daily Briefing" in mail.outbox[0].body and "Nile Weekly" in mail.outbox[0].body


def test_opening_the_link_confirms_the_address_the_newsletters_and_signs_in(
    client, newsletters, mailed_link
):
    sign_up(client, "opener@example.org", "daily")
    url = urlsplit(mailed_link("opener@example.org")).path
    browser = Client()
    page = browser.get(url)  # a mail scanner's GET changes nothing
    assert page.status_code == 200 and "Yes, confirm" in page.content.decode()
    assert not NewsletterSubscription.objects.filter(confirmed_at__isnull=False).exists()
    response = browser.post(url)
    assert response.status_code == 200
    assert "you are signed up" in response.content.decode()
    subscription = NewsletterSubscription.objects.get()
    assert subscription.confirmed_at is not None
    assert Reader.objects.get(mailbox="opener@example.org").confirmed_at is not None
    assert VERIFIED_COOKIE in response.cookies  # the same proof a comment sign-in gives
    assert "no-cache" in page["Cache-Control"]


def test_a_link_confirms_only_what_was_asked_before_it_was_made(client, newsletters, mailed_link):
    sign_up(client, "twice@example.org", "daily")
    url = urlsplit(mailed_link("twice@example.org")).path
    NewsletterSubscription.objects.create(
        newsletter=newsletters[1], reader=Reader.objects.get(mailbox="twice@example.org")
    )
    link = ReaderLink.objects.get()
    link.created_at = link.created_at.replace(microsecond=0)
    NewsletterSubscription.objects.filter(newsletter=newsletters[1]).update(
        created_at=link.created_at.replace(year=link.created_at.year + 1)
    )
    Client().post(url)
    confirmed = NewsletterSubscription.objects.filter(confirmed_at__isnull=False)
    assert [s.newsletter.slug for s in confirmed] == ["daily"]


def test_a_browser_that_proved_the_address_is_subscribed_at_once(newsletters, proven_client):
    browser = proven_client("known@example.org")
    response = sign_up(browser, "known@example.org", "nile", headers={"Origin": SITE})
    assert "You are signed up" in response.content.decode()
    assert NewsletterSubscription.objects.get().confirmed_at is not None
    assert mail.outbox == []


def test_a_proof_for_another_address_subscribes_nobody_at_once(newsletters, proven_client):
    browser = proven_client("me@example.org")
    response = sign_up(browser, "someone-else@example.org", "daily", headers={"Origin": SITE})
    assert "Check your inbox" in response.content.decode()
    assert NewsletterSubscription.objects.get().confirmed_at is None


def test_a_cross_site_post_with_the_verified_cookie_is_refused(newsletters, proven_client):
    browser = proven_client("known@example.org")
    response = sign_up(
        browser,
        "known@example.org",
        "daily",
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert not NewsletterSubscription.objects.exists()


def test_the_answer_is_the_same_whether_or_not_the_address_is_subscribed(
    client, newsletters, confirmed_address
):
    reader = confirmed_address("member@example.org")
    NewsletterSubscription.objects.create(
        newsletter=newsletters[0], reader=reader, confirmed_at=timezone.now()
    )
    known = sign_up(Client(), "member@example.org", "daily").content.decode()
    unknown = sign_up(Client(), "stranger@example.org", "daily").content.decode()
    assert known == unknown
    assert NewsletterSubscription.objects.get(reader=reader).confirmed_at is not None
    assert [m.to for m in mail.outbox] == [["stranger@example.org"]]  # nothing to confirm


def test_one_unused_link_an_hour_per_mailbox(client, newsletters):
    for _ in range(3):
        sign_up(client, "Repeat+news@example.org", "daily")
    sign_up(client, "repeat@example.org", "nile")
    assert len(mail.outbox) == 1


def test_the_hourly_cap_per_client_holds_and_says_so(settings, newsletters):
    settings.CONFIRMATION_MAILS_PER_IP_PER_HOUR = 2
    answers = [
        sign_up(Client(), f"reader{n}@example.org", "daily", ip="192.0.2.9").content.decode()
        for n in range(3)
    ]
    assert len(mail.outbox) == 2
    assert "Too many sign-ups" in answers[2] and "Check your inbox" in answers[0]


def test_a_filled_honeypot_is_thanked_and_ignored(client, newsletters):
    response = sign_up(client, "bot@example.org", "daily", data={"website": "http://spam"})
    assert "Check your inbox" in response.content.decode()
    assert not NewsletterSubscription.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "not-an-address", "newsletters": ["daily"]}, "valid email"),
        ({"email": "a@example.org", "newsletters": []}, "Choose at least one newsletter"),
        ({"email": "a@example.org", "newsletters": ["staff"]}, "Choose at least one newsletter"),
        ({"email": "a@example.org", "newsletters": ["no-such"]}, "Choose at least one newsletter"),
    ],
)
def test_bad_input_is_a_form_error_not_a_subscription(client, newsletters, data, message):
    response = client.post(SIGNUP, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not NewsletterSubscription.objects.exists()


def test_every_article_page_has_a_tokenless_signup_form(client, newsletters, make_article):
    article = make_article("Floods reach the delta")
    page = client.get(article.get_absolute_url()).content.decode()
    form = page[page.index('class="newsletter-signup"') :]
    form = form[: form.index("</form>")]
    assert 'action="/newsletters/"' in form and 'name="email"' in form
    assert 'value="daily"' in form and 'value="staff"' not in form
    assert "csrfmiddlewaretoken" not in page


def test_ticking_the_newsletter_on_the_comment_form_asks_to_confirm_it(
    newsletters, make_article, post_comment
):
    article = make_article("Harvest report")
    page = Client().get(article.get_absolute_url()).content.decode()
    assert 'id="comment-newsletter"' in page and "Also send me The Daily Briefing" in page
    response = post_comment(article, email="commenter@example.org", newsletters="daily")
    assert response.status_code == 303 and "mail=inbox" in response["Location"]
    subscription = NewsletterSubscription.objects.get()
    assert subscription.newsletter.slug == "daily" and subscription.confirmed_at is None
    assert [m.to for m in mail.outbox] == [["commenter@example.org"]]


def test_a_comment_without_the_tick_signs_up_nobody(newsletters, make_article, post_comment):
    article = make_article("Harvest report")
    response = post_comment(article, email="commenter@example.org")
    assert response.status_code == 303 and "mail=" not in response["Location"]
    assert not NewsletterSubscription.objects.exists() and mail.outbox == []


def test_a_client_over_its_hourly_signups_stores_nothing_more(settings, newsletters):
    settings.CONFIRMATION_MAILS_PER_IP_PER_HOUR = 1
    for n in range(3):
        sign_up(Client(), f"script{n}@example.org", "daily", ip="192.0.2.50")
    refused = sign_up(Client(), "script9@example.org", "daily", ip="192.0.2.50")
    assert "Too many sign-ups" in refused.content.decode()
    assert NewsletterSubscription.objects.count() == 2
    assert not Reader.objects.filter(email="script9@example.org").exists()


def test_a_newsletter_link_is_no_comment_sign_in_link(client, newsletters, mailed_link):
    sign_up(client, "kinds@example.org", "daily")
    token = urlsplit(mailed_link("kinds@example.org")).path.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/comments/reader/sign-in/{token}/").status_code == 404
    assert client.get(f"/newsletters/confirm/{token}/").status_code == 200


def test_a_verified_commenter_ticking_the_newsletter_is_subscribed_at_once(
    newsletters, make_article, post_comment, proven_client
):
    article = make_article("Harvest report")
    browser = proven_client("verified@example.org")
    response = post_comment(
        article,
        using=browser,
        email="verified@example.org",
        newsletters="daily",
        headers={"Origin": SITE},
    )
    assert response.status_code == 303 and "mail=" not in response["Location"]
    assert NewsletterSubscription.objects.get().confirmed_at is not None
    assert mail.outbox == []


def test_a_used_up_link_says_so_and_confirms_nothing_more(client, newsletters, mailed_link):
    sign_up(client, "many@example.org", "daily")
    url = urlsplit(mailed_link("many@example.org")).path
    for _ in range(LINK_USES):
        assert Client().post(url).status_code == 200
    last = Client().post(url)
    assert last.status_code == 410 and "used up" in last.content.decode()
    assert VERIFIED_COOKIE not in last.cookies
