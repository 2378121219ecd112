"""One-click unsubscribe: GET shows a button, POST acts, RFC 8058's POST works."""

import pytest
from django.test import Client
from django.utils import timezone

from newsroom.newsletters import tokens
from newsroom.newsletters.models import NewsletterSubscription


@pytest.fixture
def subscription(newsletters, confirmed_address):
    reader = confirmed_address("leaver@example.org")
    for newsletter in newsletters[:2]:
        NewsletterSubscription.objects.create(
            newsletter=newsletter, reader=reader, confirmed_at=timezone.now()
        )
    return NewsletterSubscription.objects.get(reader=reader, newsletter=newsletters[0])


def url(subscription):
    token = tokens.unsubscribe_token(subscription.reader_id, subscription.newsletter_id)
    return f"/newsletters/unsubscribe/{token}/"


def test_get_shows_a_confirmation_and_changes_nothing(client, subscription):
    response = client.get(url(subscription))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Unsubscribe from The Daily Briefing?" in text and ">Unsubscribe</button>" in text
    assert NewsletterSubscription.objects.filter(pk=subscription.pk).exists()
    assert "no-cache" in response["Cache-Control"]


def test_the_rfc_8058_post_works_without_cookies_or_token(subscription):
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        url(subscription),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not NewsletterSubscription.objects.filter(pk=subscription.pk).exists()
    # Only that list: the reader's other newsletter stays.
    assert NewsletterSubscription.objects.filter(reader=subscription.reader).count() == 1


def test_unsubscribing_twice_says_the_same(subscription):
    address = url(subscription)
    first = Client().post(address)
    second = Client().post(address)
    assert first.status_code == second.status_code == 200
    assert "You are unsubscribed" in second.content.decode()
    again = Client().get(address).content.decode()
    assert "You are unsubscribed" in again and "Unsubscribe from The Daily Briefing?" not in again


def test_the_page_links_to_the_readers_preferences(client, subscription):
    text = client.post(url(subscription)).content.decode()
    assert tokens.preferences_token(subscription.reader_id) in text


def test_a_forged_token_is_a_404_and_removes_nothing(client, subscription):
    token = tokens.unsubscribe_token(subscription.reader_id, subscription.newsletter_id)
    response = client.post(f"/newsletters/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 404
    assert NewsletterSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_link_after_the_readers_data_was_erased_still_answers(client, subscription):
    address = url(subscription)
    subscription.reader.delete()
    response = client.post(address)
    assert response.status_code == 200 and "You are unsubscribed" in response.content.decode()
