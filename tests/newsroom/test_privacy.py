"""A reader's data pages (/my-data/): proving the address by a one-use mailed link, the
download, the erasure with its two choices, and pages that are never anyone else's.

Mail is read from the test outbox and its links are followed as a reader would.
"""

import json
import re
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import resolve

from comments import notifications, readers
from comments.models import Comment, Delivery, Reader, ReaderLink, Subscription
from newsroom import privacy

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.org"


def csrf_of(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]


def data_link(message) -> str:
    for url in re.findall(r"https?://\S+", message.body):
        path = urlsplit(url).path
        if resolve(path).view_name == "privacy:open":
            return path
    raise AssertionError(f"no data link in: {message.body}")


def ask(browser: Client, email: str = ADDRESS):
    page = browser.get("/my-data/")
    return browser.post("/my-data/", {"email": email, "csrfmiddlewaretoken": csrf_of(page)})


def press(browser: Client, url: str, **data):
    """Open a page and press its form's button, as a person does."""
    page = browser.get(url)
    return browser.post(url, {"csrfmiddlewaretoken": csrf_of(page), **data})


@pytest.fixture
def article(make_article, make_author):
    return make_article("Dam reservoir reaches record level", authors=[make_author()])


@pytest.fixture
def mailed(client):
    """A data link mailed to ADDRESS at the reader's request."""
    response = ask(client)
    assert response.status_code == 200
    assert "We have mailed a link to" in response.content.decode()
    return data_link(mail.outbox[-1])


@pytest.fixture
def proven(mailed):
    """A browser that opened the mailed link."""
    browser = Client()
    response = press(browser, mailed)
    assert response.status_code == 303 and response["Location"] == "/my-data/"
    return browser


@pytest.fixture
def history(article, make_comment):
    """ADDRESS's comments under two spellings, a neighbour's, and mail wished and sent."""
    mine = make_comment(article, name="Me", email=ADDRESS, body="My view.", ip="198.51.100.1")
    make_comment(article, name="Me", email="Reader+tag@Example.org", body="Tagged view.")
    other = make_comment(article, name="Neighbour", email="reader2@example.org", body="Theirs.")
    make_comment(article, name="Other", email="other@example.org", parent=mine, body="Reply.")
    Subscription.objects.create(article=article, email=ADDRESS, kind="replies")
    Subscription.objects.create(article=article, email="reader2@example.org", kind="all")
    Delivery.objects.create(comment=other, email=ADDRESS)
    return article


def test_pages_are_private_and_never_stored(client, proven):
    for browser, url in ((client, "/my-data/"), (proven, "/my-data/"), (proven, "/my-data/erase/")):
        for _ in range(2):
            response = browser.get(url)
            assert response.status_code == 200
            control = response["Cache-Control"]
            assert "private" in control and "no-store" in control, url
            assert "X-Page-Cache" not in response, url


def test_asking_mails_a_link_that_opens_only_after_pressing_the_button(mailed):
    assert mail.outbox[-1].to == [ADDRESS]
    page = Client().get(mailed)
    assert page.status_code == 200 and ADDRESS in page.content.decode()
    link = ReaderLink.objects.get()
    assert link.purpose == ReaderLink.Purpose.DATA and link.uses == 0


def test_proven_browser_sees_its_address_and_the_choices(proven):
    page = proven.get("/my-data/").content.decode()
    assert ADDRESS in page and 'href="/my-data/download/"' in page
    assert 'href="/my-data/erase/"' in page


def test_link_works_once(mailed, proven):
    again = Client()
    assert again.get(mailed).status_code == 410
    refused = again.post(mailed)  # even with no button page first
    assert refused.status_code == 410
    assert "This link has been used" in refused.content.decode()
    assert "nr_data" not in refused.cookies


def test_expired_link_is_refused_with_a_way_to_ask_again(mailed, settings, monkeypatch):
    later = time.time() + settings.COMMENTS_DATA_LINK_MAX_AGE + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    response = Client().post(mailed)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert 'href="/my-data/"' in response.content.decode()
    assert ReaderLink.objects.get().uses == 0


def test_tampered_or_other_kinds_of_links_are_refused(mailed):
    token = resolve(mailed).kwargs["token"]
    sign_in = readers.new_link(ADDRESS, ReaderLink.Purpose.SIGN_IN)
    for bad in (
        token[:-2] + ("xx" if not token.endswith("xx") else "yy"),
        readers.link_token(sign_in),  # a sign-in link opens no data
        signing.dumps("1", salt=readers.DATA_SALT),
    ):
        response = Client().post(f"/my-data/link/{bad}/")
        assert response.status_code == 400, bad
        assert "This link does not work" in response.content.decode()


def test_a_link_for_an_erased_reader_is_gone(mailed):
    Reader.objects.all().delete()
    assert Client().post(mailed).status_code == 410


def test_unproven_browser_gets_neither_download_nor_erasure(client, history):
    signed_in = Client()
    readers.remember_proof(response := signed_in.get("/"), ADDRESS)
    signed_in.cookies.update(response.cookies)  # the verified-reader cookie alone
    for browser in (client, signed_in):
        assert browser.get("/my-data/download/").status_code == 403
        assert browser.get("/my-data/erase/").status_code == 403
        assert browser.post("/my-data/erase/", {"comments": "remove"}).status_code == 403
    assert Comment.objects.filter(email=ADDRESS).exists()


def test_verified_reader_finds_their_address_filled_in(client):
    response = client.get("/")
    readers.remember_proof(response, ADDRESS)
    client.cookies.update(response.cookies)
    assert f'value="{ADDRESS}"' in client.get("/my-data/").content.decode()


def test_download_is_a_json_file_of_this_mailbox_only(proven, history):
    response = proven.get("/my-data/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["address"] == ADDRESS
    mine = data["sources"]["comments.privacy"]
    assert sorted(c["text"] for c in mine["comments"]) == ["My view.", "Tagged view."]
    assert [s["email"] for s in mine["subscriptions"]] == [ADDRESS]
    assert [d["email"] for d in mine["deliveries"]] == [ADDRESS]
    assert mine["reader"]["mailbox"] == ADDRESS
    assert "Theirs." not in response.content.decode()
    assert "reader2@" not in response.content.decode()


def test_download_costs_a_bounded_number_of_queries(proven, article, make_comment):
    from tests.helpers.queries import count_queries

    make_comment(article, email=ADDRESS)
    few = count_queries(proven, "/my-data/download/")
    for n in range(40):
        make_comment(article, email=ADDRESS, body=f"Comment {n}")
    assert count_queries(proven, "/my-data/download/") == few


def test_erase_page_explains_both_choices(proven):
    page = proven.get("/my-data/erase/").content.decode()
    assert "Keep the words, without me" in page and "Remove my comments" in page
    assert "Former reader" in page and "replies to a removed comment" in page


def test_anonymising_says_what_was_done_and_forgets_the_browser(
    proven, history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = press(proven, "/my-data/erase/", comments="anonymise")
    page = response.content.decode()
    assert response.status_code == 200
    for line in (
        "Comments anonymised: <strong>2</strong>",
        "Subscriptions deleted: <strong>1</strong>",
        "Notification mails forgotten: <strong>1</strong>",
        "Reader records deleted: <strong>1</strong>",
        "Sign-in and data links deleted: <strong>1</strong>",
    ):
        assert line in page
    assert sorted(Comment.objects.values_list("name", flat=True)) == [
        "Former reader",
        "Former reader",
        "Neighbour",
        "Other",
    ]
    for cookie in ("nr_data", readers.VERIFIED_COOKIE, readers.COMMENTER_COOKIE):
        assert response.cookies[cookie]["max-age"] == 0, cookie
    assert Subscription.objects.get().email == "reader2@example.org"


def test_removing_keeps_the_reply_and_purges_the_cached_discussion(
    proven, history, django_capture_on_commit_callbacks, settings
):
    url = f"/comments/article/{history.pk}/"
    anonymous = Client()
    anonymous.get(url)
    assert anonymous.get(url)["X-Page-Cache"].startswith("hit")
    with django_capture_on_commit_callbacks(execute=True):
        response = press(proven, "/my-data/erase/", comments="remove")
    assert "Comments removed: <strong>2</strong>" in response.content.decode()
    again = anonymous.get(url)
    page = again.content.decode()
    assert not again["X-Page-Cache"].startswith("hit")
    assert "My view." not in page and "Tagged view." not in page
    assert "This comment was removed by its writer." in page and "Reply." in page


def test_erase_without_a_choice_is_a_form_error(proven, history):
    response = press(proven, "/my-data/erase/", comments="keep")
    assert response.status_code == 400
    assert Comment.objects.filter(email=ADDRESS).count() == 1


@pytest.mark.parametrize("url", ["/my-data/", "/my-data/erase/", "link"])
def test_posts_need_the_pages_csrf_token(mailed, proven, url, history):
    if url == "link":
        url = privacy_link()
    strict = Client(enforce_csrf_checks=True)
    strict.cookies.update(proven.cookies)
    response = strict.post(url, {"email": ADDRESS, "comments": "remove"})
    assert response.status_code == 403
    assert Comment.objects.filter(email=ADDRESS).exists()


def privacy_link() -> str:
    link = readers.new_link(ADDRESS, ReaderLink.Purpose.DATA)
    return f"/my-data/link/{readers.link_token(link)}/"


def test_links_are_capped_per_client(client, settings):
    settings.CONFIRMATION_MAILS_PER_IP_PER_HOUR = 2
    statuses = [ask(client, f"r{n}@example.org").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert len(mail.outbox) == 2


def test_a_bad_address_is_a_form_error(client):
    response = ask(client, "not an address")
    assert response.status_code == 400 and not mail.outbox


def test_comment_form_and_notification_mail_lead_to_the_data_page(
    client, article, make_comment, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'data-my-data="/my-data/"' in page
    comment = make_comment(article)
    subscription = Subscription.objects.create(article=article, email=ADDRESS, kind="all")
    body = notifications.notification_mail(comment, subscription).body
    assert f"Download or erase your data: {settings.SITE_URL.rstrip('/')}/my-data/" in body


def test_sources_compose_and_erase_the_last_first(settings, monkeypatch):
    calls = []

    class Source(SimpleNamespace):
        def export(self, address):
            return {"seen": address}

        def erase(self, address, *, comments):
            calls.append((self.__name__, comments))
            return {f"{self.__name__} rows": 1}

    modules = {"one": Source(__name__="one"), "two": Source(__name__="two")}
    monkeypatch.setattr(privacy, "import_module", modules.__getitem__)
    settings.READER_DATA_SOURCES = ["one", "two"]
    assert privacy.export(ADDRESS)["sources"] == {
        "one": {"seen": ADDRESS},
        "two": {"seen": ADDRESS},
    }
    done = privacy.erase(ADDRESS, comments="remove")
    assert calls == [("two", "remove"), ("one", "remove")]
    assert done == [("one rows", 1), ("two rows", 1)]
