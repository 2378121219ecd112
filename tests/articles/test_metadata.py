"""What machines read from pages: canonical URLs, Open Graph, Twitter cards and JSON-LD.

Structured data is read back with extruct, the parser search-engine tooling uses.
"""

import json

import extruct
import html5lib
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.dateparse import parse_datetime
from PIL import Image

from articles.models import Article, Page

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


def parse(response):
    return html5lib.parse(response.content, treebuilder="dom", namespaceHTMLElements=False)


def structured(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    data = extruct.extract(response.content.decode(), base_url=BASE + url,
                           syntaxes=["json-ld", "opengraph"], uniform=True)  # fmt: skip
    return {
        "json-ld": {item["@type"]: item for item in data["json-ld"]},
        "opengraph": data["opengraph"],
        "document": parse(response),
    }


def meta_values(document, attribute: str, name: str) -> list[str]:
    return [
        meta.getAttribute("content")
        for meta in document.getElementsByTagName("meta")
        if meta.getAttribute(attribute) == name
    ]


@pytest.fixture
def article(reference_article, make_photo):
    photo = make_photo(renditions=True, size=(1800, 1000), photographer="Rami Haddad",
                       agency="Meridian", caption="Rubble in the old city",
                       alt_text="A street of ruined houses")  # fmt: skip
    Article.objects.filter(pk=reference_article.pk).update(lead_photo=photo)
    reference_article.refresh_from_db()
    return reference_article


def test_article_has_news_article_json_ld_with_every_required_field(client, article):
    url = article.get_absolute_url()
    news = structured(client, url)["json-ld"]["NewsArticle"]
    assert news["headline"] == "IRAQ: Vice President says funds will be audited"
    assert news["url"] == BASE + url
    assert news["mainEntityOfPage"]["@id"] == BASE + url
    assert news["description"] == article.standfirst
    assert parse_datetime(news["datePublished"]) == article.publish_at
    assert parse_datetime(news["dateModified"]) == article.updated_at
    assert news["author"] == [
        {"@type": "Person", "name": author.name, "url": BASE + author.get_absolute_url()}
        for author in article.author_list
    ]
    [image] = news["image"]
    assert image["@type"] == "ImageObject"
    assert image["url"].startswith(BASE + "/media/renditions/") and image["url"].endswith(".jpg")
    assert (image["width"], image["height"]) == (1600, 889)
    assert image["creditText"] == "Rami Haddad/Meridian"
    assert image["caption"] == "Rubble in the old city"
    publisher = news["publisher"]
    assert publisher["@type"] == "NewsMediaOrganization" and publisher["name"]
    assert publisher["logo"]["url"].endswith(".png")
    logo = finders.find(publisher["logo"]["url"].removeprefix(BASE + settings.STATIC_URL))
    with Image.open(logo) as image:
        assert image.size == (publisher["logo"]["width"], publisher["logo"]["height"])
    assert news["articleSection"] == "World"
    assert news["keywords"] == ["Iraq", "Syria"]


def test_publisher_names_the_ethics_page_as_its_publishing_principles(client, article):
    url = article.get_absolute_url()
    assert (
        "publishingPrinciples" not in structured(client, url)["json-ld"]["NewsArticle"]["publisher"]
    )
    Page.objects.create(title="Ethics", slug="ethics", published=True)
    publisher = structured(client, url)["json-ld"]["NewsArticle"]["publisher"]
    assert publisher["publishingPrinciples"] == BASE + "/ethics/"


def test_article_has_breadcrumbs_home_section_article(client, article):
    url = article.get_absolute_url()
    crumbs = structured(client, url)["json-ld"]["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "The Meridian Ledger", BASE + "/"),
        (2, "World", BASE + article.section.get_absolute_url()),
        (3, article.display_headline, BASE + url),
    ]


def test_article_open_graph_and_twitter_tags(client, article):
    found = structured(client, article.get_absolute_url())
    [og] = found["opengraph"]
    assert og["@type"] == "article"  # extruct's name for og:type
    assert og["og:title"] == "IRAQ: Vice President says funds will be audited"
    assert og["og:description"] == article.standfirst
    assert og["og:url"] == BASE + article.get_absolute_url()
    assert og["og:image"].endswith("-1600.jpg")
    assert (og["og:image:width"], og["og:image:height"]) == ("1600", "889")
    assert og["og:image:alt"] == "A street of ruined houses"
    assert parse_datetime(og["article:published_time"]) == article.publish_at
    assert parse_datetime(og["article:modified_time"]) == article.updated_at
    assert og["article:section"] == "World"
    document = found["document"]
    # extruct folds repeated properties into one; every tag must be there.
    assert meta_values(document, "property", "article:tag") == ["Iraq", "Syria"]
    assert meta_values(document, "property", "article:author") == [
        BASE + author.get_absolute_url() for author in article.author_list
    ]
    assert meta_values(document, "name", "twitter:card") == ["summary_large_image"]
    assert meta_values(document, "name", "twitter:title") == [og["og:title"]]
    assert meta_values(document, "name", "twitter:image") == [og["og:image"]]
    assert meta_values(document, "name", "twitter:image:alt") == ["A street of ruined houses"]


def test_article_without_photo_still_has_complete_structured_data(client, make_article,
                                                                  make_author):  # fmt: skip
    article = make_article("No photo here", authors=[make_author("Sam")])
    found = structured(client, article.get_absolute_url())
    news = found["json-ld"]["NewsArticle"]
    assert "image" not in news and news["author"][0]["name"] == "Sam"
    assert meta_values(found["document"], "name", "twitter:card") == ["summary"]


HOSTILE = '</script><script>alert("x")</script><!-- & \u2028'


def test_editor_text_cannot_break_out_of_the_json_ld_script(client, make_article, make_author):
    article = make_article(HOSTILE, standfirst=HOSTILE, authors=[make_author(HOSTILE[:100])])
    response = client.get(article.get_absolute_url())
    document = parse(response)
    everything = document.getElementsByTagName("script")
    scripts = [s for s in everything if s.getAttribute("type") == "application/ld+json"]
    assert len(scripts) == 2
    # Any other script element is our own file, never a script made of page text.
    assert all(s.getAttribute("src").startswith("/static/") for s in everything if s not in scripts)
    # Parsed as a browser parses it: still exactly our two scripts, holding the exact text.
    news = json.loads(scripts[0].firstChild.data)
    assert news["headline"] == HOSTILE and news["description"] == HOSTILE
    assert news["author"][0]["name"] == HOSTILE[:100]


# --- Canonical URLs --------------------------------------------------------------------------


def canonical(client, url) -> list[str]:
    document = parse(client.get(url))
    return [
        link.getAttribute("href")
        for link in document.getElementsByTagName("link")
        if link.getAttribute("rel") == "canonical"
    ]


def test_every_public_page_has_one_canonical_url(client, reference_article):
    article = reference_article
    pages = {
        "/": BASE + "/",
        article.get_absolute_url(): BASE + article.get_absolute_url(),
        article.section.get_absolute_url(): BASE + article.section.get_absolute_url(),
        article.primary_region.get_absolute_url(): BASE + article.primary_region.get_absolute_url(),
        article.author_list[0].get_absolute_url(): BASE + article.author_list[0].get_absolute_url(),
        "/corrections/": BASE + "/corrections/",
        "/search/?q=audit&utm_source=x": BASE + "/search/?q=audit",
    }
    for url, expected in pages.items():
        assert canonical(client, url) == [expected], url


def test_canonical_of_later_pages_keeps_the_page_number_only(client, make_article, section):
    for _ in range(21):
        make_article()
    url = section.get_absolute_url()
    assert canonical(client, f"{url}?page=2&utm_campaign=x") == [f"{BASE}{url}?page=2"]
    assert canonical(client, f"{url}?page=1") == [BASE + url]
