"""Site-wide request security: who the client is, and what its browser may run."""

from math import ceil

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

ADMIN_PREFIX = "/admin/"


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


def login_locked_out(request, original_response=None, credentials=None):
    """The admin login's answer once django-axes has locked out a username at an address.

    429 with Retry-After, on an admin page that says how long to wait and that logging
    in from elsewhere still works (lockouts are per username *and* address).
    """
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "minutes": ceil(seconds / 60),
    }
    response = render(request, "admin/login_locked.html", context, status=429)
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)  # like the login page it replaces
    return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy from settings, with inline styles allowed in the admin only.

    Django's admin writes a few `style` attributes and, on some change lists, a
    `<style>` element; so do our admin widgets. Scripts stay `'self'` everywhere, and
    public pages allow no inline style at all. The policy is the same for every reader
    (no nonces), so cached pages can carry it.
    """

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX) and parts.update is None:
            parts.update = {"style-src": [UNSAFE_INLINE]}
        return parts
