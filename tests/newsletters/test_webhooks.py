"""Bounce and complaint webhooks (django-anymail), verified by signature or basic auth."""

import base64
import hashlib
import hmac
import json
import time

import pytest

from newsroom.newsletters.models import Suppression

SIGNING_KEY = "key-for-tests-only"
SECRET = "provider:s3cret-for-tests"
MAILGUN = "/newsletters/webhooks/mailgun/tracking/"
POSTMARK = "/newsletters/webhooks/postmark/tracking/"


@pytest.fixture(autouse=True)
def provider_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def basic_auth(secret=SECRET):
    return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def mailgun(event, recipient="gone@example.org", key=SIGNING_KEY, **data):
    timestamp, token = str(int(time.time())), "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    event_data = {"event": event, "recipient": recipient, "timestamp": time.time(), **data}
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": event_data,
    }


def post(client, url, payload, headers=None):
    return client.post(
        url, json.dumps(payload), content_type="application/json", headers=headers or {}
    )


def test_a_signed_hard_bounce_suppresses_the_address(client, db):
    payload = mailgun("failed", "Gone@Example.org", severity="permanent", reason="bounce")
    response = post(client, MAILGUN, payload, basic_auth())
    assert response.status_code == 200
    suppression = Suppression.objects.get()
    assert suppression.address == "gone@example.org"
    assert suppression.reason == Suppression.Reason.BOUNCE


def test_a_signed_complaint_suppresses_the_address(client, db):
    post(client, MAILGUN, mailgun("complained"), basic_auth())
    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINT


def test_a_temporary_failure_and_a_delivery_suppress_nobody(client, db):
    for payload in (mailgun("failed", severity="temporary"), mailgun("delivered")):
        assert post(client, MAILGUN, payload, basic_auth()).status_code == 200
    assert not Suppression.objects.exists()


def test_a_wrong_signature_is_refused_and_changes_nothing(client, db):
    payload = mailgun("complained", key="someone-elses-key")
    response = post(client, MAILGUN, payload, basic_auth())
    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_a_right_signature_without_the_basic_auth_secret_is_refused(client, db):
    response = post(client, MAILGUN, mailgun("complained"), basic_auth("provider:guess"))
    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_postmark_hard_bounce_with_basic_auth_suppresses_and_soft_does_not(client, db):
    soft = {"RecordType": "Bounce", "Type": "SoftBounce", "Email": "full@example.org"}
    hard = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "nobody@example.org"}
    assert post(client, POSTMARK, soft, basic_auth()).status_code == 200
    assert post(client, POSTMARK, hard, basic_auth()).status_code == 200
    assert list(Suppression.objects.values_list("address", flat=True)) == ["nobody@example.org"]


def test_postmark_without_the_secret_is_refused(client, db):
    hard = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "nobody@example.org"}
    assert post(client, POSTMARK, hard).status_code == 400
    assert post(client, POSTMARK, hard, basic_auth("provider:wrong")).status_code == 400
    assert not Suppression.objects.exists()


def test_a_provider_that_is_not_set_up_answers_404_not_500(client, db, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}  # no Mailgun signing key
    response = post(client, MAILGUN, mailgun("complained"), basic_auth())
    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_by_default_every_report_is_refused(client, db, settings):
    """Without ANYMAIL_WEBHOOK_SECRET the site makes up a secret nobody knows."""
    from newsroom import settings as project_settings  # as loaded, without the overrides

    settings.ANYMAIL = project_settings.ANYMAIL
    assert ":" in settings.ANYMAIL["WEBHOOK_SECRET"]
    hard = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "nobody@example.org"}
    assert post(client, POSTMARK, hard).status_code == 400
    assert not Suppression.objects.exists()


def test_the_webhooks_are_never_cached_and_answer_get_with_405(client, db):
    assert client.get(MAILGUN).status_code == 405
