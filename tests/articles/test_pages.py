"""The public pages: the reference article page, listings, 404s and query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Byline, Correction, Photo, Quote, RelatedLink
from tests.helpers.html import find, parse, text_of
from tests.helpers.queries import count_queries

pytestmark = pytest.mark.django_db


# --- The reference page --------------------------------------------------------------------


def test_article_url_is_dated(reference_article):
    when = timezone.localtime(reference_article.publish_at)
    assert reference_article.get_absolute_url() == (
        f"/{when:%Y}/{when:%m}/{when:%d}/{reference_article.slug}/"
    )


def test_reference_page_has_section_date_byline_and_kicker(client, reference_article):
    response = client.get(reference_article.get_absolute_url())
    assert response.status_code == 200
    page = parse(response)
    dateline = text_of(find(page, "p", "dateline")[0])
    when = timezone.localtime(reference_article.publish_at)
    assert dateline == f"World · {when.day} {when:%B %Y}"
    h1 = find(page, "h1")[0]
    assert text_of(h1) == "IRAQ: Vice President says funds will be audited"
    assert text_of(find(page, "span", "byline")[0]) == "By Amira Khalil and Leila Farouk"
    title = text_of(page.getElementsByTagName("title")[0])
    assert title.startswith("IRAQ: Vice President says funds will be audited")


def test_reference_page_lead_photo_is_a_figure_with_caption_credit_and_alt(
    client, reference_article
):
    page = parse(client.get(reference_article.get_absolute_url()))
    figure = find(page, "figure", "lead-photo")[0]
    image = figure.getElementsByTagName("img")[0]
    assert image.getAttribute("alt") == "A street of ruined houses"
    assert image.getAttribute("src") == reference_article.lead_photo.image.url
    caption = text_of(figure.getElementsByTagName("figcaption")[0])
    assert caption == "Rubble in the old city (Photo by Rami Haddad/Meridian)"


def test_reference_page_body_places_quotes_photo_and_read_more_in_order(client, reference_article):
    page = parse(client.get(reference_article.get_absolute_url()))
    body = find(page, "div", "article-body")[0]
    parts = []
    for child in body.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        classes = child.getAttribute("class").split()
        parts.append(classes[0] if classes else child.tagName)
    assert parts == ["block", "quote", "block", "read-more", "block", "quote", "photo", "block"]
    quotes = find(body, "figure", "quote")
    assert quotes[0].getElementsByTagName("blockquote")[0]
    attribution = text_of(quotes[0].getElementsByTagName("figcaption")[0])
    assert attribution.startswith("— Karim al-Naseri, Iraq's Vice President")
    read_more = find(body, "aside", "read-more")[0]
    link = read_more.getElementsByTagName("a")[0]
    assert text_of(read_more).startswith("READ MORE:")
    assert text_of(link) == "IRAQ: Kurdish gas deal signed"
    assert "[quote" not in text_of(body) and "[readmore" not in text_of(body)


def test_reference_page_has_support_box_corrections_sidebar_and_prev_link(
    client, reference_article
):
    response = client.get(reference_article.get_absolute_url())
    page = parse(response)
    support = find(page, "aside", "support-cta")[0]
    assert "Help us grow" in text_of(support)
    corrections = text_of(find(page, "section", "corrections")[0])
    assert "The register is updated monthly, not weekly." in corrections
    sidebar = [text_of(a) for a in find(page, "aside", "sidebar")[0].getElementsByTagName("a")]
    assert sidebar == ["SYRIA: Aid convoys reach the north", "The auditors' report"]
    prev_next = text_of(find(page, "nav", "prev-next")[0])
    assert prev_next == "Next article SYRIA: Aid convoys reach the north"
    # The opinion disclaimer belongs to opinion pieces only.
    assert not find(page, "p", "disclaimer")


def test_opinion_piece_shows_the_disclaimer_from_settings(client, make_article, settings):
    settings.OPINION_DISCLAIMER = "These views are the columnist's own."
    article = make_article("Cities need shade", kind=Article.Kind.OPINION)
    page = parse(client.get(article.get_absolute_url()))
    assert text_of(find(page, "p", "disclaimer")[0]) == "These views are the columnist's own."
    assert "These views are the columnist's own." not in article.body_text


def test_support_box_text_and_link_come_from_settings(client, make_article, settings):
    settings.SUPPORT_CTA_TEXT = "Keep us independent."
    settings.SUPPORT_CTA_URL = "https://support.example.org/give"
    article = make_article()
    support = find(parse(client.get(article.get_absolute_url())), "aside", "support-cta")[0]
    assert "Keep us independent." in text_of(support)
    assert support.getElementsByTagName("a")[0].getAttribute("href") == (
        "https://support.example.org/give"
    )


def test_explicit_kicker_wins_over_primary_region(make_article, make_region):
    article = make_article("Talks resume", kicker="Analysis", primary_region=make_region("Iraq"))
    assert article.display_headline == "ANALYSIS: Talks resume"


def test_prev_next_links_show_kickers(client, make_article, make_region):
    iraq, kenya = make_region("Iraq"), make_region("Kenya")
    now = timezone.now()
    older = make_article("Older", primary_region=iraq, publish_at=now - timedelta(days=2))
    middle = make_article("Middle", publish_at=now - timedelta(days=1))
    newer = make_article("Newer", primary_region=kenya, publish_at=now - timedelta(hours=2))
    page = parse(client.get(middle.get_absolute_url()))
    links = {a.getAttribute("rel"): text_of(a) for a in find(page, "nav", "prev-next")[0]
             .getElementsByTagName("a")}  # fmt: skip
    assert links == {
        "prev": "Previous article IRAQ: Older",
        "next": "Next article KENYA: Newer",
    }
    assert middle.neighbours() == (older, newer)


def test_sidebar_falls_back_to_same_region_then_section(make_article, make_region, make_section):
    iraq = make_region("Iraq")
    elsewhere = make_section("Business")
    now = timezone.now()
    article = make_article("Main", primary_region=iraq, regions=[iraq])
    same_section = make_article("Same section, newest", publish_at=now - timedelta(minutes=1))
    same_region = make_article(
        "Same region, other section",
        section=elsewhere,
        regions=[iraq],
        publish_at=now - timedelta(days=5),
    )
    make_article("Unrelated", section=elsewhere)  # fmt: skip
    assert article.sidebar_links() == [same_region, same_section]


def test_correction_bumps_updated_time(make_article):
    article = make_article()
    assert article.updated_at is None
    correction = Correction.objects.create(article=article, text="We misspelled a name.")
    article.refresh_from_db()
    assert article.updated_at == correction.created_at


def test_wrong_date_in_url_redirects_to_canonical(client, make_article):
    article = make_article()
    response = client.get(f"/1999/01/01/{article.slug}/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


# --- Listings ------------------------------------------------------------------------------


def test_home_shows_lead_story_and_latest_per_section(client, make_article, make_section,
                                                     make_region):  # fmt: skip
    business = make_section("Business", position=1)
    kenya = make_region("Kenya")
    lead = make_article("Biggest story", primary_region=kenya,
                        publish_at=timezone.now() - timedelta(minutes=1))  # fmt: skip
    make_article("Markets steady", section=business)
    make_article("Second world story")
    page = parse(client.get("/"))
    lead_block = find(page, "section", "lead-story")[0]
    assert text_of(lead_block.getElementsByTagName("h2")[0]) == "KENYA: Biggest story"
    titles = [text_of(h) for h in find(page, "h2", "section-title")]
    assert titles == ["World", "Business"]  # no "Latest": every story is shown above
    world = find(page, "section", "section-block")[0]
    assert lead.headline not in text_of(world)  # the lead story is not repeated below


@pytest.mark.parametrize("kind", ["section", "region", "author"])
def test_listing_pages_paginate_and_show_kickers(client, make_article, make_region, make_author,
                                                 section, settings, kind):  # fmt: skip
    region, author = make_region("Sudan"), make_author("Daniel Okafor")
    for i in range(25):
        make_article(f"Item {i}", primary_region=region, regions=[region], authors=[author])
    url = {"section": section, "region": region, "author": author}[kind].get_absolute_url()
    first, second = client.get(url), client.get(url + "?page=2")
    assert first.status_code == second.status_code == 200
    first_titles = [text_of(h) for h in find(parse(first), "h3", "headline")]
    second_titles = [text_of(h) for h in find(parse(second), "h3", "headline")]
    assert len(first_titles) == settings.ARTICLES_PER_PAGE == 20
    assert len(second_titles) == 5
    assert all(title.startswith("SUDAN: Item") for title in first_titles + second_titles)
    assert not set(first_titles) & set(second_titles)


def test_corrections_archive_lists_corrections_with_kicker(client, reference_article):
    page = parse(client.get("/corrections/"))
    item = page.getElementsByTagName("ol")[0]
    assert "IRAQ: Vice President says funds will be audited" in text_of(item)
    assert "The register is updated monthly, not weekly." in text_of(item)


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/2024/01/01/no-such-article/",
        "/section/no-such-section/",
        "/region/nowhere/",
        "/author/nobody/",
        "/?page=abc",
        "/?page=0",
        "/?page=99999",
        "/?page=-1",
        "/section/world/?page=1e9",
        "/corrections/?page=²",
        "/2024/13/45/odd/",
        "/preview/not-a-token/",
        "/preview/%F0%9F%92%A5/",
    ],
)
def test_bad_input_gives_a_404_page_never_a_500(client, make_article, url):
    make_article()
    response = client.get(url)
    assert response.status_code == 404
    assert b"couldn't find that page" in response.content


def test_odd_slug_characters_are_404(client):
    assert client.get("/2024/01/01/%3Cscript%3E/").status_code == 404


# --- Query counts --------------------------------------------------------------------------


def grow(article, make_region, make_author, make_photo, make_article, n):
    """Give an article n more regions, authors, quotes, photos and links."""
    for _ in range(n):
        region = make_region()
        article.regions.add(region)
        Byline.objects.create(article=article, author=make_author(), position=99)
        Quote.objects.create(article=article, ordering=1000, text="Words.", speaker="Someone")
        article.body_photos.create(ordering=1000, photo=make_photo())
        article.text_blocks.create(ordering=1000, text="<p>More.</p>")
        target = make_article(primary_region=region)
        article.read_mores.create(ordering=1000, target=target)
        article.embeds.create(ordering=1000, url="https://vimeo.com/76979871")
        RelatedLink.objects.create(article=article, position=10, target=target)
        Correction.objects.create(article=article, text="Fixed.")


def test_article_page_queries_do_not_grow_with_its_parts(
    client, reference_article, make_region, make_author, make_photo, make_article
):
    url = reference_article.get_absolute_url()
    before = count_queries(client, url)
    grow(reference_article, make_region, make_author, make_photo, make_article, 8)
    after = count_queries(client, url)
    # The body is one table per kind of block (text, quote, photo, READ MORE, embed); the
    # navigation (sections, pages) is read afresh; one more for the newsletters the
    # sign-up box offers.
    assert after == before <= 16


def test_listing_queries_do_not_grow_with_articles(client, make_article, make_region,
                                                   make_author, make_photo, section):  # fmt: skip
    region, author = make_region("Chad"), make_author("Writer")
    for _ in range(6):  # the lead, a section of four and one in "Latest", each corrected once
        article = make_article(primary_region=region, regions=[region], authors=[author])
        Correction.objects.create(article=article, text="Fixed.")
    urls = ["/", section.get_absolute_url(), region.get_absolute_url(),
            author.get_absolute_url(), "/corrections/"]  # fmt: skip
    before = {url: count_queries(client, url) for url in urls}
    for _ in range(30):
        article = make_article(
            primary_region=region,
            regions=[region, make_region()],
            authors=[author, make_author()],
            lead_photo=make_photo(),
        )
        Correction.objects.create(article=article, text="Fixed.")  # fmt: skip
    after = {url: count_queries(client, url) for url in urls}
    assert after == before
    assert max(after.values()) <= 9  # the first with the navigation read afresh


def test_photo_without_a_file_is_left_out_of_pages_and_listings(client, make_article, section):
    """An imported photo whose file was missing has only its old address: no broken image."""
    waiting = Photo.objects.create(
        alt_text="A harbour", source_url="https://old.example/wp-content/uploads/harbour.jpg"
    )
    article = make_article("Harbour reopens", lead_photo=waiting)
    make_article("Older story")  # so the article is also a card, not only the lead
    for url in (article.get_absolute_url(), "/", section.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"harbour.jpg" not in response.content
        assert not [
            img
            for img in parse(response).getElementsByTagName("img")
            if not img.getAttribute("src")
        ]
    assert "Harbour reopens" in text_of(parse(client.get("/")).getElementsByTagName("main")[0])
