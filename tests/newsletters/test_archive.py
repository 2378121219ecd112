"""The public archive: sent editions only, each with its published articles, and a feed."""

import pytest
from django.utils import timezone

from articles.models import Article
from newsroom.newsletters import tokens
from newsroom.newsletters.models import Edition, EditionItem, Send


@pytest.fixture
def editions(newsletters, make_article, make_region):
    nile = make_region("Egypt")
    first = make_article("Reservoir opens its gates", standfirst="Water for the valley.")
    second = make_article("Ferries return", regions=[nile], primary_region=nile)
    draft_article = make_article("Secret merger plans", status=Article.Status.DRAFT)
    sent = Edition.objects.create(
        newsletter=newsletters[0],
        subject="Monday's briefing",
        note="A calm day on the river.",
        status=Edition.Status.SENT,
        sent_at=timezone.now(),
    )
    for order, article in enumerate([second, first, draft_article]):
        EditionItem.objects.create(edition=sent, article=article, order=order)
    Send.objects.create(edition=sent, address="someone@example.org", status=Send.Status.SENT)
    draft = Edition.objects.create(newsletter=newsletters[0], subject="Tuesday draft")
    EditionItem.objects.create(edition=draft, article=first)
    return {"sent": sent, "draft": draft, "articles": [second, first, draft_article]}


def test_the_archive_lists_sent_editions_only(client, editions):
    response = client.get("/newsletters/daily/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Monday&#x27;s briefing" in text and editions["sent"].get_absolute_url() in text
    assert "Tuesday draft" not in text
    assert 'type="application/rss+xml"' in text


def test_an_edition_page_shows_its_published_articles_in_order(client, editions):
    text = client.get(editions["sent"].get_absolute_url()).content.decode()
    _second, first, _secret = editions["articles"]
    assert "A calm day on the river." in text
    assert text.index("Ferries return") < text.index("Reservoir opens its gates")
    assert '<span class="kicker">EGYPT:</span>' in text and "Water for the valley." in text
    assert first.get_absolute_url() in text
    assert "Secret merger plans" not in text


def test_an_edition_page_has_no_per_recipient_link(client, editions):
    text = client.get(editions["sent"].get_absolute_url()).content.decode()
    assert "/newsletters/unsubscribe/" not in text and "/newsletters/preferences/" not in text
    assert "someone@example.org" not in text
    reader_tokens = [tokens.preferences_token(n) for n in range(1, 5)]
    assert not any(token in text for token in reader_tokens)
    assert "Ferries return" in text  # the right page


def test_drafts_and_unlisted_newsletters_are_404(client, editions, newsletters):
    assert client.get(editions["draft"].get_absolute_url()).status_code == 404
    assert client.get("/newsletters/staff/").status_code == 404
    assert client.get("/newsletters/staff/feed/").status_code == 404
    other = f"/newsletters/nile/{editions['sent'].pk}/"  # an edition of another newsletter
    assert client.get(other).status_code == 404
    assert client.get("/newsletters/daily/?page=9").status_code == 404
    assert client.get("/newsletters/daily/?page=x").status_code == 404


def test_the_feed_lists_sent_editions(client, editions):
    response = client.get("/newsletters/daily/feed/")
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss")
    assert "Monday's briefing" in text and editions["sent"].get_absolute_url() in text
    assert "Tuesday draft" not in text


def test_archive_pages_are_cached_and_purged_when_an_edition_is_sent(
    client, editions, newsletters, settings
):
    first = client.get("/newsletters/daily/")
    assert first["X-Page-Cache"] == "miss" and first["Cache-Control"].startswith("public")
    assert client.get("/newsletters/daily/")["X-Page-Cache"].startswith("hit")
    edition = editions["draft"]
    edition.status, edition.sent_at = Edition.Status.SENT, timezone.now()
    edition.save()
    again = client.get("/newsletters/daily/")
    assert again["X-Page-Cache"] == "miss" and "Tuesday draft" in again.content.decode()


def test_an_edition_page_is_purged_when_one_of_its_articles_is_unpublished(client, editions):
    url = editions["sent"].get_absolute_url()
    assert "Ferries return" in client.get(url).content.decode()
    article = editions["articles"][0]
    article.status = Article.Status.DRAFT
    article.save()
    assert "Ferries return" not in client.get(url).content.decode()


def test_the_archive_is_purged_when_sending_marks_an_edition_sent_in_bulk(client, editions):
    from newsroom.newsletters.signals import edition_sent

    assert client.get("/newsletters/daily/")["X-Page-Cache"] == "miss"
    draft = editions["draft"]
    Edition.objects.filter(pk=draft.pk).update(status=Edition.Status.SENT, sent_at=timezone.now())
    stale = client.get("/newsletters/daily/")  # no post_save: still the stored page
    assert stale["X-Page-Cache"].startswith("hit") and "Tuesday draft" not in stale.content.decode()
    edition_sent.send(sender=Edition, edition=Edition.objects.get(pk=draft.pk), counts={})
    assert "Tuesday draft" in client.get("/newsletters/daily/").content.decode()
