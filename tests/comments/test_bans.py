"""Bans hit only whom they mean.

A moderator bans one commenter from the queue. These tests drive the ban form through
HTTP as a moderator's browser does (the form as rendered, its defaults included), then
look at what other readers meet: their pending comments, their next post. Each rule of
``comments.moderation``'s bans has its test: the defaults, the preview, expiry, the
addresses that are never banned, the scope of "reject pending", lifting, and the message.
"""

from datetime import timedelta

import html5lib
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from comments.models import Ban, Comment, Reason

CHANGELIST_URL = reverse("admin:comments_comment_changelist")


def ban_url(comment: Comment) -> str:
    return reverse("admin:comments_comment_ban", args=[comment.pk])


def lift_url(ban: Ban) -> str:
    return reverse("admin:comments_ban_lift", args=[ban.pk])


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


def ban_form(response):
    assert response.status_code == 200, response.status_code
    tree = html5lib.parse(response.content.decode(), namespaceHTMLElements=False)
    form = tree.find(".//div[@id='content']//form")
    assert form is not None and form.find(".//input[@name='email']") is not None
    return form


def defaults(form) -> dict:
    """What the form sends when the moderator just presses "Ban"."""
    data = {}
    for field in form.iter("input"):
        if field.get("disabled") is not None:
            continue
        kind = field.get("type")
        if kind == "hidden" or (kind == "checkbox" and field.get("checked") is not None):
            data[field.get("name")] = field.get("value", "on")
    for select in form.iter("select"):
        chosen = [o for o in select.iter("option") if o.get("selected") is not None]
        data[select.get("name")] = chosen[0].get("value") if chosen else ""
    return data


def messages_of(client, response) -> list[str]:
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


@pytest.fixture
def crowd(article, make_comment):
    """A troll and four other readers behind the same public IP address (carrier NAT)."""
    shared = "198.51.100.9"
    troll = make_comment(
        article, name="Troll", email="troll@example.net", ip=shared, status="pending"
    )
    troll_again = make_comment(
        article, name="Troll", email="troll@example.net", ip=shared, status="pending"
    )
    others = [
        make_comment(article, name=name, email=f"{name.lower()}@example.org", ip=shared,
                     status="pending")
        for name in ["Ana", "Ana", "Bashir", "Chen"]
    ]  # fmt: skip
    make_comment(article, name="Chen", email="chen@example.org", ip=shared, status="approved")
    return troll, troll_again, others


# --- The form and its preview -----------------------------------------------------------


def test_ban_form_ticks_email_and_own_pending_but_not_the_ip(moderator_client, crowd):
    troll, _, _ = crowd

    data = defaults(ban_form(moderator_client.get(ban_url(troll))))

    assert data.get("email") == "on"
    assert data.get("reject_pending") == "on"
    assert "ip" not in data
    assert "reject_ip_pending" not in data
    assert data.get("email_days") == "", "an e-mail ban lasts until lifted unless chosen"


def test_ban_form_shows_who_else_posted_from_the_ip_before_acting(moderator_client, crowd):
    troll, _, _ = crowd

    response = moderator_client.get(ban_url(troll))

    shown = page_text(response)
    assert "This e-mail address has 2 pending comments." in shown
    # Four pending and one approved comment, from three other names (Ana twice).
    assert "This IP address also posted 5 comment(s) (4 pending) by 3 other names." in shown
    assert not Ban.objects.exists()
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 6


def test_ban_with_the_forms_defaults_leaves_other_readers_alone(
    moderator_client, reader, article, crowd, post_comment
):
    troll, troll_again, others = crowd
    data = defaults(ban_form(moderator_client.get(ban_url(troll))))

    assert moderator_client.post(ban_url(troll), data).status_code == 302

    ban = Ban.objects.get()
    assert (ban.email, ban.ip) == ("troll@example.net", None)
    troll.refresh_from_db(), troll_again.refresh_from_db()
    assert (troll.status, troll_again.status) == (Comment.Status.REJECTED,) * 2
    assert {c.status for c in Comment.objects.filter(pk__in=[o.pk for o in others])} == {
        Comment.Status.PENDING
    }
    post_comment(article, using=reader, email="dana@example.org", ip="198.51.100.9", body="Hi.")
    newcomer = Comment.objects.get(body="Hi.")
    assert newcomer.status == Comment.Status.PENDING
    assert not newcomer.reasons.filter(code=Reason.Code.BANNED).exists()


# --- The message says what was done -----------------------------------------------------


def test_ban_message_says_what_was_banned_for_how_long_and_what_was_rejected(
    moderator_client, crowd
):
    troll, _, _ = crowd
    data = {"email": "on", "email_days": "7", "reject_pending": "on"}

    shown = messages_of(moderator_client, moderator_client.post(ban_url(troll), data))

    assert shown == [
        "Banned troll@example.net for 7 days; rejected 2 of their pending comments; IP not banned."
    ]


def test_ban_message_names_the_ip_ban_and_the_widened_rejections(moderator_client, crowd):
    troll, _, _ = crowd
    data = {"email": "on", "ip": "on", "reject_pending": "on", "reject_ip_pending": "on"}

    shown = messages_of(moderator_client, moderator_client.post(ban_url(troll), data))

    assert shown == [
        "Banned troll@example.net permanently; rejected 2 of their pending comments; "
        "banned IP 198.51.100.9 for 7 days; rejected 4 pending comments by others from that IP."
    ]


# --- Expiry ------------------------------------------------------------------------------


@pytest.mark.parametrize(("days_later", "rejected"), [(6, True), (8, False)])
def test_ip_ban_ends_after_the_configured_days(
    moderator_client, reader, article, crowd, post_comment, days_later, rejected
):
    troll, _, _ = crowd
    moderator_client.post(ban_url(troll), {"ip": "on"})
    assert Ban.objects.get().ip == "198.51.100.9"

    with time_machine.travel(timezone.now() + timedelta(days=days_later)):
        post_comment(article, using=reader, email="eve@example.org", ip="198.51.100.9", body="Hi.")

    comment = Comment.objects.get(body="Hi.")
    assert (comment.status == Comment.Status.REJECTED) is rejected


def test_ip_ban_length_is_a_setting(moderator_client, settings, crowd):
    settings.COMMENTS_IP_BAN_DAYS = 2
    troll, _, _ = crowd

    moderator_client.post(ban_url(troll), {"ip": "on"})

    ban = Ban.objects.get()
    length = ban.ip_expires_at - ban.created_at
    assert timedelta(days=2) - timedelta(minutes=1) < length <= timedelta(days=2)


@pytest.mark.parametrize(("email_days", "still_banned"), [("", True), ("7", False)])
def test_email_ban_is_permanent_unless_given_an_end(
    moderator_client, reader, article, crowd, post_comment, email_days, still_banned
):
    troll, _, _ = crowd
    moderator_client.post(ban_url(troll), {"email": "on", "email_days": email_days})

    # Ten days on (the article's comments are still open).
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        post_comment(article, using=reader, email="troll@example.net", body="Back again.")

    comment = Comment.objects.get(body="Back again.")
    assert (comment.status == Comment.Status.REJECTED) is still_banned


# --- Addresses that are never one reader's ----------------------------------------------


@pytest.mark.parametrize(
    ("address", "proxies", "proxy_networks"),
    [
        ("127.0.0.1", 0, []),  # a proxy on this machine, TRUSTED_PROXIES left at 0
        ("10.1.2.3", 0, []),  # a load balancer on the private network
        ("::1", 0, []),
        ("100.64.7.1", 1, []),  # carrier-grade NAT: many subscribers
        ("192.168.1.20", 1, []),
        ("203.0.113.50", 1, ["203.0.113.0/24"]),  # the CDN's own edge, header missing
    ],
    ids=["loopback", "private", "ipv6-loopback", "carrier-nat", "lan", "proxy-network"],
)
def test_ip_ban_is_refused_for_an_address_the_proxy_settings_cannot_trust(
    moderator_client, settings, article, make_comment, address, proxies, proxy_networks
):
    settings.TRUSTED_PROXIES = proxies
    settings.PROXY_NETWORKS = proxy_networks
    comment = make_comment(article, email="troll@example.net", ip=address, status="pending")
    form = ban_form(moderator_client.get(ban_url(comment)))
    assert form.find(".//input[@name='ip']").get("disabled") is not None
    assert "The IP address cannot be banned" in page_text(moderator_client.get(ban_url(comment)))

    response = moderator_client.post(ban_url(comment), {"email": "on", "ip": "on"})

    assert response.status_code == 400
    assert "The IP address cannot be banned" in page_text(response)
    assert not Ban.objects.exists()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_ip_ban_is_allowed_for_a_public_address(moderator_client, article, make_comment):
    comment = make_comment(article, email="troll@example.net", ip="198.51.100.7")
    form = ban_form(moderator_client.get(ban_url(comment)))
    assert form.find(".//input[@name='ip']").get("disabled") is None

    assert moderator_client.post(ban_url(comment), {"ip": "on"}).status_code == 302

    assert Ban.objects.get().ip == "198.51.100.7"


def test_bulk_ban_skips_an_untrusted_ip_and_says_so(moderator_client, article, make_comment):
    comment = make_comment(article, email="troll@example.net", ip="10.0.0.8")
    data = {"action": "ban_commenters", "index": "0", "_selected_action": [comment.pk],
            "confirm": "yes", "email": "on", "ip": "on"}  # fmt: skip

    shown = messages_of(moderator_client, moderator_client.post(CHANGELIST_URL, data))

    assert (Ban.objects.get().email, Ban.objects.get().ip) == ("troll@example.net", None)
    assert shown == [
        "Banned troll@example.net permanently; IP not banned (10.0.0.8 is a private or shared"
        " address that may be many readers' (is TRUSTED_PROXIES set?))."
    ]


def test_ban_admin_refuses_a_hand_made_ban_of_a_private_address(moderator_client):
    response = moderator_client.post(reverse("admin:comments_ban_add"), {"ip": "192.168.0.4"})

    assert response.status_code == 200
    assert "This address cannot be banned" in page_text(response)
    assert not Ban.objects.exists()


def test_hand_made_ip_ban_in_the_ban_admin_gets_the_default_end(moderator_client, settings):
    settings.COMMENTS_IP_BAN_DAYS = 3
    data = {"ip": "198.51.100.77", "email": "", "note": "seen in the logs"}

    response = moderator_client.post(reverse("admin:comments_ban_add"), data)

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert ban.ip_expires_at - timezone.now() > timedelta(days=3) - timedelta(minutes=1)
    assert ban.ip_expires_at - timezone.now() <= timedelta(days=3)


# --- Scope of "reject pending" ----------------------------------------------------------


def test_rejecting_pending_widened_to_the_ip_rejects_others_there_and_records_them(
    moderator_client, crowd
):
    troll, troll_again, others = crowd
    data = {"email": "on", "reject_pending": "on", "reject_ip_pending": "on"}

    moderator_client.post(ban_url(troll), data)

    ban = Ban.objects.get()
    assert ban.ip is None, "widening the rejection does not ban the IP"
    assert set(ban.rejected.all()) == {troll, troll_again, *others}
    assert not Comment.objects.filter(status=Comment.Status.PENDING).exists()


# --- Lifting ----------------------------------------------------------------------------


def test_lifting_a_ban_requeues_what_it_rejected_and_lets_the_commenter_post(
    moderator_client, reader, article, crowd, post_comment
):
    troll, troll_again, _ = crowd
    moderator_client.post(ban_url(troll), {"email": "on", "reject_pending": "on"}, follow=True)
    post_comment(article, using=reader, email="troll@example.net", body="Let me in.")
    blocked = Comment.objects.get(body="Let me in.")
    assert blocked.status == Comment.Status.REJECTED
    ban = Ban.objects.get()
    assert set(ban.rejected.all()) == {troll, troll_again, blocked}
    spam = reverse("admin:comments_comment_moderate", args=[troll_again.pk, "spam"])
    moderator_client.post(spam, follow=True)

    response = moderator_client.post(lift_url(ban))

    assert messages_of(moderator_client, response) == [
        "Lifted the ban on troll@example.net; 2 comments it rejected went back to the queue."
    ]
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses[troll.pk] == statuses[blocked.pk] == Comment.Status.PENDING
    assert statuses[troll_again.pk] == Comment.Status.SPAM, "a later decision stands"
    post_comment(article, using=reader, email="troll@example.net", body="Thank you.")
    assert Comment.objects.get(body="Thank you.").status == Comment.Status.PENDING


def test_lift_action_lifts_selected_bans_once(moderator_client, crowd):
    troll, _, _ = crowd
    moderator_client.post(ban_url(troll), {"email": "on", "reject_pending": "on"}, follow=True)
    ban = Ban.objects.get()
    data = {"action": "lift_bans", "index": "0", "_selected_action": [ban.pk]}
    changelist = reverse("admin:comments_ban_changelist")

    first = messages_of(moderator_client, moderator_client.post(changelist, data))
    again = messages_of(moderator_client, moderator_client.post(changelist, data))

    assert first == [
        "Lifted the ban on troll@example.net; 2 comments it rejected went back to the queue."
    ]
    assert again == ["The ban on troll@example.net was already lifted."]
    ban.refresh_from_db()
    assert ban.lifted_at is not None


def test_ban_page_offers_lifting_and_no_deleting(moderator_client, crowd):
    troll, _, _ = crowd
    moderator_client.post(ban_url(troll), {"email": "on"})
    ban = Ban.objects.get()

    page = page_text(moderator_client.get(reverse("admin:comments_ban_change", args=[ban.pk])))

    assert "Lift this ban" in page
    assert "troll@example.net" in page
    assert "Delete" not in page
    assert moderator_client.get(lift_url(ban)).status_code == 405


def test_lift_url_refuses_staff_without_moderation(client, make_staff, crowd, moderator_client):
    troll, _, _ = crowd
    moderator_client.post(ban_url(troll), {"email": "on", "reject_pending": "on"})
    client.force_login(make_staff("Author"))

    assert client.post(lift_url(Ban.objects.get())).status_code == 403

    assert Ban.objects.get().lifted_at is None
