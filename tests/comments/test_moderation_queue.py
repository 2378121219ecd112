"""The moderator's queue, driven through real HTTP requests as moderators use it.

Every decision is a POST a browser would send: the one-click row buttons, the bulk
actions of the changelist, the ban form and the word-list form. Each test then looks
at what readers meet afterwards (the stored status, the next posted comment, the count
on the article page), so it fails when the queue stops doing what moderators rely on.
"""

from types import SimpleNamespace

import html5lib
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from comments.models import Ban, Comment, ModeratedWord, Reason, Report

CHANGELIST_URL = reverse("admin:comments_comment_changelist")
ADD_URL = reverse("admin:comments_comment_add")
WORD_ADD_URL = reverse("admin:comments_moderatedword_add")

# What the migration gives the Moderator role, spelled out: a change here is a decision.
MODERATOR_PERMISSIONS = {
    "view_comment",
    "change_comment",
    "view_reason",
    "view_report",
    "add_moderatedword",
    "change_moderatedword",
    "delete_moderatedword",
    "view_moderatedword",
    "add_ban",
    "change_ban",
    "delete_ban",
    "view_ban",
}


def moderate_url(comment: Comment, action: str) -> str:
    return reverse("admin:comments_comment_moderate", args=[comment.pk, action])


def ban_url(comment: Comment) -> str:
    return reverse("admin:comments_comment_ban", args=[comment.pk])


def parse(response):
    assert response.status_code == 200, response.status_code
    return html5lib.parse(response.content.decode(), namespaceHTMLElements=False)


def text(element) -> str:
    """An element's text as a browser shows it: line breaks and runs of space as one space."""

    def pieces(node):
        if node.tag == "br":
            yield " "
        yield node.text or ""
        for child in node:
            yield from pieces(child)
            yield child.tail or ""

    return " ".join("".join(pieces(element)).split())


# The parts of a queue card, by the class that marks them.
CARD_PARTS = {
    "comment": "qc-main",
    "head": "qc-head",
    "name": "qc-name",
    "on_article": "qc-article",
    "passage": "qc-passage",
    "reply": "qc-reply",
    "body": "qc-body",
    "why": "qc-reasons",
    "report_count": "qc-reports",
    "history": "qc-history",
    "moderate": "qc-decide",
}


def row(response, comment: Comment) -> dict:
    """The changelist card of a comment, as {part name: element}."""
    for tr in parse(response).iter("tr"):
        box = tr.find(".//input[@name='_selected_action']")
        if box is None or box.get("value") != str(comment.pk):
            continue
        parts = {"row": tr}
        for element in tr.iter():
            classes = element.get("class", "").split()
            parts.update((name, element) for name, c in CARD_PARTS.items() if c in classes)
        return parts
    raise AssertionError(f"comment {comment.pk} is not in the changelist")


def listed(client, **params) -> list[int]:
    """The primary keys the changelist shows, in its order."""
    response = client.get(CHANGELIST_URL, params)
    assert response.status_code == 200, response.status_code
    return [comment.pk for comment in response.context["cl"].result_list]


def post_action(client, action: str, *comments: Comment):
    return client.post(
        CHANGELIST_URL,
        {"action": action, "index": "0", "_selected_action": [c.pk for c in comments]},
    )


def comment_count_heading(client, article: Article) -> str:
    """The heading above an article's discussion, as a reader's browser shows it."""
    heading = parse(client.get(article.get_absolute_url())).find(".//*[@id='comments-heading']")
    return text(heading)


# --- The queue --------------------------------------------------------------------------


def test_moderator_sees_the_comment_queue(moderator_client, article, make_comment):
    comment = make_comment(article, body="The reservoir looks full.")

    response = moderator_client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert "The reservoir looks full." in text(row(response, comment)["comment"])


def test_queue_lists_pending_then_reported_then_the_rest_newest_first(
    moderator_client, article, make_comment
):
    approved = make_comment(article)
    rejected = make_comment(article, status=Comment.Status.REJECTED)
    reported = make_comment(article)
    Report.objects.create(comment=reported, kind=Report.Kind.ABUSE)
    older_pending = make_comment(article, status=Comment.Status.PENDING)
    newer_pending = make_comment(article, status=Comment.Status.PENDING)
    latest = make_comment(article)

    assert listed(moderator_client) == [
        newer_pending.pk,
        older_pending.pk,
        reported.pk,
        latest.pk,
        rejected.pk,
        approved.pk,
    ]


def test_queue_row_shows_headline_excerpt_passage_reasons_reports_and_history(
    moderator_client, make_article, make_comment
):
    article = make_article("Dam reservoir reaches record level", kicker="Mosul")
    for status in ["approved", "approved", "rejected", "spam"]:
        make_comment(article, email="Ana@Example.org", status=status)
    make_comment(article, email="someone.else@example.org", status="rejected")
    long_body = "The water level " + "keeps rising " * 30 + "TAIL-NOT-SHOWN"
    comment = make_comment(
        article,
        name="Ana",
        email="ana@example.org",
        body=long_body,
        status=Comment.Status.PENDING,
        anchor="p-1",
        anchor_excerpt="First paragraph.",
    )
    Reason.objects.create(comment=comment, code=Reason.Code.LINKS, detail="3 links")
    Reason.objects.create(comment=comment, code=Reason.Code.NEW_COMMENTER)
    Report.objects.create(comment=comment, kind=Report.Kind.SPAM, ip="198.51.100.1")
    Report.objects.create(comment=comment, kind=Report.Kind.ABUSE, ip="198.51.100.2")

    cells = row(moderator_client.get(CHANGELIST_URL), comment)

    headline = cells["on_article"].find(".//a")
    assert text(headline) == "MOSUL: Dam reservoir reaches record level"
    # Cut to one line in the queue; the whole headline is in the link's title.
    assert headline.get("title") == "MOSUL: Dam reservoir reaches record level"
    assert text(cells["passage"]) == "about “First paragraph.”"
    assert text(cells["name"]) == "Ana"
    assert "The water level keeps rising" in text(cells["body"])
    assert "TAIL-NOT-SHOWN" not in text(cells["comment"])
    badges = [text(b) for b in cells["why"].iter("span") if "badge" in b.get("class", "")]
    assert badges == ["Many links: 3 links", "New commenter"]
    assert text(cells["report_count"]) == "2 reports"
    # Addresses match whatever their case; the row's own (pending) comment counts in neither.
    assert text(cells["history"]) == "2 approved, 2 rejected"


def test_queue_marks_a_reply_with_its_parents_name_and_excerpt(
    moderator_client, article, make_comment
):
    parent = make_comment(article, name="Bashir", body="The dam was built in 1986. " * 10)
    reply = make_comment(article, parent=parent, status=Comment.Status.PENDING, body="No, 1984.")
    response = moderator_client.get(CHANGELIST_URL)

    cells = row(response, reply)

    assert text(cells["reply"]).startswith("↳ reply to Bashir: “The dam was built in 1986.")
    assert text(cells["reply"]).endswith("…”")
    assert "reply" not in row(response, parent), "a comment that answers no one says nothing"


def test_queue_row_links_to_the_comment_on_the_article(moderator_client, article, make_comment):
    comment = make_comment(article)

    link = row(moderator_client.get(CHANGELIST_URL), comment)["on_article"].find(".//a")

    assert link.get("href") == f"{article.get_absolute_url()}#c{comment.pk}"


@pytest.fixture
def mixed_queue(make_article, make_section, make_comment):
    """Comments that each differ from the others in one thing a filter looks at."""
    sport = make_section("Sport")
    news = make_article("Dam reservoir reaches record level")
    match = make_article("Cup final goes to extra time", section=sport)
    pending = make_comment(news, name="Pending", status=Comment.Status.PENDING)
    Reason.objects.create(comment=pending, code=Reason.Code.NEW_COMMENTER)
    links = make_comment(news, name="Links", status=Comment.Status.PENDING)
    Reason.objects.create(comment=links, code=Reason.Code.NEW_COMMENTER)
    Reason.objects.create(comment=links, code=Reason.Code.LINKS, detail="2 links")
    Reason.objects.create(comment=links, code=Reason.Code.LINKS, detail="3 links")
    reported = make_comment(news, name="Reported")
    Report.objects.create(comment=reported, kind=Report.Kind.SPAM, ip="198.51.100.1")
    Report.objects.create(comment=reported, kind=Report.Kind.ABUSE, ip="198.51.100.2")
    spam = make_comment(news, name="Spam", status=Comment.Status.SPAM, email="bot@example.net")
    on_sport = make_comment(match, name="Sport", body="What a goal by the keeper.")
    return SimpleNamespace(**locals())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda q: {"status__exact": "pending"}, {"Pending", "Links"}),
        (lambda q: {"status__exact": "spam"}, {"Spam"}),
        (lambda q: {"reason": "links"}, {"Links"}),
        (lambda q: {"reason": "new_commenter"}, {"Pending", "Links"}),
        (lambda q: {"reported": "yes"}, {"Reported"}),
        (lambda q: {"reported": "no"}, {"Pending", "Links", "Spam", "Sport"}),
        (lambda q: {"article__section__id__exact": q.sport.pk}, {"Sport"}),
        (lambda q: {"article__id__exact": q.match.pk}, {"Sport"}),
        (lambda q: {"q": "keeper"}, {"Sport"}),
        (lambda q: {"q": "bot@example.net"}, {"Spam"}),
        (lambda q: {"q": "Cup final"}, {"Sport"}),
    ],
    ids=[
        "status-pending",
        "status-spam",
        "reason-links",
        "reason-new-commenter",
        "reported",
        "not-reported",
        "section",
        "article",
        "search-body",
        "search-email",
        "search-headline",
    ],
)
def test_queue_filter_and_search_select_matching_comments_once(
    moderator_client, mixed_queue, params, expected
):
    pks = listed(moderator_client, **params(mixed_queue))

    assert len(pks) == len(set(pks)), "a comment is listed twice"
    assert {Comment.objects.get(pk=pk).name for pk in pks} == expected


# --- One click per row ------------------------------------------------------------------


def test_row_offers_buttons_only_for_decisions_not_yet_taken(
    moderator_client, article, make_comment
):
    comment = make_comment(article, status=Comment.Status.PENDING)
    picked = make_comment(article, status=Comment.Status.APPROVED, is_featured=True)
    response = moderator_client.get(CHANGELIST_URL)

    def buttons(c):
        return {b.get("formaction") for b in row(response, c)["moderate"].iter("button")}

    # No "Pick" for a held comment: an editor's pick is a comment readers can see.
    assert buttons(comment) == {
        moderate_url(comment, action) for action in ["approve", "reject", "spam"]
    }
    assert buttons(picked) == {
        moderate_url(picked, action) for action in ["reject", "spam", "unfeature"]
    }
    # The buttons submit the changelist form, which carries the CSRF token.
    form = parse(response).find(".//form[@id='changelist-form']")
    assert form.find(".//input[@name='csrfmiddlewaretoken']") is not None
    assert form.find(f".//button[@formaction='{moderate_url(comment, 'approve')}']") is not None


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve", Comment.Status.APPROVED),
        ("reject", Comment.Status.REJECTED),
        ("spam", Comment.Status.SPAM),
    ],
)
def test_row_button_sets_status_and_records_moderator_reason(
    moderator_client, moderator, article, make_comment, action, status
):
    comment = make_comment(article, status=Comment.Status.PENDING)

    response = moderator_client.post(moderate_url(comment, action))

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == status
    assert comment.moderated_by == moderator
    reason = comment.reasons.get()
    assert reason.code == Reason.Code.MODERATOR
    assert moderator.username in reason.detail


@pytest.mark.parametrize(("action", "before", "after"), [("feature", False, True),
                                                         ("unfeature", True, False)])  # fmt: skip
def test_row_button_sets_editors_pick_and_records_moderator_reason(
    moderator_client, moderator, article, make_comment, action, before, after
):
    comment = make_comment(article, is_featured=before)

    response = moderator_client.post(moderate_url(comment, action))

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_featured is after
    assert comment.status == Comment.Status.APPROVED
    assert [r.code for r in comment.reasons.all()] == [Reason.Code.MODERATOR]


def test_row_button_returns_to_the_page_it_was_pressed_on(moderator_client, article, make_comment):
    comment = make_comment(article, status=Comment.Status.PENDING)
    filtered = f"http://testserver{CHANGELIST_URL}?status__exact=pending"

    response = moderator_client.post(moderate_url(comment, "approve"), HTTP_REFERER=filtered)

    assert response.status_code == 302
    assert response["Location"] == filtered


def test_row_button_url_refuses_get(moderator_client, article, make_comment):
    comment = make_comment(article, status=Comment.Status.PENDING)

    response = moderator_client.get(moderate_url(comment, "approve"))

    assert response.status_code == 405
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_row_button_post_without_csrf_token_is_forbidden(moderator, article, make_comment):
    comment = make_comment(article, status=Comment.Status.PENDING)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)

    response = browser.post(moderate_url(comment, "approve"))

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert not comment.reasons.exists()


def test_row_button_post_with_the_changelist_csrf_token_is_accepted(
    moderator, article, make_comment
):
    comment = make_comment(article, status=Comment.Status.PENDING)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    form = parse(browser.get(CHANGELIST_URL)).find(".//form[@id='changelist-form']")
    token = form.find(".//input[@name='csrfmiddlewaretoken']").get("value")

    response = browser.post(moderate_url(comment, "approve"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_unknown_row_action_is_forbidden(moderator_client, article, make_comment):
    comment = make_comment(article, status=Comment.Status.PENDING)

    assert moderator_client.post(moderate_url(comment, "delete")).status_code == 403
    assert Comment.objects.filter(pk=comment.pk, status=Comment.Status.PENDING).exists()


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve", Comment.Status.APPROVED),
        ("reject", Comment.Status.REJECTED),
        ("mark_spam", Comment.Status.SPAM),
    ],
)
def test_bulk_action_sets_status_of_selected_comments_only(
    moderator_client, article, make_comment, action, status
):
    first = make_comment(article, status=Comment.Status.PENDING)
    second = make_comment(article, status=Comment.Status.PENDING)
    untouched = make_comment(article, status=Comment.Status.PENDING)

    response = post_action(moderator_client, action, first, second)

    assert response.status_code == 302
    for comment in (first, second):
        comment.refresh_from_db()
        assert comment.status == status
        assert [r.code for r in comment.reasons.all()] == [Reason.Code.MODERATOR]
    untouched.refresh_from_db()
    assert untouched.status == Comment.Status.PENDING


@pytest.mark.parametrize(("action", "before", "after"), [("feature", False, True),
                                                         ("unfeature", True, False)])  # fmt: skip
def test_bulk_action_sets_editors_pick_of_selected_comments(
    moderator_client, article, make_comment, action, before, after
):
    first = make_comment(article, is_featured=before)
    second = make_comment(article, is_featured=before)
    make_comment(article, is_featured=before)  # not selected

    assert post_action(moderator_client, action, first, second).status_code == 302

    assert [c.is_featured for c in Comment.objects.order_by("pk")] == [after, after, before]
    assert all(c.reasons.filter(code=Reason.Code.MODERATOR).exists() for c in (first, second))


# --- Bans -------------------------------------------------------------------------------


def test_ban_page_offers_email_ip_and_rejecting_pending(moderator_client, article, make_comment):
    comment = make_comment(article, name="Troll", email="troll@example.net", ip="198.51.100.9")

    response = moderator_client.get(ban_url(comment))

    form = parse(response).find(".//div[@id='content']//form")
    boxes = {box.get("name") for box in form.iter("input") if box.get("type") == "checkbox"}
    assert boxes == {"email", "ip", "reject_pending", "reject_ip_pending"}
    assert "troll@example.net" in text(form)
    assert "198.51.100.9" in text(form)


def test_ban_stores_ban_and_rejects_commenters_pending_comments(
    moderator_client, moderator, article, make_comment
):
    banned = make_comment(article, email="troll@example.net", ip="198.51.100.9", status="pending")
    same_email = make_comment(article, email="TROLL@example.net", ip=None, status="pending")
    same_ip = make_comment(article, email="sock@example.net", ip="198.51.100.9", status="pending")
    earlier = make_comment(article, email="troll@example.net", status="approved")
    bystander = make_comment(article, email="reader@example.org", status="pending")
    data = {"email": "on", "ip": "on", "reject_pending": "on"}

    response = moderator_client.post(ban_url(banned), data)

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.email, ban.ip, ban.created_by) == ("troll@example.net", "198.51.100.9", moderator)
    statuses = {c.pk: c.status for c in Comment.objects.all()}
    # Someone else on the same IP is rejected only when the moderator widens it to the IP.
    assert statuses == {
        banned.pk: Comment.Status.REJECTED,
        same_email.pk: Comment.Status.REJECTED,
        same_ip.pk: Comment.Status.PENDING,
        earlier.pk: Comment.Status.APPROVED,
        bystander.pk: Comment.Status.PENDING,
    }
    assert same_email.reasons.get().detail == "commenter banned"
    assert set(ban.rejected.all()) == {banned, same_email}


def test_ban_without_reject_pending_leaves_pending_comments(
    moderator_client, article, make_comment
):
    banned = make_comment(article, email="troll@example.net", status="pending")
    other = make_comment(article, email="troll@example.net", status="pending")

    assert moderator_client.post(ban_url(banned), {"email": "on"}).status_code == 302

    assert Ban.objects.get().ip is None
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.PENDING}
    assert not other.reasons.exists()


def test_ban_with_nothing_chosen_stores_nothing(moderator_client, article, make_comment):
    comment = make_comment(article, email="troll@example.net", status="pending")

    response = moderator_client.post(ban_url(comment), {"reject_pending": "on"}, follow=True)

    assert "Choose the e-mail address, the IP address or both." in response.content.decode()
    assert not Ban.objects.exists()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_banned_email_gets_next_comment_rejected(
    moderator_client, reader, article, make_comment, post_comment
):
    comment = make_comment(article, email="troll@example.net", ip="198.51.100.9")
    moderator_client.post(ban_url(comment), {"email": "on", "ip": "on", "reject_pending": "on"})

    response = post_comment(
        article, using=reader, email="troll@example.net", ip="192.0.2.44", body="Still here."
    )

    assert response.status_code == 303
    latest = Comment.objects.get(body="Still here.")
    assert latest.status == Comment.Status.REJECTED
    assert latest.reasons.filter(code=Reason.Code.BANNED, detail="banned e-mail").exists()


def test_banned_ip_gets_next_comment_rejected(
    moderator_client, reader, article, make_comment, post_comment
):
    comment = make_comment(article, email="troll@example.net", ip="198.51.100.9")
    moderator_client.post(ban_url(comment), {"ip": "on"})

    post_comment(article, using=reader, email="new@example.net", ip="198.51.100.9", body="Hi.")

    latest = Comment.objects.get(body="Hi.")
    assert latest.status == Comment.Status.REJECTED
    assert latest.reasons.filter(code=Reason.Code.BANNED, detail="banned IP address").exists()


def test_ban_action_bans_each_selected_commenter_after_confirming(
    moderator_client, article, make_comment
):
    first = make_comment(article, email="one@example.net", ip="198.51.100.1")
    second = make_comment(article, email="two@example.net", ip=None)

    page = post_action(moderator_client, "ban_commenters", first, second)
    assert page.status_code == 200
    assert not Ban.objects.exists(), "the action first shows what it would do"
    form = parse(page).find(".//div[@id='content']//form")
    data = {
        box.get("name"): box.get("value", "on")
        for box in form.iter("input")
        if box.get("type") == "hidden" or box.get("checked") is not None
    }
    data["_selected_action"] = [first.pk, second.pk]
    data["ip"] = "on"
    response = moderator_client.post(CHANGELIST_URL, data)

    assert response.status_code == 302
    assert set(Ban.objects.values_list("email", "ip")) == {
        ("one@example.net", "198.51.100.1"),
        ("two@example.net", None),
    }


# --- Who may do what --------------------------------------------------------------------


def test_moderator_role_has_exactly_the_comment_permissions(db):
    group = Group.objects.get(name="Moderator")

    granted = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}

    assert granted == {("comments", codename) for codename in MODERATOR_PERMISSIONS}


def test_moderator_sees_only_the_queue_bans_and_word_lists_in_the_admin(moderator_client):
    response = moderator_client.get(reverse("admin:index"))

    assert response.status_code == 200
    shown = {
        (app["app_label"], model["object_name"])
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert shown == {("comments", "Ban"), ("comments", "Comment"), ("comments", "ModeratedWord")}


@pytest.mark.parametrize("page", ["changelist", "add", "change"])
def test_moderator_cannot_open_the_article_admin(moderator_client, make_article, page):
    article = make_article()
    args = [article.pk] if page == "change" else []

    response = moderator_client.get(reverse(f"admin:articles_article_{page}", args=args))

    assert response.status_code == 403


def test_moderator_cannot_add_comments_in_the_admin(moderator_client, article):
    data = {"article": article.pk, "name": "Fake", "email": "f@example.org", "body": "Fake."}

    assert moderator_client.get(ADD_URL).status_code == 403
    assert moderator_client.post(ADD_URL, data).status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize("role", ["Author", "Editor"])
def test_newsroom_roles_without_moderation_cannot_open_the_queue(client, make_staff, role):
    client.force_login(make_staff(role))

    assert client.get(CHANGELIST_URL).status_code == 403


@pytest.mark.parametrize("role", ["Author", "Editor"])
@pytest.mark.parametrize("action", ["approve", "reject", "spam", "feature"])
def test_newsroom_roles_without_moderation_cannot_moderate(
    client, make_staff, article, make_comment, role, action
):
    comment = make_comment(article, status=Comment.Status.PENDING)
    client.force_login(make_staff(role))

    assert client.post(moderate_url(comment, action)).status_code == 403
    assert client.post(ban_url(comment), {"email": "on"}).status_code == 403

    comment.refresh_from_db()
    assert (comment.status, comment.is_featured) == (Comment.Status.PENDING, False)
    assert not Ban.objects.exists()


# --- What readers see -------------------------------------------------------------------


def test_article_comment_count_follows_moderators_decisions(
    moderator_client, reader, article, make_comment, django_capture_on_commit_callbacks
):
    make_comment(article)
    shown = make_comment(article)
    held = make_comment(article, status=Comment.Status.PENDING)
    make_comment(article, status=Comment.Status.REJECTED)
    make_comment(article, status=Comment.Status.SPAM)
    assert comment_count_heading(reader, article) == "Comments (2)"

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(moderate_url(held, "approve"))
    assert comment_count_heading(reader, article) == "Comments (3)"

    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(moderate_url(shown, "reject"))
        moderator_client.post(moderate_url(held, "spam"))
    assert comment_count_heading(reader, article) == "Comments (1)"


# --- Queries ----------------------------------------------------------------------------


@pytest.fixture
def make_queue(make_article, make_region, make_section, make_comment):
    """Comments as the queue meets them: five per article, with reasons and reports."""
    regions = [make_region() for _ in range(3)]
    sections = [make_section() for _ in range(2)]
    statuses = list(Comment.Status)
    articles, made = [], []

    def make(count: int) -> None:
        for _ in range(count):
            n = len(made)
            if n % 5 == 0:
                articles.append(
                    make_article(primary_region=regions[n % 3], section=sections[n % 2])
                )
            comment = make_comment(
                articles[-1],
                email=f"reader{n % 7}@example.org",
                status=statuses[n % len(statuses)],
                anchor_excerpt="A quoted passage." if n % 3 == 0 else "",
            )
            Reason.objects.create(comment=comment, code=Reason.Code.NEW_COMMENTER)
            if n % 2:
                Reason.objects.create(comment=comment, code=Reason.Code.LINKS, detail="2 links")
            for r in range(n % 3):
                Report.objects.create(comment=comment, kind=Report.Kind.SPAM, ip=f"192.0.2.{r}")
            made.append(comment)

    return make


def queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST_URL)
    assert response.status_code == 200
    return len(queries)


def test_queue_query_count_does_not_grow_with_rows(moderator_client, make_queue):
    make_queue(10)
    with_ten = queue_queries(moderator_client)
    make_queue(90)
    with_hundred = queue_queries(moderator_client)

    assert with_hundred == with_ten


def test_queue_of_hundred_comments_is_a_handful_of_queries(
    moderator_client, make_queue, django_assert_max_num_queries
):
    make_queue(100)

    with django_assert_max_num_queries(10):
        response = moderator_client.get(CHANGELIST_URL)

    assert len(response.context["cl"].result_list) == 100
    assert "New commenter" in response.content.decode()


# --- Word lists -------------------------------------------------------------------------


def test_moderator_adds_banned_word_that_rejects_the_next_comment(
    moderator_client, reader, article, post_comment
):
    # A first comment builds this process's matcher before the word exists.
    post_comment(article, using=reader, body="Nice dam.", ip="192.0.2.1")
    assert Comment.objects.get(body="Nice dam.").status == Comment.Status.PENDING

    response = moderator_client.post(WORD_ADD_URL, {"word": "Crook", "action": "reject"})

    assert response.status_code == 302
    assert ModeratedWord.objects.filter(word="Crook", action="reject").exists()
    post_comment(article, using=reader, body="The minister is a crook.", ip="192.0.2.2")
    comment = Comment.objects.get(body="The minister is a crook.")
    assert comment.status == Comment.Status.REJECTED
    assert comment.reasons.get().code == Reason.Code.BANNED_WORD


def test_moderator_changing_word_to_suspect_holds_instead_of_rejecting(
    moderator_client, reader, article, post_comment
):
    word = ModeratedWord.objects.create(word="crook", action=ModeratedWord.Action.REJECT)
    post_comment(article, using=reader, body="A crook.", ip="192.0.2.1")
    assert Comment.objects.get(body="A crook.").status == Comment.Status.REJECTED

    change = reverse("admin:comments_moderatedword_change", args=[word.pk])
    assert moderator_client.post(change, {"word": "crook", "action": "hold"}).status_code == 302

    post_comment(article, using=reader, body="Another crook.", ip="192.0.2.2")
    comment = Comment.objects.get(body="Another crook.")
    assert comment.status == Comment.Status.PENDING
    assert comment.reasons.filter(code=Reason.Code.SUSPECT_WORD, detail="crook").exists()


def test_moderators_decision_answers_the_reports(
    moderator_client, article, make_comment, post_comment
):
    comment = make_comment(article)
    comment.reports.create(kind="abuse", ip="192.0.2.1")
    assert moderator_client.get(CHANGELIST_URL, {"reported": "yes"}).context["cl"].result_count == 1
    moderator_client.post(moderate_url(comment, "reject"))
    moderator_client.post(moderate_url(comment, "approve"))
    assert moderator_client.get(CHANGELIST_URL, {"reported": "yes"}).context["cl"].result_count == 0
