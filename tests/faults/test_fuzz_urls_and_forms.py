"""Strange input, generated: every URL pattern and every public form, never a 500.

Hypothesis fills each URL pattern the resolver knows (walked recursively, the admin's
too) and each public form with odd values: NUL, lone surrogates, Unicode digits, huge
numbers, broken percent-encoding. Examples are derandomized, so every run (and CI) sends
the same requests; the counts are printed (``pytest -s`` shows them).
"""

import re
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.previews import preview_token
from comments import notifications
from comments.models import Comment, Subscription

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Written into the request as they are: broken or doubled percent-encoding.
ENCODED = ["%", "%zz", "%00", "%ED%A0%80", "%C0%AF", "%25%30%30", "%FF", "%2e%2e"]
ODD = ["\x00", "a\x00b", "\ud800", "x\udfff", "²", "٣", "١٢", "٢٠٢٤-01-01", "2024-01-0²",
       "9" * 25, str(2**63), str(2**63 - 1), "-1", "0", "1", "1.0", "1e9", "..", "'",
       "<b>", " ", "\u202e", "ﬁ", "last", "x" * 300, "a:b:c", ".eJw"]  # fmt: skip


def odd_values(known: list[str]):
    """Values as a request carries them: already percent-encoded, ready to send."""
    text = st.one_of(
        st.sampled_from(ODD),
        st.sampled_from(known),
        st.text(max_size=12),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    ).map(lambda value: quote(value.encode("utf-8", "surrogatepass"), safe=""))
    return st.one_of(text, text, text, st.sampled_from(ENCODED))


def _template(pattern) -> str | None:
    """A pattern as text with ``{}`` for each part a request fills in; None if unknown."""
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?\w+>", "{}", str(pattern))
    if not isinstance(pattern, RegexPattern):
        return None
    regex, out, depth = str(pattern).removeprefix("^").removesuffix("$"), "", 0
    for char in regex:
        depth += char == "("
        if depth == 0:
            out += char
        elif char == ")" and depth == 1:
            out += "{}"
        depth -= char == ")"
    out = re.sub(r"\\(.)", r"\1", out)
    return None if re.search(r"[*+?\[\]|^$]", out) else out


def url_templates() -> list[str]:
    def walk(patterns, prefix):
        for entry in patterns:
            part = _template(entry.pattern)
            if part is None:
                continue
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + part)
            else:
                yield prefix + part

    return sorted(set(walk(get_resolver().url_patterns, "/")))


@pytest.fixture
def site(make_article, make_author):
    article = make_article("Fuzzed story", authors=[make_author()])
    comment = Comment.objects.create(
        article=article, name="Ann", email="ann@example.org", body="First.",
        status=Comment.Status.APPROVED,
    )  # fmt: skip
    subscription = Subscription.objects.create(
        article=article, email="ann@example.org", kind=Subscription.Kind.ALL
    )
    return {
        "article": article,
        "comment": comment,
        "tokens": [
            notifications.confirm_token(subscription),
            notifications.unsubscribe_token(subscription),
            preview_token(article),
        ],
        "known": [str(article.pk), str(comment.pk), article.slug, "world", "articles", "comments"],
    }


QUERY_KEYS = ["page", "p", "page_id", "replyto", "q", "comment", "anchor", "date_from",
              "section", "o", "e"]  # fmt: skip


def fuzz_urls(client: Client, templates: list[str], data, known, methods) -> int:
    """One request per template, each with odd values in its parts and query."""
    values = odd_values(known)
    failures, sent = [], 0
    for template in templates:
        parts = [data.draw(values) for _ in range(template.count("{}"))]
        keys = data.draw(st.lists(st.sampled_from(QUERY_KEYS), max_size=3, unique=True))
        query = "&".join(f"{key}={data.draw(values)}" for key in keys)
        url = template.format(*parts) + (f"?{query}" if query else "")
        method = data.draw(st.sampled_from(methods))
        response = client.generic(method, url)
        sent += 1
        if response.status_code >= 500:
            failures.append(f"{method} {url} → {response.status_code}")
    assert failures == []
    return sent


def report(capsys, what: str, examples: int, requests: int, covered: int):
    with capsys.disabled():
        print(f"\nfuzz {what}: {examples} examples, {requests} requests, {covered} covered")


def test_no_public_url_answers_a_server_error_whatever_its_parts(site, capsys):
    templates = [t for t in url_templates() if not t.startswith("/admin/")]
    client = Client(raise_request_exception=False)
    counts = {"examples": 0, "requests": 0}

    @FUZZ
    @given(data=st.data())
    def run(data):
        counts["examples"] += 1
        counts["requests"] += fuzz_urls(
            client, templates, data, site["known"], ["GET", "GET", "HEAD", "POST", "PUT"]
        )

    run()
    report(capsys, "public URL patterns", counts["examples"], counts["requests"], len(templates))
    assert len(templates) >= 25  # the walk found the site's patterns


def test_no_admin_url_answers_a_server_error_whatever_its_parts(site, capsys):
    templates = [t for t in url_templates() if t.startswith("/admin/")]
    user = get_user_model().objects.create_superuser("fuzz", "fuzz@example.org", "x-pass-1")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    counts = {"examples": 0, "requests": 0}

    @settings(FUZZ, max_examples=2)
    @given(data=st.data())
    def run(data):
        counts["examples"] += 1
        counts["requests"] += fuzz_urls(client, templates, data, site["known"], ["GET"])

    run()
    report(capsys, "admin URL patterns", counts["examples"], counts["requests"], len(templates))
    assert len(templates) >= 50


def public_forms(site) -> dict:
    """Each public form: method, address, and the fields a browser would send."""
    article, comment = site["article"], site["comment"]
    comment_fields = ["name", "email", "body", "notify", "parent", "anchor", "excerpt",
                      "website", "ts"]  # fmt: skip
    return {
        "comment": ("POST", f"/comments/article/{article.pk}/post/", comment_fields),
        "report": ("POST", f"/comments/{comment.pk}/report/send/",
                   ["kind", "note", "website", "ts"]),
        "search": ("GET", "/search/", ["q", "section", "region", "author", "date_from",
                                       "date_to", "page"]),
        "confirm": ("POST", "/comments/confirm/{}/", []),
        "unsubscribe": ("POST", "/comments/unsubscribe/{}/", []),
        "preview": ("GET", "/preview/{}/", []),
        "admin-login": ("POST", "/admin/login/", ["username", "password", "next"]),
    }  # fmt: skip


def test_no_public_form_answers_a_server_error_whatever_its_fields(site, capsys):
    forms = public_forms(site)
    client = Client(raise_request_exception=False)
    counts = {"examples": 0, "requests": 0}
    values = odd_values([*site["known"], *site["tokens"], "on", "all", "spam", "other"])

    @FUZZ
    @given(data=st.data())
    def run(data):
        counts["examples"] += 1
        failures = []
        for name, (method, address, fields) in forms.items():
            token = data.draw(st.one_of(st.sampled_from(site["tokens"]), values))
            url = address.format(token)
            sent = data.draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
            body = "&".join(f"{field}={data.draw(values)}" for field in sent)
            if method == "GET":
                response = client.get(f"{url}?{body}")
            else:
                response = client.generic(
                    "POST", url, body, content_type="application/x-www-form-urlencoded"
                )
            counts["requests"] += 1
            if response.status_code >= 500:
                failures.append(f"{name}: {method} {url} {body} → {response.status_code}")
        assert failures == []

    run()
    report(capsys, "public forms", counts["examples"], counts["requests"], len(forms))
