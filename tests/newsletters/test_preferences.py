"""The preferences page, reached by the signed link in every mail: no login."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from newsroom.newsletters import tokens
from newsroom.newsletters.models import NewsletterSubscription


@pytest.fixture
def subscriber(newsletters, confirmed_address):
    reader = confirmed_address("pref@example.org")
    for newsletter in newsletters[:1] + newsletters[2:]:  # daily and the unlisted one
        NewsletterSubscription.objects.create(
            newsletter=newsletter, reader=reader, confirmed_at=timezone.now()
        )
    return reader


def url(reader):
    return f"/newsletters/preferences/{tokens.preferences_token(reader.pk)}/"


def csrf_client(reader):
    client = Client(enforce_csrf_checks=True)
    page = client.get(url(reader))
    return client, page, client.cookies["csrftoken"].value


def chosen(reader):
    return sorted(
        NewsletterSubscription.objects.filter(reader=reader).values_list(
            "newsletter__slug", flat=True
        )
    )


def test_the_page_shows_the_readers_newsletters_ticked_and_is_never_cached(subscriber):
    _client, page, _token = csrf_client(subscriber)
    text = page.content.decode()
    assert page.status_code == 200 and "pref@example.org" in text
    assert 'value="daily" ' in text and 'value="nile" ' in text
    assert "Staff digest" in text  # unlisted, but theirs
    assert text.count("checked") == 2
    assert "no-cache" in page["Cache-Control"] and "csrfmiddlewaretoken" in text


def test_choosing_newsletters_adds_confirms_and_drops(subscriber):
    client, _page, token = csrf_client(subscriber)
    response = client.post(
        url(subscriber), {"newsletters": ["nile"], "csrfmiddlewaretoken": token, "save": "1"}
    )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    assert chosen(subscriber) == ["nile"]
    assert NewsletterSubscription.objects.get(reader=subscriber).confirmed_at is not None


def test_pausing_sets_when_mail_starts_again(subscriber):
    client, _page, token = csrf_client(subscriber)
    data = {"newsletters": ["daily"], "pause_weeks": "4", "csrfmiddlewaretoken": token}
    client.post(url(subscriber), data)
    paused = NewsletterSubscription.objects.get(reader=subscriber).paused_until
    assert timedelta(days=27) < paused - timezone.now() <= timedelta(weeks=4)
    data["pause_weeks"] = "0"
    client.post(url(subscriber), data)
    assert NewsletterSubscription.objects.get(reader=subscriber).paused_until is None


def test_unsubscribe_from_all(subscriber):
    client, _page, token = csrf_client(subscriber)
    response = client.post(url(subscriber), {"unsubscribe_all": "1", "csrfmiddlewaretoken": token})
    assert "unsubscribed from all" in response.content.decode()
    assert chosen(subscriber) == []


def test_a_post_without_the_csrf_token_is_refused(subscriber):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(subscriber), {"unsubscribe_all": "1"})
    assert response.status_code == 403
    assert chosen(subscriber) == ["daily", "staff"]


def test_a_bad_pause_is_a_form_error(subscriber):
    client, _page, token = csrf_client(subscriber)
    data = {"newsletters": ["nile"], "pause_weeks": "999", "csrfmiddlewaretoken": token}
    response = client.post(url(subscriber), data)
    assert response.status_code == 400
    assert chosen(subscriber) == ["daily", "staff"]


@pytest.mark.parametrize("token", ["nonsense", tokens.unsubscribe_token(1, 1)])
def test_a_forged_or_foreign_token_is_a_404(client, subscriber, token):
    assert client.get(f"/newsletters/preferences/{token}/").status_code == 404


def test_a_token_of_an_erased_reader_is_a_404(client, subscriber):
    address = url(subscriber)
    subscriber.delete()
    assert client.get(address).status_code == 404
