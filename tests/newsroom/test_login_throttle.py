"""The admin login throttle (django-axes): per username *and* address, proxies counted."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory

from comments.readers import client_ip

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct-horse-battery"  # what make_staff gives every account
ATTACKER, EDITOR_AT_HOME = "203.0.113.66", "198.51.100.20"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Every attempt checks a password: a cheap hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(client, username, password, ip, **headers):
    client.cookies.clear()
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **headers,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail_until_locked(client, username, ip, **headers) -> list[int]:
    return [
        log_in(client, username, "wrong guess", ip, **headers).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]


def test_failures_lock_that_username_at_that_address_only(client, make_staff):
    editor, colleague = make_staff("Editor"), make_staff("Editor")
    statuses = fail_until_locked(client, editor.username, ATTACKER)
    limit = settings.AXES_FAILURE_LIMIT
    print(f"\nlogin throttle: {limit} failures -> statuses {statuses}")
    # Wrong passwords redisplay the form until the limit; the limit-th is refused.
    assert statuses == [200] * (limit - 1) + [429]
    # Locked at that address, even with the right password...
    assert log_in(client, editor.username, PASSWORD, ATTACKER).status_code == 429
    # ...but not the editor from anywhere else, nor a colleague from the same address.
    assert logged_in(log_in(client, editor.username, PASSWORD, EDITOR_AT_HOME))
    assert logged_in(log_in(client, colleague.username, PASSWORD, ATTACKER))
    assert AccessAttempt.objects.filter(username=editor.username).count() == 1


def test_lockout_page_is_a_clear_429_with_retry_after(client, make_staff):
    editor = make_staff("Editor")
    locked = fail_until_locked(client, editor.username, ATTACKER)[-1]
    response = log_in(client, editor.username, PASSWORD, ATTACKER)
    assert locked == 429 and response.status_code == 429
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    page = response.content.decode()
    assert "Too many failed logins" in page and f"{settings.SITE_NAME} newsroom" in page
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"paused for {minutes} minutes" in page


def test_lockout_ends_after_the_cool_off(client, make_staff):
    editor = make_staff("Editor")
    fail_until_locked(client, editor.username, ATTACKER)
    assert log_in(client, editor.username, PASSWORD, ATTACKER).status_code == 429
    # As if the cool-off had passed since the last attempt (no sleeping in tests).
    attempt = AccessAttempt.objects.get(username=editor.username)
    attempt.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    attempt.save()
    assert logged_in(log_in(client, editor.username, PASSWORD, ATTACKER))


def test_spoofed_forwarded_for_does_not_change_the_address_without_proxies(
    client, make_staff, settings
):
    settings.TRUSTED_PROXIES = 0
    editor = make_staff("Editor")
    statuses = [
        log_in(
            client, editor.username, "wrong guess", ATTACKER, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429  # a new forged address per guess did not reset the count
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    spoof_home = {"HTTP_X_FORWARDED_FOR": EDITOR_AT_HOME}
    assert log_in(client, editor.username, PASSWORD, ATTACKER, **spoof_home).status_code == 429


def test_behind_one_proxy_the_address_it_saw_is_the_key(client, make_staff, settings):
    settings.TRUSTED_PROXIES = 1
    editor = make_staff("Editor")
    proxy_a, proxy_b = "10.0.0.1", "10.0.0.2"
    # The client forges an entry; the proxy appends the address it really came from.
    forged = {"HTTP_X_FORWARDED_FOR": f"{EDITOR_AT_HOME}, {ATTACKER}"}
    fail_until_locked(client, editor.username, proxy_a, **forged)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # Locked through any proxy for that client; the editor's own address is unaffected.
    assert log_in(client, editor.username, PASSWORD, proxy_b, **forged).status_code == 429
    home = {"HTTP_X_FORWARDED_FOR": EDITOR_AT_HOME}
    assert logged_in(log_in(client, editor.username, PASSWORD, proxy_b, **home))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "192.0.2.1"),
        (0, "198.51.100.7", "192.0.2.1"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.3", "198.51.100.7"),
        (2, "198.51.100.7", "192.0.2.1"),  # fewer hops than configured: the connection's
    ],
)
def test_client_ip_trusts_only_the_configured_proxy_hops(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **headers)
    assert client_ip(request) == expected
