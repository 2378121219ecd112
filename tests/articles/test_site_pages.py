"""The site's own pages (About, Support us…): addresses, navigation, admin, cache."""

import base64
import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.forms import PageForm, TextBlockForm
from articles.models import RESERVED_PAGE_SLUGS, Page
from tests.helpers.html import find, parse, text_of
from tests.helpers.queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_page(db):
    def make(title="About us", slug="about", **kwargs):
        kwargs.setdefault("published", True)
        kwargs.setdefault("body", "<p>We report from the places others forget.</p>")
        return Page.objects.create(title=title, slug=slug, **kwargs)

    return make


def test_published_page_answers_at_its_slug_with_its_body(client, make_page):
    make_page()
    page = parse(client.get("/about/"))
    assert text_of(find(page, "h1")[0]) == "About us"
    assert "places others forget" in text_of(find(page, "div", "article-body")[0])


def test_unpublished_page_is_not_found(client, make_page):
    make_page(published=False)
    response = client.get("/about/")
    assert response.status_code == 404
    assert b"places others forget" not in response.content


def test_body_is_cleaned_by_the_editorial_policy_on_save(client, make_page):
    make_page(body='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a></p>')
    body = find(parse(client.get("/about/")), "div", "article-body")[0]
    assert text_of(body) == "Hi l"  # the page shown, its text kept
    assert not find(body, "script")
    assert not any(a.hasAttribute("href") for a in find(body, "a"))
    assert not find(body, "p")[0].hasAttribute("onclick")


def _first_parts(resolver, prefix="") -> set[str]:
    """The first part of every address ``/part/…`` the site answers, pages aside.

    Addresses without a slash after their first part (``robots.txt``) cannot clash with
    a page's ``/slug/``.
    """
    parts = set()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern).lstrip("^")
        if isinstance(entry, URLPattern) and entry.name == "page":
            continue
        if isinstance(entry, URLResolver) and not route:
            parts |= _first_parts(entry, prefix)
            continue
        first, slash, _ = route.partition("/")
        if slash and first and "<" not in first and "(" not in first:
            parts.add(first)
    return parts


def test_every_top_level_address_of_the_site_is_a_reserved_page_slug():
    parts = _first_parts(get_resolver())
    assert {"admin", "section", "search", "my-data", "comments"} <= parts  # positive control
    assert parts - RESERVED_PAGE_SLUGS == set()


@pytest.mark.parametrize("slug", ["search", "Section", "admin", "my-data", "2019"])
def test_a_page_cannot_take_an_address_of_the_site(slug):
    page = Page(title="Clash", slug=slug)
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "slug" in error.value.message_dict


def test_the_sites_own_addresses_still_answer_with_pages_present(client, make_page, section):
    make_page(title="Sections", slug="sections")
    assert client.get("/section/").status_code == 200
    assert client.get(section.get_absolute_url()).status_code == 200
    assert client.get("/search/").status_code == 200
    assert b"Sections" in client.get("/sections/").content


def test_navigation_and_footer_show_published_pages_by_their_flags_in_order(client, make_page):
    make_page("Contact", "contact", in_footer=True, position=2)
    make_page("About us", "about", in_navigation=True, in_footer=True, position=1)
    make_page("Draft", "draft", in_navigation=True, in_footer=True, published=False)
    make_page("Hidden", "hidden")
    home = parse(client.get("/"))
    nav = [text_of(a) for a in find(find(home, "nav", "section-nav")[0], "a")]
    assert nav[-1] == "About us" and "Contact" not in nav and "Draft" not in nav
    footer = find(home, "footer")[0]
    links = {text_of(a): a.getAttribute("href") for a in find(footer, "a")}
    assert links["About us"] == "/about/" and links["Contact"] == "/contact/"
    assert [t for t in links if t in ("About us", "Contact")] == ["About us", "Contact"]
    assert "Draft" not in links and "Hidden" not in links


def test_linked_pages_cost_no_query_once_cached(client, make_page):
    make_page(in_navigation=True)
    count_queries(client, "/about/")  # the sections and pages are cached from here on
    cached = count_queries(client, "/about/")
    make_page("Contact", "contact", in_footer=True)
    count_queries(client, "/about/")
    assert count_queries(client, "/about/") == cached <= 1


def test_editors_add_pages_in_the_admin_and_authors_cannot(client, editor_user, author_user):
    add = reverse("admin:articles_page_add")
    client.force_login(editor_user)
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {"title": "Support us", "slug": "support", "body": "<p>Give <strong>now</strong>.</p>",
         "published": "on", "in_footer": "on", "position": "3"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Page.objects.get(slug="support").body == "<p>Give <strong>now</strong>.</p>"
    clash = client.post(add, {"title": "Search", "slug": "search", "position": "0"})
    assert clash.status_code == 200 and not Page.objects.filter(slug="search").exists()
    assert "site&#x27;s own addresses" in clash.content.decode()
    author = Client()
    author.force_login(author_user)
    assert author.get(add).status_code == 403


def test_page_form_uses_the_article_text_editor():
    page_field, text_field = PageForm().fields["body"], TextBlockForm().fields["text"]
    assert type(page_field.widget) is type(text_field.widget)
    assert page_field.widget.config == text_field.widget.config


def test_page_editor_import_map_is_allowed_by_its_hash(client, editor_user, make_page):
    client.force_login(editor_user)
    response = client.get(reverse("admin:articles_page_change", args=[make_page().pk]))
    [import_map] = re.findall(r'<script type="importmap">(.*?)</script>', response.text, re.S)
    assert "django-prose-editor/" in import_map
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split("; ") if part.startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'", f"'sha256-{digest}'"]


def test_an_edited_page_is_rendered_again_and_other_pages_are_kept(make_page, make_article):
    page = make_page()
    make_article("Harbour reopens")
    reader = Client()
    reader.get("/about/"), reader.get("/")
    assert reader.get("/about/")["X-Page-Cache"].startswith("hit")
    page.body = "<p>Founded in a harbour town.</p>"
    page.save()
    again = reader.get("/about/")
    assert again["X-Page-Cache"] == "miss" and b"harbour town" in again.content
    assert reader.get("/")["X-Page-Cache"].startswith("hit")


def test_a_page_taken_out_of_the_navigation_leaves_every_page(make_page, make_article):
    page = make_page(in_navigation=True)
    make_article("Harbour reopens")
    reader = Client()
    assert b'href="/about/"' in reader.get("/").content
    page.in_navigation = False
    page.save()
    home = reader.get("/")
    assert home["X-Page-Cache"] == "miss" and b"Harbour reopens" in home.content
    assert b'href="/about/"' not in home.content


def test_pages_carry_their_own_surrogate_key(client, settings, make_page):
    settings.EDGE_CACHE = "varnish://127.0.0.1:9"
    page = make_page()
    assert f"page-{page.pk}" in client.get("/about/")["xkey"].split()
