"""Who may do what: every role against every state-changing action, through HTTP.

``POLICY`` is the newsroom's access policy written down as data. Each row is driven as
the role's own browser would drive it (a session, or a verified-address cookie; CSRF
enforced and the page's token posted) against a fresh object, and then the database is
asked whether the action took effect. A refusal must also look like one: 403, 404, 405,
a redirect to the login page, the form again with errors, or the admin's "no such
object" / "no such action" redirect; a hidden button is not a refusal.
"""

import time

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Page, Photo, Region, Section
from comments import notifications, readers
from comments.forms import FORM_SALT
from comments.models import Ban, Comment, ModeratedWord, Report, Subscription
from comments.readers import VERIFIED_COOKIE, VERIFIED_SALT
from newsroom.newsletters import tokens as newsletter_tokens
from newsroom.newsletters.models import (
    Edition,
    EditionItem,
    Newsletter,
    NewsletterSubscription,
    Suppression,
)
from newsroom.redirects.models import LegacyPath
from tests.helpers.admin import FUTURE, split_datetime
from tests.helpers.images import jpeg_bytes

from .access_clients import Browser, admin_form

ROLES = ("anonymous", "reader", "author", "editor", "moderator", "superuser")

# "yes": the action takes effect; "-": it is refused and nothing changes. "author" is an
# Author-role account with its own byline; "own" objects are that author's, "other"
# objects another author's; editors and moderators act on the same objects.
POLICY = """
action                          anonymous reader author editor moderator superuser
article.add                     -         -      yes    yes    -         yes
article.change.own_draft        -         -      yes    yes    -         yes
article.change.other_draft      -         -      -      yes    -         yes
article.change.own_published    -         -      -      yes    -         yes
article.delete.own_draft        -         -      -      yes    -         yes
article.publish.form            -         -      -      yes    -         yes
article.schedule.form           -         -      -      yes    -         yes
article.publish.action          -         -      -      yes    -         yes
article.unpublish.action        -         -      -      yes    -         yes
article.lead.form               -         -      -      yes    -         yes
article.lead.action             -         -      -      yes    -         yes
article.release.action          -         -      -      yes    -         yes
article.submit.own_draft        -         -      yes    yes    -         yes
article.submit.other_draft      -         -      -      yes    -         yes
article.preview_link.own        -         -      yes    yes    -         yes
article.preview_link.other      -         -      -      yes    -         yes
correction.add                  -         -      -      yes    -         yes
page.add                        -         -      -      yes    -         yes
page.change                     -         -      -      yes    -         yes
page.delete                     -         -      -      yes    -         yes
section.add                     -         -      -      yes    -         yes
section.change                  -         -      -      yes    -         yes
region.add                      -         -      yes    yes    -         yes
region.change                   -         -      -      yes    -         yes
author.change                   -         -      -      yes    -         yes
photo.add                       -         -      yes    yes    -         yes
photo.change.unused             -         -      yes    yes    -         yes
photo.change.on_published       -         -      -      yes    -         yes
photo.change.on_own_draft       -         -      yes    yes    -         yes
photo.delete                    -         -      -      yes    -         yes
comment.approve                 -         -      -      -      yes       yes
comment.reject                  -         -      -      -      yes       yes
comment.spam                    -         -      -      -      yes       yes
comment.feature                 -         -      -      -      yes       yes
comment.approve.bulk            -         -      -      -      yes       yes
comment.ban                     -         -      -      -      yes       yes
comment.delete                  -         -      -      -      -         yes
word.add                        -         -      -      -      yes       yes
word.change                     -         -      -      -      yes       yes
word.delete                     -         -      -      -      yes       yes
ban.add                         -         -      -      -      yes       yes
user.add                        -         -      -      -      -         yes
user.make_superuser             -         -      -      -      -         yes
group.add                       -         -      -      -      -         yes
legacypath.add                  -         -      -      -      -         yes
tag.add                         -         -      -      -      -         yes
newsletter.add                  -         -      -      yes    -         yes
edition.send                    -         -      -      yes    -         yes
edition.send_test               -         -      -      yes    -         yes
suppression.add                 -         -      -      yes    -         yes
public.comment                  yes       yes    yes    yes    yes       yes
public.reply                    yes       yes    yes    yes    yes       yes
public.report                   yes       yes    yes    yes    yes       yes
public.confirm                  yes       yes    yes    yes    yes       yes
public.unsubscribe              yes       yes    yes    yes    yes       yes
public.comment.on_draft         -         -      -      -      -         -
public.reply.to_held            -         -      -      -      -         -
public.report.held              -         -      -      -      -         -
public.confirm.tampered         -         -      -      -      -         -
public.newsletter_signup        yes       yes    yes    yes    yes       yes
public.newsletter_confirm       yes       yes    yes    yes    yes       yes
public.newsletter_preferences   yes       yes    yes    yes    yes       yes
public.newsletter_unsubscribe   yes       yes    yes    yes    yes       yes
public.newsletter_forged        -         -      -      -      -         -
"""


def expected_table() -> dict[tuple[str, str], bool]:
    header, *lines = POLICY.strip().splitlines()
    assert tuple(header.split()[1:]) == ROLES
    table = {}
    for line in lines:
        action, *cells = line.split()
        assert len(cells) == len(ROLES) and set(cells) <= {"yes", "-"}, line
        table.update(
            {(action, role): cell == "yes" for role, cell in zip(ROLES, cells, strict=True)}
        )
    return table


ACTIONS = {}


def action(name):
    """Register how one action is done: ``(world, browser) -> (response, took_effect)``."""

    def register(function):
        ACTIONS[name] = function
        return function

    return register


class World:
    """The newsroom the matrix runs in; every row gets fresh objects from it."""

    def __init__(self, make_article, make_staff, make_author, make_photo, django_user_model):
        self.count = 0
        self.make_article, self.make_photo = make_article, make_photo
        self.author_user = make_staff("Author")
        self.author = make_author("Nadia Rahman", user=self.author_user)
        self.other_user = make_staff("Author")
        self.other = make_author("Omar Said", user=self.other_user)
        self.superuser = django_user_model.objects.create_superuser("chief", password="x-y-z-w")
        self.live = make_article("Dam reservoir reaches record level", authors=[self.other])
        verified = signing.get_cookie_signer(salt=VERIFIED_COOKIE + VERIFIED_SALT)
        self.browsers = {
            "anonymous": Browser("anonymous"),
            "reader": Browser(
                "reader", cookies={VERIFIED_COOKIE: verified.sign("reader@example.org")}
            ),
            "author": Browser("author", self.author_user),
            "editor": Browser("editor", make_staff("Editor")),
            "moderator": Browser("moderator", make_staff("Moderator")),
            "superuser": Browser("superuser", self.superuser),
        }

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}-{self.count}"

    def ip(self) -> str:
        """A different reader's address for each public post: rate limits are per reader."""
        return f"10.9.{self.count // 250}.{self.count % 250 + 1}"

    def draft(self, owner: str = "own", **kwargs) -> Article:
        user, author = (
            (self.author_user, self.author) if owner == "own" else (self.other_user, self.other)
        )
        kwargs.setdefault("status", Article.Status.DRAFT)
        return self.make_article(
            self.name("Draft headline"), authors=[author], created_by=user, **kwargs
        )

    def comment(self, **kwargs) -> Comment:
        kwargs.setdefault("status", Comment.Status.PENDING)
        email = f"{self.name('commenter')}@example.org"
        return Comment.objects.create(
            article=self.live, name="Commenter", email=email, ip=self.ip(), body="Words.",
            body_html="<p>Words.</p>", **kwargs,
        )  # fmt: skip

    def editor_form(self, url: str) -> dict:
        """The form as a superuser sees it: every field there is, for any role to post."""
        data = admin_form(self.browsers["superuser"].get(url))
        del data["csrfmiddlewaretoken"]  # each browser posts its own, or none
        return data


def admin_url(model, view: str, obj=None) -> str:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name, args=[obj.pk] if obj is not None else [])


def changelist_action(browser, model, name, *objects):
    data = {"action": name, "index": "0", "_selected_action": [o.pk for o in objects]}
    return browser.post(admin_url(model, "changelist"), data)


def fresh(obj):
    """The row as stored now, or None once it is gone."""
    return type(obj).objects.filter(pk=obj.pk).first()


def form_token(article_id: int) -> str:
    """A comment form's signed timestamp, issued a minute ago (old enough to post)."""
    return signing.dumps({"a": article_id, "t": int(time.time()) - 60}, salt=FORM_SALT)


# --- Articles --------------------------------------------------------------------------


@action("article.add")
def _(w, b):
    headline = w.name("Added headline")
    data = article_form(Article(section=w.live.section))
    data.update({"headline": headline, "slug": "", "text_blocks-0-text": "<p>New.</p>"})
    response = b.post(admin_url(Article, "add"), data)
    return response, Article.objects.filter(headline=headline).exists()


def article_form(article: Article) -> dict:
    """The article form as an editor's browser posts it, unchanged (see the shape test)."""
    data = {
        "headline": article.headline, "slug": article.slug, "kicker": article.kicker,
        "standfirst": article.standfirst, "kind": article.kind,
        "section": str(article.section_id), "regions": "", "primary_region": "",
        "lead_photo": "", "lead_alt_text": "", "lead_caption": "", "lead_photographer": "",
        "lead_agency": "", "status": article.status,
        "comments_enabled": "on", "comments_close_after_days": "", "version": "1",
        "_save": "Save",
    }  # fmt: skip
    data.update(
        {f"{name}_{i}": "" for name in ("publish_at", "updated_at", "lead_until") for i in (0, 1)}
    )
    if article.publish_at:
        data.update(split_datetime("publish_at", article.publish_at))
    if article.is_lead:
        data["is_lead"] = "on"  # an unticked box is not sent at all
    bylines = list(article.bylines.all()) if article.pk else []
    texts = list(article.text_blocks.all()) if article.pk else []
    prefixes = ("bylines", "text_blocks", "quotes", "body_photos", "read_mores", "embeds",
                "related_links", "corrections")  # fmt: skip
    for prefix in prefixes:
        rows = {"bylines": bylines, "text_blocks": texts}.get(prefix, [])
        # One empty byline and one empty text block are offered.
        total = len(rows) + (prefix in ("bylines", "text_blocks"))
        data |= {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(len(rows))}
        data |= {f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, block in enumerate([*texts, None]):
        data[f"text_blocks-{index}-id"] = str(block.pk) if block else ""
        data[f"text_blocks-{index}-article"] = str(article.pk or "")
        data[f"text_blocks-{index}-text"] = block.text if block else ""
        data[f"text_blocks-{index}-ordering"] = str(block.ordering if block else 0)
        data[f"text_blocks-{index}-region"] = "body"
    for index, byline in enumerate([*bylines, None]):
        data[f"bylines-{index}-id"] = str(byline.pk) if byline else ""
        data[f"bylines-{index}-article"] = str(article.pk or "")
        data[f"bylines-{index}-position"] = str(byline.position if byline else 0)
        if byline:
            data[f"bylines-{index}-author"] = str(byline.author_id)
    return data


def change_article(w, b, article, **changes):
    data = article_form(article) | changes
    return b.post(admin_url(Article, "change", article), data)


@action("article.change.own_draft")
def _(w, b):
    article = w.draft()
    response = change_article(w, b, article, headline="Rewritten")
    return response, fresh(article).headline == "Rewritten"


@action("article.change.other_draft")
def _(w, b):
    article = w.draft("other")
    response = change_article(w, b, article, headline="Rewritten")
    return response, fresh(article).headline == "Rewritten"


@action("article.change.own_published")
def _(w, b):
    article = w.draft(status=Article.Status.PUBLISHED)
    response = change_article(w, b, article, headline="Rewritten")
    return response, fresh(article).headline == "Rewritten"


@action("article.delete.own_draft")
def _(w, b):
    article = w.draft()
    response = b.post(admin_url(Article, "delete", article), {"post": "yes"})
    return response, fresh(article) is None


@action("article.publish.form")
def _(w, b):
    article = w.draft()
    response = change_article(w, b, article, status="published")
    return response, fresh(article).status == Article.Status.PUBLISHED


@action("article.schedule.form")
def _(w, b):
    article = w.draft()
    response = change_article(
        w, b, article, status="published", **split_datetime("publish_at", FUTURE)
    )
    stored = fresh(article)
    return response, stored.status == Article.Status.PUBLISHED and stored.publish_at == FUTURE


@action("article.publish.action")
def _(w, b):
    article = w.draft()
    response = changelist_action(b, Article, "publish_now", article)
    return response, fresh(article).status == Article.Status.PUBLISHED


@action("article.unpublish.action")
def _(w, b):
    article = w.draft(status=Article.Status.PUBLISHED)
    response = changelist_action(b, Article, "unpublish", article)
    return response, fresh(article).status == Article.Status.DRAFT


@action("article.lead.form")
def _(w, b):
    # The author's own published article: the one an author would most want to lead.
    article = w.draft(status=Article.Status.PUBLISHED)
    response = change_article(w, b, article, is_lead="on")
    return response, fresh(article).is_lead


@action("article.lead.action")
def _(w, b):
    article = w.draft(status=Article.Status.PUBLISHED)
    response = changelist_action(b, Article, "make_lead", article)
    return response, fresh(article).is_lead


@action("article.release.action")
def _(w, b):
    article = w.draft(status=Article.Status.PUBLISHED, is_lead=True)
    response = changelist_action(b, Article, "stop_leading", article)
    return response, not fresh(article).is_lead


@action("article.submit.own_draft")
def _(w, b):
    article = w.draft()
    response = changelist_action(b, Article, "submit_for_review", article)
    return response, fresh(article).status == Article.Status.REVIEW


@action("article.submit.other_draft")
def _(w, b):
    article = w.draft("other")
    response = changelist_action(b, Article, "submit_for_review", article)
    return response, fresh(article).status == Article.Status.REVIEW


def preview_link(w, b, article):
    """A preview link is made by opening the article in the admin: does it work?"""
    response = b.get(admin_url(Article, "change", article))
    if response.status_code != 200:
        return response, False
    page = response.content.decode()
    start = page.find('href="/preview/')
    if start < 0:
        return response, False
    url = page[start + len('href="') : page.index('"', start + len('href="'))]
    shown = Browser("anonymous").get(url)
    return response, shown.status_code == 200 and article.headline in shown.content.decode()


@action("article.preview_link.own")
def _(w, b):
    return preview_link(w, b, w.draft())


@action("article.preview_link.other")
def _(w, b):
    return preview_link(w, b, w.draft("other"))


@action("correction.add")
def _(w, b):
    # On the author's own draft, the one article form an author may post at all.
    article = w.draft()
    data = article_form(article)
    index = int(data["corrections-TOTAL_FORMS"])
    data["corrections-TOTAL_FORMS"] = str(index + 1)
    data[f"corrections-{index}-text"] = "The dam is 40 metres high, not 60."
    data.update(split_datetime(f"corrections-{index}-created_at", timezone.now()))
    response = b.post(admin_url(Article, "change", article), data)
    return response, article.corrections.exists()


# --- The site's own pages -----------------------------------------------------------------


def page_data(title: str, slug: str) -> dict:
    return {"title": title, "slug": slug, "body": "<p>Who we are.</p>", "published": "on",
            "in_navigation": "on", "position": "1"}  # fmt: skip


@action("page.add")
def _(w, b):
    title = w.name("Page")
    response = b.post(admin_url(Page, "add"), page_data(title, title.lower()))
    return response, Page.objects.filter(title=title).exists()


@action("page.change")
def _(w, b):
    page = Page.objects.create(title=w.name("Page"), slug=w.name("page").lower())
    data = page_data(w.name("Renamed"), page.slug)
    response = b.post(admin_url(Page, "change", page), data)
    return response, fresh(page).title == data["title"]


@action("page.delete")
def _(w, b):
    page = Page.objects.create(title=w.name("Page"), slug=w.name("page").lower())
    response = b.post(admin_url(Page, "delete", page), {"post": "yes"})
    return response, not Page.objects.filter(pk=page.pk).exists()


# --- Newsletters ---------------------------------------------------------------------------


@action("newsletter.add")
def _(w, b):
    name = w.name("Briefing")
    data = {"name": name, "slug": name.lower(), "description": "Every morning.", "intro": "",
            "listed": "on", "order": "0", "cadence": "daily", "send_time": "07:00",
            "weekday": "0", "time_zone": "Europe/London"}  # fmt: skip
    response = b.post(admin_url(Newsletter, "add"), data)
    return response, Newsletter.objects.filter(name=name).exists()


def draft_edition(w) -> Edition:
    name = w.name("edition")
    newsletter = Newsletter.objects.create(name=name, slug=name, description="Daily.")
    edition = Edition.objects.create(newsletter=newsletter, subject=w.name("Subject"))
    EditionItem.objects.create(edition=edition, article=w.live)
    return edition


@action("edition.send")
def _(w, b):
    edition = draft_edition(w)
    response = b.post(reverse("admin:newsletters_edition_send", args=[edition.pk]))
    return response, fresh(edition).status != Edition.Status.DRAFT


@action("edition.send_test")
def _(w, b):
    for user in User.objects.filter(email=""):  # a test goes to the editor's own address
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    edition, before = draft_edition(w), len(mail.outbox)
    response = b.post(reverse("admin:newsletters_edition_send_test", args=[edition.pk]))
    return response, len(mail.outbox) > before


@action("suppression.add")
def _(w, b):
    address = f"{w.name('bounced')}@example.org"
    data = w.editor_form(admin_url(Suppression, "add")) | {"address": address, "reason": "manual"}
    response = b.post(admin_url(Suppression, "add"), data)
    return response, Suppression.objects.filter(address=address).exists()


# --- Sections, regions, authors, photos --------------------------------------------------


@action("section.add")
def _(w, b):
    name = w.name("Section")
    data = {"name": name, "slug": name.lower(), "description": "", "position": "3"}
    response = b.post(admin_url(Section, "add"), data)
    return response, Section.objects.filter(name=name).exists()


@action("section.change")
def _(w, b):
    section = Section.objects.create(name=w.name("Section"), slug=w.name("section"))
    data = {"name": w.name("Renamed"), "slug": section.slug, "description": "", "position": "0"}
    response = b.post(admin_url(Section, "change", section), data)
    return response, fresh(section).name == data["name"]


@action("region.add")
def _(w, b):
    name = w.name("Region")
    response = b.post(admin_url(Region, "add"), {"name": name, "slug": name.lower()})
    return response, Region.objects.filter(name=name).exists()


@action("region.change")
def _(w, b):
    region = Region.objects.create(name=w.name("Region"), slug=w.name("region"))
    data = {"name": w.name("Renamed"), "slug": region.slug}
    response = b.post(admin_url(Region, "change", region), data)
    return response, fresh(region).name == data["name"]


@action("author.change")
def _(w, b):
    author = Author.objects.create(name=w.name("Writer"), slug=w.name("writer"))
    data = {"name": author.name, "slug": author.slug, "bio": "Rewritten bio.", "user": ""}
    response = b.post(admin_url(Author, "change", author), data)
    return response, fresh(author).bio == "Rewritten bio."


@action("photo.add")
def _(w, b):
    caption = w.name("Caption")
    data = {
        "image": SimpleUploadedFile("dam.jpg", jpeg_bytes(), "image/jpeg"),
        "alt_text": "A dam",
        "caption": caption,
        "photographer": "",
        "agency": "",
    }
    response = b.post(admin_url(Photo, "add"), data)
    return response, Photo.objects.filter(caption=caption).exists()


def change_photo(b, photo):
    data = {"alt_text": "A dam", "caption": "New caption", "photographer": "", "agency": ""}
    response = b.post(admin_url(Photo, "change", photo), data)
    return response, fresh(photo).caption == "New caption"


@action("photo.change.unused")
def _(w, b):
    return change_photo(b, w.make_photo())


@action("photo.change.on_published")
def _(w, b):
    photo = w.make_photo()
    w.draft("other", status=Article.Status.PUBLISHED, lead_photo=photo)
    return change_photo(b, photo)


@action("photo.change.on_own_draft")
def _(w, b):
    photo = w.make_photo()
    w.draft(lead_photo=photo)
    return change_photo(b, photo)


@action("photo.delete")
def _(w, b):
    photo = w.make_photo()
    response = b.post(admin_url(Photo, "delete", photo), {"post": "yes"})
    return response, fresh(photo) is None


# --- The moderation queue ------------------------------------------------------------------


def row_button(w, b, key, **kwargs):
    comment = w.comment(**kwargs)
    response = b.post(reverse("admin:comments_comment_moderate", args=[comment.pk, key]))
    return response, fresh(comment)


@action("comment.approve")
def _(w, b):
    response, comment = row_button(w, b, "approve")
    return response, comment.status == Comment.Status.APPROVED


@action("comment.reject")
def _(w, b):
    response, comment = row_button(w, b, "reject")
    return response, comment.status == Comment.Status.REJECTED


@action("comment.spam")
def _(w, b):
    response, comment = row_button(w, b, "spam")
    return response, comment.status == Comment.Status.SPAM


@action("comment.feature")
def _(w, b):
    response, comment = row_button(w, b, "feature", status=Comment.Status.APPROVED)
    return response, comment.is_featured


@action("comment.approve.bulk")
def _(w, b):
    comment = w.comment()
    response = changelist_action(b, Comment, "approve", comment)
    return response, fresh(comment).status == Comment.Status.APPROVED


@action("comment.ban")
def _(w, b):
    comment = w.comment()
    # The IP too would be refused: these readers' addresses are private ones.
    data = {"email": "on", "reject_pending": "on"}
    response = b.post(reverse("admin:comments_comment_ban", args=[comment.pk]), data)
    return response, Ban.objects.filter(email=comment.email).exists()


@action("comment.delete")
def _(w, b):
    comment = w.comment()
    response = b.post(admin_url(Comment, "delete", comment), {"post": "yes"})
    return response, fresh(comment) is None


@action("word.add")
def _(w, b):
    word = w.name("badword")
    response = b.post(admin_url(ModeratedWord, "add"), {"word": word, "action": "hold"})
    return response, ModeratedWord.objects.filter(word=word).exists()


@action("word.change")
def _(w, b):
    word = ModeratedWord.objects.create(word=w.name("suspect"), action="hold")
    data = {"word": word.word, "action": "reject"}
    response = b.post(admin_url(ModeratedWord, "change", word), data)
    return response, fresh(word).action == "reject"


@action("word.delete")
def _(w, b):
    word = ModeratedWord.objects.create(word=w.name("suspect"), action="hold")
    response = b.post(admin_url(ModeratedWord, "delete", word), {"post": "yes"})
    return response, fresh(word) is None


@action("ban.add")
def _(w, b):
    email = f"{w.name('troll')}@example.org"
    response = b.post(admin_url(Ban, "add"), {"email": email, "ip": "", "note": ""})
    return response, Ban.objects.filter(email=email).exists()


# --- Users and groups ----------------------------------------------------------------------


@action("user.add")
def _(w, b):
    username = w.name("newcomer")
    password = "a-long-pass-phrase-9"
    data = {"username": username, "usable_password": "true"}
    data |= {"password1": password, "password2": password}
    response = b.post(admin_url(User, "add"), data)
    return response, User.objects.filter(username=username).exists()


@action("user.make_superuser")
def _(w, b):
    user = User.objects.create_user(w.name("staffer"), is_staff=True)
    data = w.editor_form(admin_url(User, "change", user))
    data["is_superuser"] = "on"
    response = b.post(admin_url(User, "change", user), data)
    return response, fresh(user).is_superuser


@action("group.add")
def _(w, b):
    name = w.name("Group")
    response = b.post(admin_url(Group, "add"), {"name": name})
    return response, Group.objects.filter(name=name).exists()


@action("legacypath.add")
def _(w, b):
    path = f"/old/{w.name('page')}/"
    response = b.post(admin_url(LegacyPath, "add"), {"path": path, "article": w.live.pk})
    return response, LegacyPath.objects.filter(path=path).exists()


@action("tag.add")
def _(w, b):
    name = w.name("tag")
    data = w.editor_form(admin_url(Tag, "add")) | {"name": name, "slug": name}
    response = b.post(admin_url(Tag, "add"), data)
    return response, Tag.objects.filter(name=name).exists()


# --- The public site -----------------------------------------------------------------------


def post_comment(w, b, article, **fields):
    body = w.name("A comment about the reservoir")
    data = {
        "name": "Reader",
        "email": f"{w.name('reader')}@example.org",
        "body": body,
        "ts": form_token(article.pk),
        "website": "",
    } | fields
    url = reverse("comments:post", args=[article.pk])
    response = b.post(url, data, REMOTE_ADDR=w.ip())
    return response, Comment.objects.filter(body=body).exists()


def report(w, b, comment):
    data = {"kind": "abuse", "note": "", "ts": form_token(comment.article_id), "website": ""}
    response = b.post(reverse("comments:report", args=[comment.pk]), data, REMOTE_ADDR=w.ip())
    return response, Report.objects.filter(comment=comment).exists()


@action("public.comment")
def _(w, b):
    return post_comment(w, b, w.live)


@action("public.reply")
def _(w, b):
    return post_comment(w, b, w.live, parent=w.comment(status=Comment.Status.APPROVED).pk)


@action("public.report")
def _(w, b):
    return report(w, b, w.comment(status=Comment.Status.APPROVED))


def subscription(w) -> Subscription:
    email = f"{w.name('subscriber')}@example.org"
    return Subscription.objects.create(article=w.live, email=email, kind="all")


@action("public.confirm")
def _(w, b):
    sub = subscription(w)
    url = reverse("comments:confirm", args=[notifications.confirm_token(sub)])
    response = b.post(url)
    return response, fresh(sub).confirmed_at is not None


@action("public.unsubscribe")
def _(w, b):
    sub = subscription(w)
    url = reverse("comments:unsubscribe", args=[notifications.unsubscribe_token(sub)])
    response = b.post(url)
    return response, fresh(sub) is None


def newsletter_subscription(w, confirmed=True) -> NewsletterSubscription:
    newsletter, _ = Newsletter.objects.get_or_create(slug="daily", defaults={"name": "Daily"})
    reader = readers.reader_for(f"{w.name('subscriber')}@example.org")
    return NewsletterSubscription.objects.create(
        newsletter=newsletter, reader=reader, confirmed_at=timezone.now() if confirmed else None
    )


@action("public.newsletter_signup")
def _(w, b):
    Newsletter.objects.get_or_create(slug="daily", defaults={"name": "Daily"})
    email = f"{w.name('signup')}@example.org"
    data = {"email": email, "newsletters": ["daily"], "website": ""}
    response = b.post(reverse("newsletters:signup"), data, REMOTE_ADDR=w.ip())
    return response, NewsletterSubscription.objects.filter(reader__email=email).exists()


@action("public.newsletter_confirm")
def _(w, b):
    sub = newsletter_subscription(w, confirmed=False)
    link = readers.new_link(sub.reader.email, "newsletter")
    response = b.post(reverse("newsletters:confirm", args=[readers.link_token(link)]))
    return response, fresh(sub).confirmed_at is not None


@action("public.newsletter_preferences")
def _(w, b):
    sub = newsletter_subscription(w)
    token = newsletter_tokens.preferences_token(sub.reader_id)
    response = b.post(reverse("newsletters:preferences", args=[token]), {"unsubscribe_all": "1"})
    return response, fresh(sub) is None


@action("public.newsletter_unsubscribe")
def _(w, b):
    sub = newsletter_subscription(w)
    token = newsletter_tokens.unsubscribe_token(sub.reader_id, sub.newsletter_id)
    response = b.post(reverse("newsletters:unsubscribe", args=[token]))
    return response, fresh(sub) is None


@action("public.newsletter_forged")
def _(w, b):
    sub = newsletter_subscription(w)
    token = newsletter_tokens.unsubscribe_token(sub.reader_id, sub.newsletter_id)
    response = b.post(reverse("newsletters:unsubscribe", args=[token[:-4] + "AAAA"]))
    return response, fresh(sub) is None


@action("public.comment.on_draft")
def _(w, b):
    return post_comment(w, b, w.draft())


@action("public.reply.to_held")
def _(w, b):
    return post_comment(w, b, w.live, parent=w.comment().pk)


@action("public.report.held")
def _(w, b):
    return report(w, b, w.comment())


@action("public.confirm.tampered")
def _(w, b):
    sub = subscription(w)
    token = notifications.confirm_token(sub)
    # The address of another subscription with this one's signature.
    other = subscription(w)
    forged = notifications.confirm_token(other).split(":")[0] + ":" + token.split(":", 1)[1]
    response = b.post(reverse("comments:confirm", args=[forged]))
    return response, fresh(other).confirmed_at is not None or fresh(sub).confirmed_at is not None


# --- The matrix ----------------------------------------------------------------------------


def refusal(response, request_path: str) -> str | None:
    """What kind of refusal a response is, or None if it does not look like one."""
    status, location = response.status_code, response.get("Location", "")
    if status in (400, 403, 404, 405):
        return str(status)
    if status == 302 and location.startswith(reverse("admin:login")):
        return "login"
    if status == 302 and location == reverse("admin:index"):
        return "no such object"  # the admin's answer for an object outside one's queryset
    if status == 302 and location.split("?")[0] == request_path.split("?")[0]:
        return "no such action"  # the changelist again: the action is not offered
    if status == 302 and location == reverse("admin:articles_article_changelist"):
        return "part not offered"  # the article saved, without the inline the role lacks
    if status == 200 and response.context and response.context.get("errors"):
        return "form error"
    return None


@pytest.fixture
def world(make_article, make_staff, make_author, make_photo, django_user_model, settings):
    # Real password hashing is slow on purpose and is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World(make_article, make_staff, make_author, make_photo, django_user_model)


def test_every_role_and_action_matches_the_access_policy(world, capsys):
    table = expected_table()
    assert {action for action, _role in table} == set(ACTIONS), "table and actions differ"
    mismatches, refusals = [], {}
    for (name, role), allowed in table.items():
        browser = world.browsers[role]
        response, took_effect = ACTIONS[name](world, browser)
        how = refusal(response, response.request["PATH_INFO"])
        if took_effect != allowed:
            mismatches.append(f"{name} as {role}: expected {'allowed' if allowed else 'denied'}")
        elif not allowed and how is None:
            mismatches.append(f"{name} as {role}: denied, but answered {response.status_code}")
        elif allowed and response.status_code >= 400:
            mismatches.append(f"{name} as {role}: took effect, but answered an error")
        if not allowed:
            refusals[how] = refusals.get(how, 0) + 1

    with capsys.disabled():
        print(
            f"\naccess matrix: {len(table)} rows ({len(ACTIONS)} actions × {len(ROLES)} roles) "
            f"checked, {len(mismatches)} mismatches; refusals by kind: {refusals}"
        )
    assert not mismatches, "\n".join(mismatches)


def test_matrix_posts_the_article_form_a_browser_posts(world):
    """The matrix builds article forms without rendering each: they match the real one."""
    superuser = world.browsers["superuser"]
    draft = world.draft()
    shown = admin_form(superuser.get(admin_url(Article, "change", draft)))
    shown.pop("csrfmiddlewaretoken")
    assert article_form(draft) == shown
    for url, article in [
        (admin_url(Article, "change", world.live), world.live),
        (admin_url(Article, "add"), Article(section=world.live.section)),
    ]:
        shown = admin_form(superuser.get(url))
        assert article_form(article).keys() == shown.keys() - {"csrfmiddlewaretoken"}


# Admin models no role may change: what the table has no row for, and why.
READ_ONLY_ADMIN = {
    "wordpress.ImportedItem": "the WordPress import's record, written by the import only",
    "django_tasks_database.DBTaskResult": "the task queue's results, written by workers",
    "axes.AccessAttempt": "the login throttle's failed attempts, written by logins",
    "axes.AccessLog": "the login throttle's log of logins, written by logins",
    "axes.AccessFailureLog": "the login throttle's log of failures, written by logins",
}
# Which admin model each action prefix of the table works on.
ACTION_MODELS = {
    "article": "articles.Article", "correction": "articles.Article", "page": "articles.Page",
    "section": "articles.Section", "region": "articles.Region", "author": "articles.Author",
    "photo": "articles.Photo", "comment": "comments.Comment", "word": "comments.ModeratedWord",
    "ban": "comments.Ban", "user": "auth.User", "group": "auth.Group",
    "legacypath": "redirects.LegacyPath", "tag": "taggit.Tag",
    "newsletter": "newsletters.Newsletter", "edition": "newsletters.Edition",
    "suppression": "newsletters.Suppression",
}  # fmt: skip


def test_table_covers_every_model_in_the_admin(world):
    """A model added to the admin fails here until the table says who may change it."""
    registered = {model._meta.label for model in admin.site._registry}
    prefixes = {name.split(".")[0] for name in ACTIONS} - {"public"}
    assert prefixes <= ACTION_MODELS.keys()
    covered = {ACTION_MODELS[prefix] for prefix in prefixes}
    assert registered - covered == set(READ_ONLY_ADMIN)
    superuser = world.browsers["superuser"].client
    for label in READ_ONLY_ADMIN:
        opts = apps.get_model(label)._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert superuser.get(url).status_code == 403, label


def test_view_on_site_redirect_tells_an_address_only_to_who_may_open_the_object(world):
    """The admin's "view on site" link gives an article's address (date and slug): an
    author must not learn another author's draft from it, nor a moderator any draft."""
    w = world
    own, other = w.draft(), w.draft("other")
    kind = ContentType.objects.get_for_model(Article).pk
    answers = {
        (role, name): w.browsers[role].get(reverse("view-on-site", args=[kind, article.pk]))
        for role in ("author", "editor", "moderator")
        for name, article in (("own", own), ("other", other))
    }
    assert {key: r.status_code for key, r in answers.items()} == {
        ("author", "own"): 302,
        ("author", "other"): 404,
        ("editor", "own"): 302,
        ("editor", "other"): 302,
        ("moderator", "own"): 404,
        ("moderator", "other"): 404,
    }
    assert answers["editor", "other"]["Location"].endswith(f"/{other.slug}/")
    comment = w.comment()
    kind = ContentType.objects.get_for_model(Comment).pk
    url = reverse("view-on-site", args=[kind, comment.pk])
    assert w.browsers["moderator"].get(url).status_code == 302  # the queue's own objects


# --- CSRF ----------------------------------------------------------------------------------

# Posts that act without a session or a proven address, from pages cached for everyone:
# the signed form timestamp, the honeypot and rate limits protect them instead of a token.
# The newsletter sign-up forms are on the same cached pages (every article, /newsletters/):
# an anonymous sign-up only mails a confirmation link, within hourly caps.
TOKENLESS_FOR_ANONYMOUS = {
    "public.comment",
    "public.reply",
    "public.report",
    "public.newsletter_signup",
}
# The signed link is the only authority, whoever clicks it; mail clients post the
# one-click unsubscribe (RFC 8058) with no token, so it is exempt for everyone.
TOKENLESS_FOR_EVERYONE = {"public.unsubscribe", "public.newsletter_unsubscribe"}


def test_every_allowed_post_without_a_csrf_token_is_refused_when_it_carries_a_session(
    world, capsys
):
    """The matrix again, as a forged cross-site form: the browser's cookies, no token."""
    checked, wrong = 0, []
    for (name, role), allowed in expected_table().items():
        if not allowed:
            continue
        browser = world.browsers[role]
        browser.send_token = False
        try:
            response, took_effect = ACTIONS[name](world, browser)
        finally:
            browser.send_token = True
        if name.startswith("article.preview_link"):
            continue  # a GET: nothing to forge
        checked += 1
        exempt = name in TOKENLESS_FOR_EVERYONE or (
            role == "anonymous" and name in TOKENLESS_FOR_ANONYMOUS
        )
        if exempt and not took_effect:
            wrong.append(f"{name} as {role}: refused without a token, but must work")
        if not exempt and (took_effect or response.status_code != 403):
            wrong.append(f"{name} as {role}: answered {response.status_code} without a token")
    with capsys.disabled():
        print(f"\nCSRF: {checked} allowed posts sent without a token, {len(wrong)} wrong")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("cookie", ["sessionid", "nr_verified"])
def test_comment_and_report_with_any_session_cookie_are_csrf_checked(world, cookie):
    """Even a stale or forged session cookie makes the request a session's: checked."""
    browser = Browser("anonymous", cookies={cookie: "stale-or-forged"})
    browser.send_token = False
    response, stored = ACTIONS["public.comment"](world, browser)
    assert (response.status_code, stored) == (403, False)
    response, stored = ACTIONS["public.report"](world, browser)
    assert (response.status_code, stored) == (403, False)
    browser.send_token = True
    assert ACTIONS["public.comment"](world, browser)[1]
    assert ACTIONS["public.report"](world, browser)[1]


def test_anonymous_comment_and_report_need_no_csrf_cookie_at_all(world):
    """A reader's first visit, from a cached page: no cookie of ours in the browser."""
    browser = Browser("anonymous")
    browser.client.cookies.clear()
    browser.send_token = False
    assert ACTIONS["public.comment"](world, browser)[1]
    assert ACTIONS["public.reply"](world, browser)[1]
    assert ACTIONS["public.report"](world, browser)[1]


# --- GET never acts --------------------------------------------------------------------


def test_state_changing_urls_refuse_get_or_only_show_a_page(world, capsys):
    """POST-only endpoints answer GET (and PUT, DELETE) with 405; the pages behind mailed
    links and the admin's confirmations show a form and change nothing."""
    w = world
    comment = w.comment(status=Comment.Status.APPROVED)
    held = w.comment()
    sub = subscription(w)
    article = w.draft(status=Article.Status.PUBLISHED)
    post_only = [
        reverse("comments:post", args=[w.live.pk]),
        reverse("comments:report", args=[comment.pk]),
        *(
            reverse("admin:comments_comment_moderate", args=[held.pk, key])
            for key in ("approve", "reject", "spam", "feature", "unfeature")
        ),
    ]
    shows_a_page = [
        reverse("comments:confirm", args=[notifications.confirm_token(sub)]),
        reverse("comments:unsubscribe", args=[notifications.unsubscribe_token(sub)]),
        reverse("comments:report_form", args=[comment.pk]),
        reverse("admin:comments_comment_ban", args=[held.pk]),
        admin_url(Comment, "delete", held),
        admin_url(Article, "delete", article),
    ]
    superuser = w.browsers["superuser"].client
    wrong = []
    for url in post_only:
        # PUT and DELETE may meet the CSRF check (403) before the view's 405.
        for method, refused in (("get", {405}), ("put", {403, 405}), ("delete", {403, 405})):
            status = getattr(superuser, method)(url).status_code
            if status not in refused:
                wrong.append(f"{method.upper()} {url}: {status}")
    for url in shows_a_page:
        status = superuser.get(url).status_code
        if status != 200:
            wrong.append(f"GET {url}: {status}")
    # An admin action named in a GET query string is a filter at most, never an action.
    superuser.get(f"{admin_url(Article, 'changelist')}?action=unpublish&index=0"
                  f"&_selected_action={article.pk}")  # fmt: skip
    held.refresh_from_db(), sub.refresh_from_db(), article.refresh_from_db()
    assert held.status == Comment.Status.PENDING and not held.is_featured
    assert not Ban.objects.exists() and not Report.objects.exists()
    assert sub.confirmed_at is None
    assert article.status == Article.Status.PUBLISHED
    assert Comment.objects.filter(pk=held.pk).exists()
    with capsys.disabled():
        print(
            f"\nGET on state-changing URLs: {len(post_only)} refused with 405, "
            f"{len(shows_a_page)} show a page and change nothing; {len(wrong)} wrong"
        )
    assert not wrong, "\n".join(wrong)
