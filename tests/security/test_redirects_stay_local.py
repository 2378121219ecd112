"""Redirects never leave the site, whatever a link or a header asks for.

Every view that redirects by something the request carries (a ``next`` parameter, the
Referer, the admin's preserved filters, the path itself) is sent the classic open
redirect tricks; each answer's Location must be on this site.
"""

import time

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from articles.models import Article
from articles.previews import preview_token
from comments import notifications
from comments.forms import FORM_SALT
from comments.models import Comment, ModeratedWord, Subscription

EVIL = [
    "//evil.example",
    "//evil.example/path",
    "https://evil.example",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil",
    "\\/evil.example",
    "///evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.domain)//",
    "https:/\\evil.example",
]


def stays_on_site(response) -> bool:
    location = response.get("Location")
    return location is None or url_has_allowed_host_and_scheme(
        location, allowed_hosts={"testserver"}
    )


@pytest.fixture
def staff(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_superuser("desk", password="long-pass-phrase-4")


def test_no_redirect_leaves_the_site(staff, make_article, make_author, capsys):
    article = make_article(authors=[make_author()])
    draft = make_article(status=Article.Status.DRAFT)
    subscription = Subscription.objects.create(article=article, email="s@example.org", kind="all")
    word = ModeratedWord.objects.create(word="drivel")
    reader, desk = Client(), Client()
    desk.force_login(staff)
    checked, escaped, redirects = 0, [], 0

    def check(label, response):
        nonlocal checked, redirects
        checked += 1
        redirects += response.status_code in (301, 302, 303, 307, 308)
        if not stays_on_site(response):
            escaped.append(f"{label}: {response.status_code} → {response['Location']!r}")

    def comment_form(article_id):
        ts = signing.dumps({"a": article_id, "t": int(time.time()) - 60}, salt=FORM_SALT)
        return {"ts": ts, "website": ""}

    for n, evil in enumerate(EVIL):
        login = Client()
        credentials = {"username": "desk", "password": "long-pass-phrase-4", "next": evil}
        check(f"admin login next={evil}", login.post(f"/admin/login/?next={evil}", credentials))
        check(f"admin logout next={evil}", login.post(f"/admin/logout/?next={evil}"))
        held = Comment.objects.create(
            article=article, name="N", email=f"n{n}@example.org", body="B", body_html="B"
        )
        url = reverse("admin:comments_comment_moderate", args=[held.pk, "approve"])
        check(f"moderate Referer={evil}", desk.post(url, HTTP_REFERER=evil))
        url = reverse("admin:comments_comment_ban", args=[held.pk])
        check(f"ban next={evil}", desk.post(f"{url}?next={evil}", {"email": "on", "next": evil}))
        url = reverse("admin:comments_moderatedword_change", args=[word.pk])
        data = {"word": "drivel", "action": "hold", "_changelist_filters": evil, "next": evil}
        check(f"word save filters={evil}", desk.post(f"{url}?_changelist_filters={evil}", data))
        # The reader's posts and mailed links: ``next`` is not theirs to choose.
        url = reverse("comments:post", args=[article.pk])
        data = comment_form(article.pk) | {
            "name": "R", "email": f"r{n}@example.org", "body": f"Comment {n}.", "next": evil,
        }  # fmt: skip
        check(
            f"comment next={evil}",
            reader.post(f"{url}?next={evil}", data, REMOTE_ADDR=f"10.1.1.{n}"),
        )
        approved = Comment.objects.create(
            article=article, name="A", email="a@example.org", body="B", body_html="B",
            status=Comment.Status.APPROVED,
        )  # fmt: skip
        url = reverse("comments:report", args=[approved.pk])
        data = comment_form(article.pk) | {"kind": "spam", "next": evil}
        check(
            f"report next={evil}",
            reader.post(f"{url}?next={evil}", data, REMOTE_ADDR=f"10.2.1.{n}"),
        )
        for name, token in (
            ("comments:confirm", notifications.confirm_token(subscription)),
            ("comments:unsubscribe", notifications.unsubscribe_token(subscription)),
        ):
            url = reverse(name, args=[token])
            check(f"{name} GET next={evil}", reader.get(url, {"next": evil}))
        url = reverse("comments:confirm", args=[notifications.confirm_token(subscription)])
        check(f"confirm POST next={evil}", desk.post(url, {"next": evil}))
        url = reverse("articles:preview", args=[preview_token(draft)])
        check(f"preview next={evil}", reader.get(url, {"next": evil}))
        # The path itself: slash appending, canonical article addresses, old addresses.
        for path in (f"/{evil.lstrip('/')}", f"/{evil}", f"{article.get_absolute_url()}{evil}"):
            # Given as PATH_INFO: the test client would read "//host" as a host.
            check(f"path {path!r}", reader.get("/", PATH_INFO=path))
        check(f"search next={evil}", reader.get("/search/", {"q": "dam", "next": evil}))

    with capsys.disabled():
        print(
            f"\nredirects: {len(EVIL)} hostile targets, {checked} requests "
            f"({redirects} redirected), {len(escaped)} left the site"
        )
    assert not escaped, "\n".join(escaped)
    assert redirects >= len(EVIL) * 5  # the login, moderation, word and comment redirects ran
    assert Comment.objects.filter(
        status=Comment.Status.APPROVED, email__startswith="n"
    ).count() == len(EVIL)
    assert User.objects.get(username="desk").last_login is not None


def test_the_check_flags_every_hostile_target_and_passes_local_ones():
    """Were ``stays_on_site`` blind, the test above would prove nothing."""
    local_targets = ["/admin/", "http://testserver/x/", "/2024/01/02/dam/?q=1#c"]
    cases = [(evil, False) for evil in EVIL] + [(target, True) for target in local_targets]
    for target, local in cases:
        response = HttpResponse(status=302)
        response["Location"] = target
        assert stays_on_site(response) is local, target
