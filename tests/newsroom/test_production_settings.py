"""Production settings: Django's own audit passes, and every response carries the headers.

The production values are the documented sample, `.env.production.example`. Settings are
read from it in a fresh interpreter (`check --deploy`) or by running the settings module
again under that environment, never by changing the settings of this test process.
"""

import os
import re
from unittest import mock

import html5lib
import pytest
from django.core.cache.backends.redis import RedisCache
from django.template.backends.django import DjangoTemplates
from django.urls import reverse
from django.utils.module_loading import import_string

from articles import embeds
from articles.previews import preview_token
from comments.models import Comment
from newsroom.pagecache import middleware as pagecache
from tests.helpers.environment import ROOT, check_deploy, example_environment, settings_under


@pytest.fixture(scope="module")
def production():
    return settings_under(example_environment())


def test_check_deploy_passes_with_the_production_example_and_nothing_silenced(production):
    environment = {"PATH": os.environ["PATH"], **example_environment()}
    result = check_deploy(environment)
    print(f"\ncheck --deploy: exit {result.returncode}: {result.stdout.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert production.get("SILENCED_SYSTEM_CHECKS", []) == []


def test_placeholder_secret_key_fails_the_audit():
    environment = {"PATH": os.environ["PATH"], **example_environment()}
    environment["SECRET_KEY"] = "django-insecure-replace-me-with-a-long-random-value"
    result = check_deploy(environment)
    assert result.returncode != 0 and "security.W009" in result.stderr + result.stdout


def test_debug_is_off_unless_asked_for():
    assert settings_under({})["DEBUG"] is False
    assert settings_under({"SECRET_KEY": "x" * 60})["DEBUG"] is False
    assert settings_under({"DEBUG": "1"})["DEBUG"] is True  # the switch itself works


def test_production_example_is_secure_by_value(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["X_FRAME_OPTIONS"] == "DENY" and production["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert production["SECURE_REFERRER_POLICY"] == "strict-origin-when-cross-origin"
    assert production["ALLOWED_HOSTS"] == ["news.example.org"]
    assert production["TRUSTED_PROXIES"] == 1


def test_production_example_uses_postgres_redis_and_compressed_static_files(production):
    database = production["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 600 and database["CONN_HEALTH_CHECKS"] is True
    assert production["CACHES"]["default"]["BACKEND"] == "newsroom.sharedcache.ResilientRedisCache"
    assert production["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert production["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_redis_url_means_djangos_own_cache_even_with_django_redis_installed():
    from environ import compat

    with mock.patch.object(compat, "REDIS_DRIVER", "django_redis.cache.RedisCache"):
        caches = settings_under({"CACHE_URL": "redis://127.0.0.1:6379/5"})["CACHES"]
    # Django's RedisCache behind a circuit breaker (newsroom/sharedcache.py).
    assert caches["default"]["BACKEND"] == "newsroom.sharedcache.ResilientRedisCache"
    assert issubclass(import_string(caches["default"]["BACKEND"]), RedisCache)
    assert caches["default"]["LOCATION"] == "redis://127.0.0.1:6379/5"


def test_production_templates_are_compiled_once_by_the_cached_loader(production):
    (config,) = production["TEMPLATES"]
    assert "loaders" not in config["OPTIONS"]  # so Django picks the cached loader
    params = {key: value for key, value in config.items() if key != "BACKEND"}
    params["OPTIONS"] = {**params["OPTIONS"], "debug": production["DEBUG"]}
    engine = DjangoTemplates({**params, "NAME": "production"}).engine
    (loader,) = engine.template_loaders
    assert type(loader).__module__ == "django.template.loaders.cached"
    assert [type(inner).__module__ for inner in loader.loaders] == [
        "django.template.loaders.filesystem",
        "django.template.loaders.app_directories",
    ]


def test_readme_documents_every_production_variable():
    readme = (ROOT / "README.md").read_text()
    production_section = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in example_environment() if f"`{name}`" not in production_section]
    assert missing == []


# --- Headers on every kind of response ------------------------------------------------


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


PUBLIC_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "frame-src": embeds.frame_sources(),
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def security_headers(response) -> dict:
    return {
        "hsts": response.get("Strict-Transport-Security"),
        "frame": response.get("X-Frame-Options"),
        "nosniff": response.get("X-Content-Type-Options"),
        "referrer": response.get("Referrer-Policy"),
        "csp": directives(response.get("Content-Security-Policy", "missing")),
    }


def test_every_kind_of_response_carries_the_security_headers(
    client, reference_article, make_staff, settings
):
    url = reference_article.get_absolute_url()
    responses = {"public page (miss)": client.get(url, secure=True)}
    responses["cached hit (local copy)"] = client.get(url, secure=True)
    pagecache._local.clear()  # as if another app server answered from the shared cache
    responses["cached hit (shared cache)"] = client.get(url, secure=True)
    etag = responses["public page (miss)"]["ETag"]
    responses["304"] = client.get(url, secure=True, HTTP_IF_NONE_MATCH=etag)
    responses["preview"] = client.get(
        reverse("articles:preview", args=[preview_token(reference_article)]), secure=True
    )
    responses["404"] = client.get("/no/such/page/", secure=True)
    responses["admin login"] = client.get("/admin/login/", secure=True)
    client.force_login(make_staff("Editor"))
    responses["admin change list"] = client.get("/admin/articles/article/", secure=True)

    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {
        "public page (miss)": 200,
        "cached hit (local copy)": 200,
        "cached hit (shared cache)": 200,
        "304": 304,
        "preview": 200,
        "404": 404,
        "admin login": 200,
        "admin change list": 200,
    }
    hits = [responses[name]["X-Page-Cache"] for name in responses if "cached hit" in name]
    assert hits == ["hit-local", "hit"]
    admin_policy = {**PUBLIC_POLICY, "style-src": ["'self'", "'unsafe-inline'"]}
    expected = {
        "hsts": f"max-age={settings.SECURE_HSTS_SECONDS}",
        "frame": "DENY",
        "nosniff": "nosniff",
        "referrer": "strict-origin-when-cross-origin",
    }
    wrong = {
        name: found
        for name, response in responses.items()
        if (found := security_headers(response))
        != {**expected, "csp": admin_policy if "admin" in name else PUBLIC_POLICY}
    }
    print(f"\nsecurity headers: {len(responses) - len(wrong)}/{len(responses)} responses right")
    assert wrong == {}


def test_session_and_csrf_cookies_are_secure(client, make_staff, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    editor = make_staff("Editor")
    editor.set_password("correct-horse-battery")
    editor.save()
    login_page = client.get("/admin/login/", secure=True)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": editor.username, "password": "correct-horse-battery", "next": "/admin/"},
        secure=True,
    )
    assert response.status_code == 302
    assert login_page.cookies["csrftoken"]["secure"] is True
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


# --- Pages themselves need nothing the policy forbids ---------------------------------


def inline_code(html: str) -> list[str]:
    """What a strict policy would block: inline scripts (JSON-LD is data, not code),
    event-handler attributes, `style` attributes and `<style>` elements."""
    found = []
    document = html5lib.parse(html, namespaceHTMLElements=False)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        is_data = element.get("type") == "application/ld+json"
        if element.tag == "script" and not element.get("src") and not is_data:
            found.append(f"inline <script>: {(element.text or '')[:60]!r}")
        if element.tag == "style":
            found.append("<style> element")
        for name in element.attrib:
            if name == "style" or name.lower().startswith("on"):
                found.append(f"{name}= on <{element.tag}>")
    return found


def test_public_pages_have_no_inline_scripts_or_styles(client, reference_article, post_comment):
    post_comment(reference_article, body="A first comment.")
    Comment.objects.update(status=Comment.Status.APPROVED)
    comment = Comment.objects.get()
    urls = [
        "/",
        reference_article.get_absolute_url(),
        reference_article.section.get_absolute_url(),
        reference_article.primary_region.get_absolute_url(),
        reference_article.bylines.first().author.get_absolute_url(),
        "/search/?q=register",
        "/corrections/",
        reverse("comments:article", args=[reference_article.pk]),
        reverse("comments:report_form", args=[comment.pk]),
        reverse("articles:preview", args=[preview_token(reference_article)]),
        "/no/such/page/",
    ]
    pages = {url: client.get(url) for url in urls}
    assert {url: page.status_code for url, page in pages.items()} == {
        url: 404 if url == "/no/such/page/" else 200 for url in urls
    }
    article_page = pages[reference_article.get_absolute_url()].content.decode()
    assert 'type="application/ld+json"' in article_page and "js/comments.js" in article_page
    blocked = {url: inline_code(page.content.decode()) for url, page in pages.items()}
    print(f"\ninline code on {len(urls)} public pages: {sum(map(len, blocked.values()))}")
    assert {url: found for url, found in blocked.items() if found} == {}
    # JSON-LD stays a data block: nothing in it can close the element early.
    for block in re.findall(r"<script[^>]*ld\+json[^>]*>(.*?)</script>", article_page, re.S):
        assert "<" not in block


def test_a_view_can_still_adjust_the_policy_with_django_csp_decorators(rf):
    """The header is built once per process, except for responses a decorator changed."""
    from csp.decorators import csp_update
    from django.http import HttpResponse

    from newsroom.security import ContentSecurityPolicyMiddleware

    @csp_update({"img-src": ["https://maps.example.org"]})
    def map_view(request):
        return HttpResponse("map")

    middleware = ContentSecurityPolicyMiddleware(map_view)
    adjusted = directives(middleware(rf.get("/map/"))["Content-Security-Policy"])
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("page"))
    assert adjusted == {**PUBLIC_POLICY, "img-src": ["'self'", "https://maps.example.org"]}
    assert directives(plain(rf.get("/"))["Content-Security-Policy"]) == PUBLIC_POLICY
