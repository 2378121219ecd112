"""The edition as mail: headers providers want, HTML mail clients accept, a text part."""

from email import message_from_bytes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest
from django.urls import resolve
from django.utils import timezone

from newsroom.newsletters import editions, mail, tokens
from newsroom.newsletters.models import Edition
from tests.helpers.browser import chromium
from tests.helpers.tools import ARTIFACTS


@pytest.fixture
def edition(make_newsletter, make_article, make_photo, make_region, settings):
    settings.SITE_URL = "https://news.example.org"
    iraq = make_region("Iraq")
    newsletter = make_newsletter("Morning Briefing", intro="Good morning.\nHere is the news.")
    photo = make_photo(renditions=True, size=(1200, 800), alt_text="Flood water in a street")
    make_article(
        "River floods the old market",
        primary_region=iraq,
        standfirst="Traders moved their stock overnight as the water rose.",
        lead_photo=photo,
        regions=[iraq],
    )
    make_article("Council approves the budget", standfirst="After a long night of talks.")
    edition = editions.draft(newsletter, until=timezone.now())
    edition.note = "Two stories & a note <b>in plain text</b>."
    edition.save()
    return Edition.objects.get(pk=edition.pk)


@pytest.fixture
def reader(edition, subscribe):
    return subscribe(edition.newsletter, "ana@example.org")


def parts(message):
    parsed = message_from_bytes(message.message().as_bytes())
    found = {part.get_content_type(): part for part in parsed.walk()}
    return (
        parsed,
        found["text/plain"].get_payload(decode=True).decode(),
        found["text/html"].get_payload(decode=True).decode(),
    )


def test_headers_unsubscribe_in_one_click_and_name_the_list(edition, reader):
    message = mail.message(mail.render(edition), reader.email, reader.pk)
    parsed, _, _ = parts(message)
    links = " ".join(parsed["List-Unsubscribe"].split())  # unfolded
    mailto, https = [link.strip(" <>") for link in links.split(",")]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert https.startswith("https://news.example.org/newsletters/unsubscribe/")
    match = resolve(urlsplit(https).path)
    assert match.view_name == "newsletters:unsubscribe"
    assert tokens.read_unsubscribe(match.kwargs["token"]) == (reader.pk, edition.newsletter_id)
    assert mailto.startswith("mailto:") and "unsubscribe" in unquote(mailto)
    slug = edition.newsletter.slug
    assert parsed["List-Id"] == f"Morning Briefing <{slug}.newsletters.news.example.org>"
    assert parsed["Message-ID"] == mail.message_id(edition.pk, reader.email)
    assert parsed["To"] == "ana@example.org"


def test_each_recipient_gets_their_own_links(edition, reader, subscribe):
    other = subscribe(edition.newsletter, "ben@example.org")
    rendered = mail.render(edition)
    first, second = (mail.message(rendered, r.email, r.pk) for r in (reader, other))
    assert first.extra_headers["List-Unsubscribe"] != second.extra_headers["List-Unsubscribe"]
    preferences = tokens.preferences_token(other.pk)
    assert preferences in second.body and preferences not in first.body
    assert mail.UNSUBSCRIBE_SLOT not in second.alternatives[0][0]


def test_html_is_well_formed_with_alt_text_and_absolute_links_only(edition, reader):
    _, _, html = parts(mail.message(mail.render(edition), reader.email, reader.pk))
    document = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    images = document.findall(".//img")
    assert [img.get("alt") for img in images] == ["Flood water in a street"]
    assert all(urlsplit(img.get("src")).scheme == "https" for img in images)
    assert "/media/" in images[0].get("src") and images[0].get("src").endswith(".jpg")
    hrefs = [a.get("href") for a in document.findall(".//a")]
    assert len(hrefs) >= 8
    assert all(urlsplit(href).scheme == "https" and urlsplit(href).netloc for href in hrefs)
    assert 'style="' in html  # the CSS is inlined
    assert "IRAQ" in html and "River floods the old market" in html
    assert "&lt;b&gt;in plain text&lt;/b&gt;" in html  # the note is text, never markup
    assert "<img" in html and html.count("<img") == 1  # no tracking pixel


def test_plain_text_part_has_every_story_and_link(edition, reader):
    _, text, _ = parts(mail.message(mail.render(edition), reader.email, reader.pk))
    assert "IRAQ: River floods the old market" in text
    assert "Council approves the budget" in text
    assert "https://news.example.org/newsletters/preferences/" in text
    assert "Good morning." in text and "<b>" in text  # the note as typed, in plain text
    for article in edition.items.values_list("article__slug", flat=True):
        assert article in text


def test_mail_screenshots_at_phone_and_desktop_width(edition, reader, settings):
    html = mail.message(mail.render(edition), reader.email, reader.pk).alternatives[0][0]
    media = Path(settings.MEDIA_ROOT)

    def serve_media(route):
        path = unquote(urlsplit(route.request.url).path).removeprefix(settings.MEDIA_URL)
        route.fulfill(path=media / path)

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        for width in (390, 1280):
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.route("https://news.example.org/media/**", serve_media)
            page.set_content(html, wait_until="load")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"the mail scrolls sideways at {width} px"
            image = page.locator("img.photo")
            assert image.evaluate("img => img.naturalWidth") > 0  # the rendition loaded
            assert image.bounding_box()["width"] <= width
            page.screenshot(path=ARTIFACTS / f"newsletter-edition-{width}.png", full_page=True)
            page.close()
    assert (ARTIFACTS / "newsletter-edition-390.png").stat().st_size > 0


def test_the_fast_smtp_bytes_are_the_same_message_as_the_slow_way(edition, reader):
    rendered = mail.render(edition)
    fast = message_from_bytes(mail.Serialised(rendered).for_recipient(reader.email, reader.pk))
    slow_mail = mail.message(rendered, reader.email, reader.pk).message()
    slow = message_from_bytes(slow_mail.as_bytes(linesep="\r\n"))
    for header in ("To", "Subject", "Message-ID", "List-Id", "List-Unsubscribe-Post", "From"):
        assert fast[header] == slow[header], header
    assert " ".join(fast["List-Unsubscribe"].split()) == " ".join(slow["List-Unsubscribe"].split())
    bodies = [
        [part.get_payload(decode=True) for part in message.walk() if not part.is_multipart()]
        for message in (fast, slow)
    ]
    assert bodies[0] == bodies[1] and len(bodies[0]) == 2
    assert mail.Serialised(rendered).for_recipient("ünïcode@example.org", reader.pk) is None
