"""Site-wide request security: what browsers may run (CSP), and the admin login lockout.

Who the client is (its address behind the configured proxies) is `comments.readers.client_ip`,
used by the comment limits and the login throttle alike.
"""

from dataclasses import asdict
from math import ceil
from types import SimpleNamespace

from csp.constants import HEADER, HEADER_REPORT_ONLY, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

ADMIN_PREFIX = "/admin/"


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
    public pages allow no inline style at all.

    The policy is the same for every reader (no nonces: cached pages are shared), so
    each header is built once per process instead of on every request, which matters
    for pages served from the cache in a fraction of a millisecond. Responses that a
    django-csp decorator changed still go through django-csp's own per-response path.
    """

    # What django-csp's decorators set on a response, for and against each policy.
    OVERRIDES = frozenset(
        f"_csp_{what}{kind}"
        for what in ("config", "update", "replace", "exempt")
        for kind in ("", "_ro")
    )

    def __init__(self, get_response):
        super().__init__(get_response)
        self._built: dict = {}

    def process_request(self, request) -> None:
        """No lazy nonce per request: nothing may depend on one."""

    def process_response(self, request, response):
        headers = self._headers(request.path_info.startswith(ADMIN_PREFIX))
        if headers is None or not self.OVERRIDES.isdisjoint(vars(response)):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's debug pages use inline code, as django-csp allows
        for header, value in headers:
            if header not in response:
                response[header] = value
        return response

    def _headers(self, admin: bool) -> list[tuple[str, str]] | None:
        """The headers for public or admin pages; None when only django-csp can tell."""
        policies = (
            getattr(settings, "CONTENT_SECURITY_POLICY", None),
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
        )
        # Keyed on the settings' objects too, so a changed setting (tests) is seen.
        key = (admin, *map(id, policies))
        if key not in self._built:
            if len(self._built) > 8:
                self._built.clear()
            headers = []
            for header, report_only in ((HEADER, False), (HEADER_REPORT_ONLY, True)):
                request = SimpleNamespace(path_info=ADMIN_PREFIX if admin else "/")
                parts = self.get_policy_parts(request, HttpResponse(), report_only)
                value = build_policy(**asdict(parts), report_only=report_only)
                if value:
                    headers.append((header, value))
            excluding = any("EXCLUDE_URL_PREFIXES" in (policy or {}) for policy in policies)
            self._built[key] = None if excluding else headers
        return self._built[key]

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX) and parts.update is None:
            parts.update = {"style-src": [UNSAFE_INLINE]}
        return parts
