"""Posting, replying, commenting on passages and reporting, as readers and staff do it."""

import base64
import json

import pytest
from django.test import Client

from articles.models import Article
from comments.forms import form_token
from comments.models import Comment, Report
from comments.readers import COMMENTER_COOKIE, COMMENTER_SALT, VERIFIED_COOKIE, VERIFIED_SALT
from tests.helpers.cookies import cookie_signer, signed_cookie

pytestmark = pytest.mark.django_db


def post_url(article):
    return f"/comments/article/{article.pk}/post/"


# --- The article page stays shareable --------------------------------------------------------


def test_anonymous_article_page_has_form_but_nothing_personal(client, article):
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert 'id="respond"' in html and "What do you think?" in html
    assert "csrfmiddlewaretoken" not in html
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_staff_article_page_carries_a_csrf_token(client, article, make_staff):
    client.force_login(make_staff("Editor"))
    assert "csrfmiddlewaretoken" in client.get(article.get_absolute_url()).content.decode()


# --- Posting -----------------------------------------------------------------------------


def test_anonymous_comment_is_held_and_reader_is_told(client, article, post_comment):
    response = post_comment(article, body="First!  Really.")
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert response["Location"] == (
        f"{article.get_absolute_url()}?comment=held&c={comment.pk}#comments"
    )
    assert (comment.status, comment.name, comment.ip) == ("pending", "Reader One", "203.0.113.7")
    page = client.get(response["Location"]).content.decode()
    assert "awaiting review" in page
    assert "First!" not in page  # not shown until approved


def test_posting_needs_no_csrf_token_without_a_session(article, post_comment):
    anonymous = Client(enforce_csrf_checks=True)
    assert post_comment(article, using=anonymous).status_code == 303


def test_post_with_a_session_but_no_csrf_token_is_refused(article, post_comment, make_staff):
    staff_browser = Client(enforce_csrf_checks=True)
    staff_browser.force_login(make_staff("Editor"))
    assert post_comment(article, using=staff_browser).status_code == 403
    assert not Comment.objects.exists()


def test_post_with_a_verified_address_but_no_csrf_token_is_refused(article, post_comment):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[VERIFIED_COOKIE] = signed_cookie(
        VERIFIED_COOKIE, VERIFIED_SALT, "reader@example.org"
    )
    assert post_comment(article, using=browser).status_code == 403


# A browser posting the form of a page it got from this site, and one posting a copy of
# the form from another site: what Chromium, Firefox and Safari send with each.
SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
CROSS_SITE = {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"}


def verified_browser(email="reader@example.org") -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[VERIFIED_COOKIE] = signed_cookie(VERIFIED_COOKIE, VERIFIED_SALT, email)
    return browser


def test_verified_reader_posts_from_the_cached_page_without_a_token(article, post_comment):
    response = post_comment(article, using=verified_browser(), headers=SAME_ORIGIN)
    assert response.status_code == 303
    assert Comment.objects.get().email == "reader@example.org"


def test_staff_post_from_the_cached_page_without_a_token_is_published(
    client, article, post_comment, make_staff
):
    cached = client.get(article.get_absolute_url()).content.decode()
    assert 'id="respond"' in cached and "csrfmiddlewaretoken" not in cached
    staff_browser = Client(enforce_csrf_checks=True)
    staff_browser.force_login(make_staff("Editor"))
    response = post_comment(article, using=staff_browser, headers=SAME_ORIGIN)
    assert response.status_code == 303 and Comment.objects.get().status == "approved"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},  # no Origin: the fetch metadata decides
        {"Origin": "http://testserver"},  # no fetch metadata: the origin decides
        {"Origin": "https://www.example.org", "Sec-Fetch-Site": "same-site"},  # trusted
    ],
)
def test_post_from_one_of_the_sites_own_origins_is_accepted(
    article, post_comment, settings, headers
):
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.org"]
    assert post_comment(article, using=verified_browser(), headers=headers).status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        CROSS_SITE,
        {"Origin": "https://attacker.example"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"},  # the header wins
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # a sandboxed frame
        {"Origin": "http://testserver.attacker.example"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling site, no origin to check
        {"Sec-Fetch-Site": "none"},
    ],
)
@pytest.mark.parametrize("authority", ["verified", "staff"])
def test_forged_cross_site_post_with_the_readers_cookies_is_refused(
    article, post_comment, make_staff, headers, authority
):
    browser = verified_browser()
    if authority == "staff":
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(make_staff("Editor"))
    response = post_comment(article, using=browser, headers=headers)
    assert response.status_code == 403
    assert "Your form could not be checked" in response.content.decode()  # the 403 page
    assert not Comment.objects.exists()


def test_anonymous_post_from_another_site_is_judged_like_any_anonymous_post(article, post_comment):
    """No cookie of ours, no authority to abuse: the timestamp and honeypot protect it."""
    anonymous = Client(enforce_csrf_checks=True)
    assert post_comment(article, using=anonymous, headers=CROSS_SITE).status_code == 303
    assert Comment.objects.get().status == "pending"


def test_browser_sending_no_origin_posts_with_the_token_the_form_script_fetches(
    article, post_comment
):
    browser = verified_browser()
    assert post_comment(article, using=browser).status_code == 403  # no headers, no token
    state = browser.get(f"/comments/reader/state/?article={article.pk}").json()
    response = post_comment(article, using=browser, csrfmiddlewaretoken=state["csrf"])
    assert response.status_code == 303 and Comment.objects.count() == 1


def test_staff_comment_with_csrf_token_is_published(article, make_staff, old_token):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_staff("Editor"))
    page = browser.get(article.get_absolute_url())
    token = page.context["csrf_token"]
    response = browser.post(post_url(article), {
        "csrfmiddlewaretoken": str(token), "name": "Desk", "email": "desk@example.org",
        "body": "Editor's note: updated.", "ts": old_token(article.pk),
    })  # fmt: skip
    comment = Comment.objects.get()
    assert comment.status == "approved" and comment.user is not None
    assert response["Location"].endswith(f"?comment=published&c={comment.pk}#c{comment.pk}")


def test_name_and_email_are_remembered_in_a_signed_cookie(article, post_comment):
    response = post_comment(article, name="Ada Reader", email="ada@example.org")
    cookie = response.cookies[COMMENTER_COOKIE]
    value = cookie_signer(COMMENTER_COOKIE, COMMENTER_SALT).unsign(cookie.value)
    padded = value + "=" * (-len(value) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {
        "n": "Ada Reader",
        "e": "ada@example.org",
    }
    assert not cookie["httponly"]  # the form script reads it


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"body": "   "}, "This field is required."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"name": ""}, "This field is required."),
        ({"body": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_bad_input_gets_the_form_back_with_errors_and_text(article, post_comment, fields, error):
    response = post_comment(article, **{"body": "Keep this text", **fields})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    if fields.get("body") is None:
        assert "Keep this text" in html
    assert not Comment.objects.exists()


def test_too_fast_post_gets_the_form_back_with_a_fresh_timestamp(article, post_comment):
    response = post_comment(article, body="Speedy words", ts=form_token(article.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert "That was quick" in html and "Speedy words" in html
    assert not Comment.objects.exists()


def test_forged_timestamp_is_refused(article, post_comment):
    assert post_comment(article, ts="forged:token").status_code == 400


def test_rate_limited_post_is_told_to_wait(article, post_comment, settings):
    settings.COMMENTS_RATE_LIMITS = [(1, 60)]
    post_comment(article, body="One")
    response = post_comment(article, body="Two")
    assert response.status_code == 429 and "wait a minute" in response.content.decode()


def test_post_to_closed_article_is_refused_with_a_message(client, article, post_comment):
    Article.objects.filter(pk=article.pk).update(comments_enabled=False)
    response = post_comment(article)
    assert response.status_code == 403
    assert "Comments on this article are closed." in response.content.decode()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Comments on this article are closed." in page and 'id="respond"' not in page


def test_get_on_post_url_is_405(client, article):
    assert client.get(post_url(article)).status_code == 405


def test_posting_to_a_draft_is_404(make_article, post_comment):
    draft = make_article(status=Article.Status.DRAFT)
    assert post_comment(draft).status_code == 404


def test_honeypot_post_is_stored_as_spam_and_reader_sees_held(article, post_comment):
    response = post_comment(article, website="http://buy.example")
    spam = Comment.objects.get()
    assert response["Location"].endswith(f"?comment=held&c={spam.pk}#comments")
    assert spam.status == Comment.Status.SPAM


# --- Replies and passages ----------------------------------------------------------------


def test_reply_is_stored_under_its_parent(article, post_comment, make_comment):
    parent = make_comment(article)
    post_comment(article, parent=str(parent.pk))
    assert Comment.objects.get(name="Reader One").parent == parent


def test_reply_to_a_comment_of_another_article_is_refused(
    article, post_comment, make_comment, make_article
):
    elsewhere = make_comment(make_article())
    response = post_comment(article, parent=str(elsewhere.pk))
    assert response.status_code == 400 and not Comment.objects.filter(name="Reader One").exists()


def test_reply_link_without_javascript_opens_the_form_for_that_comment(
    client, article, make_comment
):
    parent = make_comment(article, name="Ann")
    html = client.get(f"{article.get_absolute_url()}?replyto={parent.pk}").content.decode()
    assert "Reply to Ann" in html and f'name="parent" value="{parent.pk}"' in html


def first_anchor(client, article) -> str:
    html = client.get(article.get_absolute_url()).content.decode()
    return html.split('class="block" id="', 1)[1].split('"', 1)[0]


def test_comment_on_a_paragraph_stores_anchor_and_excerpt(client, article, post_comment):
    anchor = first_anchor(client, article)
    post_comment(article, anchor=anchor)
    comment = Comment.objects.get()
    assert (comment.anchor, comment.anchor_excerpt) == (anchor, "First paragraph.")


def test_selected_words_become_the_excerpt(client, article, post_comment):
    anchor = first_anchor(client, article)
    post_comment(article, anchor=anchor, excerpt="First")
    assert Comment.objects.get().anchor_excerpt == "First"
    post_comment(article, anchor=anchor, excerpt="not in the passage", body="Another")
    assert Comment.objects.get(body="Another").anchor_excerpt == "First paragraph."


def test_comment_on_a_quote(article, post_comment):
    quote = article.quotes.create(
        ordering=99, text="We will publish everything.", speaker="Minister"
    )
    post_comment(article, anchor=quote.key)
    assert Comment.objects.get().anchor_excerpt == "We will publish everything."


def test_unknown_anchor_is_refused(article, post_comment):
    assert post_comment(article, anchor="p-00000000").status_code == 400


def test_anchor_link_without_javascript_sets_the_passage(client, article):
    anchor = first_anchor(client, article)
    html = client.get(f"{article.get_absolute_url()}?anchor={anchor}").content.decode()
    assert f'name="anchor" value="{anchor}"' in html and "First paragraph." in html


def test_passage_shows_its_comment_count_and_keeps_it_after_edit(client, article, make_comment):
    anchor = first_anchor(client, article)
    make_comment(article, anchor=anchor, anchor_excerpt="First paragraph.", body="On point.")
    html = client.get(article.get_absolute_url()).content.decode()
    first = Comment.objects.get()
    assert f'href="{article.get_absolute_url()}#c{first.pk}" rel="nofollow">1 comment<' in html
    first_block = article.text_blocks.get(key=anchor)
    first_block.text = "<p>First paragraph, rewritten.</p>"
    first_block.save()
    article.save()  # as the admin saves the article with its blocks
    html = client.get(article.get_absolute_url()).content.decode()
    assert "“First paragraph.”" in html and "On point." in html  # excerpt survives


# --- Reports -----------------------------------------------------------------------------


def report(client, comment, old_token, ip, **fields):
    data = {"kind": "abuse", "note": "", "website": "", "ts": old_token(comment.article_id)}
    data.update(fields)
    return client.post(f"/comments/{comment.pk}/report/send/", data, REMOTE_ADDR=ip)


def test_report_form_page_works_without_javascript(client, article, make_comment):
    comment = make_comment(article, body="Rude words")
    html = client.get(f"/comments/{comment.pk}/report/").content.decode()
    assert "Report a comment" in html and "Rude words" in html and 'name="ts"' in html


def test_reports_from_enough_readers_hold_the_comment_again(
    client, article, make_comment, old_token, settings
):
    settings.COMMENTS_REPORTS_TO_HOLD = 3
    comment = make_comment(article)
    for i in range(2):
        assert report(client, comment, old_token, f"192.0.2.{i}").status_code == 303
    assert report(client, comment, old_token, "192.0.2.1").status_code == 303  # same reader
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    report(client, comment, old_token, "192.0.2.9")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.reasons.filter(code="reported").exists()


def test_report_of_other_needs_a_note(client, article, make_comment, old_token):
    comment = make_comment(article)
    response = report(client, comment, old_token, "192.0.2.1", kind="other")
    assert (
        response.status_code == 400 and "Please tell us what is wrong." in response.content.decode()
    )
    assert not Report.objects.exists()


def test_report_of_a_hidden_comment_is_404(client, article, make_comment, old_token):
    comment = make_comment(article, status=Comment.Status.PENDING)
    assert report(client, comment, old_token, "192.0.2.1").status_code == 404


def test_report_by_a_bot_is_ignored(client, article, make_comment, old_token):
    comment = make_comment(article)
    response = report(client, comment, old_token, "192.0.2.1", website="x")
    assert response.status_code == 303 and not Report.objects.exists()


def test_refused_reply_keeps_what_it_answers(article, post_comment, make_comment):
    parent = make_comment(article, name="Ann")
    response = post_comment(article, parent=str(parent.pk), body="")
    html = response.content.decode()
    assert response.status_code == 400 and "Reply to Ann" in html
    assert f'name="parent" value="{parent.pk}"' in html


def test_selection_is_widened_to_whole_words(client, article, post_comment):
    anchor = first_anchor(client, article)
    post_comment(article, anchor=anchor, excerpt="irst paragr")
    assert Comment.objects.get().anchor_excerpt == "First paragraph"
