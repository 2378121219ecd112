"""Site-wide pieces: health check, demo content, admin account."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection

from articles.models import Article, Author, Page, Photo, Region, Section
from tests.helpers.html import find, parse, text_of

pytestmark = pytest.mark.django_db


def test_health_check_answers_ok(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_health_check_refuses_post(client):
    assert client.post("/healthz/").status_code == 405


def test_favicon_ico_leads_to_the_sites_icon(client):
    """Pages that name no icon (the admin's) make browsers ask for /favicon.ico."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
    assert finders.find("img/favicon.svg")


def test_load_demo_makes_a_full_site_and_is_idempotent(capsys):
    call_command("load_demo")
    counts = (Article.objects.count(), Section.objects.count(), Region.objects.count(),
              Author.objects.count(), Photo.objects.count())  # fmt: skip
    call_command("load_demo")
    assert (Article.objects.count(), Section.objects.count(), Region.objects.count(),
            Author.objects.count(), Photo.objects.count()) == counts  # fmt: skip
    published = Article.objects.published()
    assert published.count() >= 30
    assert counts[0] >= 40 and counts[1] >= 5 and counts[2] >= 10 and counts[3] >= 6
    assert Article.objects.filter(status=Article.Status.DRAFT).exists()
    assert Article.objects.filter(status="published").exclude(pk__in=published).exists()
    assert published.filter(kind=Article.Kind.OPINION).count() >= 3
    assert "(0 new)" in capsys.readouterr().out.splitlines()[-1]


def test_demo_reference_article_has_every_part(client):
    call_command("load_demo", articles=10)
    article = Article.objects.get(slug__startswith="vice-president-says")
    assert article.is_published and article.primary_region and article.lead_photo
    assert article.lead_photo.credit and article.lead_photo.caption
    assert article.quotes.count() >= 2
    assert article.read_mores.exists() and article.body_photos.exists()
    assert article.related_links.exists()
    assert article.corrections.exists()
    assert [block.kind for block in article.blocks()] == [
        "text", "text", "quote", "text", "readmore", "text", "quote", "photo", "text", "text",
    ]  # fmt: skip
    assert "Vice President" in article.body_text
    page = client.get(article.get_absolute_url()).content.decode()
    assert "READ MORE" in page and "IRAQ:" in page and "[quote" not in page


def test_demo_has_an_article_with_an_embed_shown_as_a_click_to_load_card(client):
    call_command("load_demo", articles=3)
    [article] = Article.objects.filter(embeds__isnull=False)
    assert article.status == Article.Status.PUBLISHED
    assert [block.kind for block in article.blocks()][1:4] == ["text", "text", "embed"]
    embed = article.embeds.get()
    assert embed.provider == "YouTube" and embed.player_url
    page = parse(client.get(article.get_absolute_url()))
    [card] = find(page, "figure", "embed")
    assert card.getAttribute("data-player") == embed.player_url
    assert text_of(find(card, "a", "embed-link")[0]) == "Open on YouTube"
    assert find(card, "a", "embed-link")[0].getAttribute("href") == embed.url
    assert not find(page, "iframe"), "no player before the reader's click"


def test_demo_has_the_sites_own_pages_and_support_us_leads_to_one(client, settings):
    call_command("load_demo", articles=3)
    Page.objects.filter(slug="about").update(title="About the Ledger")  # an editor's change
    call_command("load_demo", articles=3)
    assert Page.objects.get(slug="about").title == "About the Ledger"  # kept
    titles = set(Page.objects.published().values_list("title", flat=True))
    assert titles == {"About the Ledger", "Support us", "Ethics & corrections policy",
                      "Contact", "Privacy"}  # fmt: skip
    assert settings.SUPPORT_CTA_URL == "/support/"
    home = parse(client.get("/"))
    support = [a for a in find(home, "a") if text_of(a) == "Support us"]
    assert len(support) >= 2 and {a.getAttribute("href") for a in support} == {"/support/"}
    page = parse(client.get("/support/"))
    assert text_of(find(page, "h1")[0]) == "Support us"
    assert len(find(find(page, "div", "article-body")[0], "p")) >= 3


def test_load_demo_articles_option_makes_a_bigger_site():
    call_command("load_demo", articles=120)
    assert Article.objects.count() == 121


def test_ensure_admin_prints_password_once(capsys):
    call_command("ensure_admin")
    first = capsys.readouterr().out
    password = first.strip().rsplit(" / ", 1)[1]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    call_command("ensure_admin")
    second = capsys.readouterr().out
    assert password not in second and "already exists" in second
    assert get_user_model().objects.count() == 1
    # The account writes under a byline of its own: its first article can be published.
    assert user.author_profile.name == "The Editors"
    assert Author.objects.filter(user=user).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
def test_load_demo_leaves_planner_statistics_on_postgresql():
    """A bulk-loaded table the planner still takes for empty made pages take seconds."""
    call_command("load_demo", articles=40)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'articles_article'")
        assert cursor.fetchone()[0] >= 40
