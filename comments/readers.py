"""Who is posting: the client's address, and what their browser proves about them.

Public pages are cached for everyone, so nothing here is ever read from the page: a
reader's identity comes from their own request (cookies, connection).
"""

from functools import wraps

from django.conf import settings
from django.core import signing
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

COMMENTER_COOKIE = "nr_commenter"  # name and e-mail, for the form script to fill in
VERIFIED_COOKIE = "nr_verified"  # an e-mail address its owner proved by a mail link
VERIFIED_SALT = "comments.verified"
COMMENTER_SALT = "comments.commenter"
COOKIE_AGE = 365 * 24 * 3600


def has_ambient_authority(request) -> bool:
    """Does the browser carry something that acts for its user (a session, a proof)?"""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or VERIFIED_COOKIE in request.COOKIES


def csrf_when_ambient(view):
    """Anonymous posts come from pages cached for everyone, so carry no CSRF token:
    they are protected by the signed timestamp, honeypot and rate limits instead. A
    request that carries a session or a verified address is CSRF-checked as usual."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if has_ambient_authority(request):
            refusal = CsrfViewMiddleware(lambda r: None).process_view(request, view, args, kwargs)
            if refusal is not None:
                return refusal
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)


def verified_email(request) -> str:
    try:
        return request.get_signed_cookie(VERIFIED_COOKIE, salt=VERIFIED_SALT, default="")
    except signing.BadSignature:
        return ""


def client_ip(request) -> str | None:
    """The client's address, trusting X-Forwarded-For only from configured proxies.

    Each of the TRUSTED_PROXIES in front of the app appends the address it was reached
    from, so the client is the entry that many places from the end; anything before it
    was written by the client and can be spoofed. With 0 proxies the header is ignored.
    Used by the comment rate limits and bans, and by the admin login throttle.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
