"""Public newsletter pages: sign-up, the reader's preferences and one-click unsubscribe
(reached by signed links in mail), the confirmation link, and the archive of sent
editions with its feed.

The sign-up page and the archive are the same bytes for every reader and are cached
like any public page; the pages a mailed link opens are the reader's own and never are
(``Cache-Control`` from ``never_cache``, and an uncacheable prefix of the page cache).
"""

from datetime import timedelta

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from articles import surrogates
from articles.models import Article
from articles.params import parse_id
from comments import readers
from comments.models import Reader, ReaderLink

from . import signup, tokens
from .forms import PreferencesForm, SignUpForm
from .models import Edition, EditionItem, Newsletter, NewsletterSubscription

EDITIONS_PER_PAGE = 20
FEED_LENGTH = 20
# Every page that lists the newsletters carries this key (the page cache purges it when
# a newsletter changes).
LIST_KEY = "newsletters"


def _signup_page(request, form, outcome="", status=200):
    surrogates.show(LIST_KEY)
    newsletters = list(signup.listed())
    context = {"form": form, "newsletters": newsletters, "outcome": outcome}
    return render(request, "newsletters/signup.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@readers.csrf_when_ambient
def sign_up(request):
    """The sign-up page, and where the sign-up forms of every article post.

    Those forms are on pages cached for everyone, so they carry no CSRF token, like the
    comment form: an anonymous post carries no authority (it only mails a confirmation
    link to the address, within hourly caps), and a post with a verified-address cookie,
    which subscribes at once, must come from this site (``csrf_when_ambient``).
    """
    if request.method != "POST":
        return _signup_page(request, SignUpForm())
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return _signup_page(request, form, status=400)
    data = form.cleaned_data
    if data["website"]:  # a bot: told what a person would be told, and ignored
        return _signup_page(request, SignUpForm(), outcome=signup.INBOX)
    outcome = signup.sign_up(request, data["email"], data["newsletters"])
    return _signup_page(request, SignUpForm(), outcome=outcome)


def _open_link(token) -> ReaderLink:
    try:
        return readers.open_link(token, ReaderLink.Purpose.NEWSLETTER)
    except readers.LinkRefused as refused:
        raise Http404("This link is invalid or has expired.") from refused


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def confirm(request, token):
    """The link in a confirmation mail. GET shows a button (mail scanners follow links);
    POST confirms the address and its waiting newsletters, and signs this browser in."""
    link = _open_link(token)
    context = {"reader": link.reader}
    if request.method != "POST":
        context["action"] = "used-up" if link.uses >= readers.LINK_USES else "confirm"
        return render(request, "newsletters/confirm.html", context)
    if not readers.use_link(link):
        context["action"] = "used-up"
        return render(request, "newsletters/confirm.html", context, status=410)
    context["newsletters"] = signup.confirm(link)
    context["preferences_token"] = tokens.preferences_token(link.reader.pk)
    context["action"] = "confirmed"
    response = render(request, "newsletters/confirm.html", context)
    readers.remember_proof(response, link.reader.email)
    return response


def _reader(token) -> Reader:
    reader_id = tokens.read_preferences(token)
    reader = Reader.objects.filter(pk=reader_id).first() if reader_id is not None else None
    if reader is None:
        raise Http404("This link is invalid, or its reader's data was erased.")
    return reader


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def preferences(request, token):
    """A reader's newsletters, pause and unsubscribe-all, by the signed link in every
    mail: the link is the proof (it went to the address), so no login."""
    reader = _reader(token)
    subscriptions = reader.newsletter_subscriptions.select_related("newsletter")
    subscribed = [s.newsletter for s in subscriptions]
    if request.method != "POST":
        paused = max((s.paused_until for s in subscriptions if s.paused_until), default=None)
        initial = {"newsletters": [n.slug for n in subscribed]}
        form = PreferencesForm(initial=initial, subscribed=subscribed)
        context = {"reader": reader, "form": form, "paused_until": paused}
        return render(request, "newsletters/preferences.html", context)
    if "unsubscribe_all" in request.POST:
        subscriptions.delete()
        return render(request, "newsletters/preferences.html", {"reader": reader, "done": "left"})
    form = PreferencesForm(request.POST, subscribed=subscribed)
    if not form.is_valid():
        context = {"reader": reader, "form": form}
        return render(request, "newsletters/preferences.html", context, status=400)
    paused_until = save_preferences(reader, form.cleaned_data)
    context = {"reader": reader, "done": "saved", "paused_until": paused_until}
    context["chosen"] = form.cleaned_data["newsletters"]
    return render(request, "newsletters/preferences.html", context)


def save_preferences(reader, data):
    """The chosen newsletters, confirmed (the mailed link proved the address), paused for
    the chosen weeks; the others dropped. Returns the end of the pause, if any."""
    now = timezone.now()
    weeks = data["pause_weeks"] or 0
    paused_until = now + timedelta(weeks=weeks) if weeks else None
    chosen = list(data["newsletters"])
    readers.confirm(reader)
    reader.newsletter_subscriptions.exclude(newsletter__in=chosen).delete()
    for newsletter in chosen:
        subscription, _ = NewsletterSubscription.objects.get_or_create(
            newsletter=newsletter, reader=reader
        )
        subscription.confirmed_at = subscription.confirmed_at or now
        subscription.paused_until = paused_until
        subscription.save(update_fields=["confirmed_at", "paused_until"])
    return paused_until


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
# Exempt from CSRF because the signed token in the address is the whole authority, for
# whoever holds it, and no cookie adds any: mail providers send the RFC 8058 one-click
# POST (body ``List-Unsubscribe=One-Click``) with no cookies and no page, so it could
# never carry a CSRF token. A forged cross-site post could only do what its token allows:
# take that one address off that one list.
@csrf_exempt
def unsubscribe(request, token):
    """GET shows a button (mail scanners follow links); POST unsubscribes. Idempotent: a
    second POST, or one after the reader's data was erased, says the same."""
    ids = tokens.read_unsubscribe(token)
    if ids is None:
        raise Http404("This link is invalid.")
    reader_id, newsletter_id = ids
    newsletter = get_object_or_404(Newsletter, pk=newsletter_id)
    subscription = NewsletterSubscription.objects.filter(reader_id=reader_id, newsletter=newsletter)
    context = {"newsletter": newsletter, "preferences_token": ""}
    if Reader.objects.filter(pk=reader_id).exists():
        context["preferences_token"] = tokens.preferences_token(reader_id)
    if request.method == "POST":
        subscription.delete()
        context["done"] = True
    else:
        context["subscribed"] = subscription.exists()
    return render(request, "newsletters/unsubscribe.html", context)


def _listed_newsletter(slug) -> Newsletter:
    newsletter = get_object_or_404(Newsletter, slug=slug, listed=True)
    surrogates.show(surrogates.listing(newsletter))
    return newsletter


def sent_editions(newsletter):
    return newsletter.editions.filter(status=Edition.Status.SENT).order_by("-sent_at", "-pk")


@require_safe
def archive(request, slug):
    """A newsletter's sent editions, newest first. Drafts and editions being sent are
    not shown."""
    newsletter = _listed_newsletter(slug)
    asked = request.GET.get("page")
    number = 1 if asked is None else parse_id(asked)
    paginator = Paginator(sent_editions(newsletter), EDITIONS_PER_PAGE)
    if number is None or number > paginator.num_pages:
        raise Http404("No such page of editions.")
    page = paginator.page(number)
    context = {"newsletter": newsletter, "page_obj": page, "editions": page.object_list}
    context["is_paginated"] = page.has_other_pages()
    return render(request, "newsletters/archive.html", context)


def edition_articles(edition) -> list[Article]:
    """The edition's articles in the editor's order, the published ones only: an article
    unpublished since the edition went out is gone from its page too."""
    items = (
        EditionItem.objects.filter(edition=edition, article__in=Article.objects.published())
        .select_related("article__primary_region")
        .order_by("order", "pk")
    )
    articles = [item.article for item in items]
    surrogates.show_articles(articles)
    return articles


@require_safe
def edition(request, slug, pk):
    """One sent edition as readers got it, without anything addressed to one of them."""
    newsletter = _listed_newsletter(slug)
    edition = get_object_or_404(sent_editions(newsletter), pk=pk)
    context = {"newsletter": newsletter, "edition": edition}
    context["articles"] = edition_articles(edition)
    return render(request, "newsletters/edition.html", context)


class ArchiveFeed(Feed):
    """A newsletter's sent editions as RSS."""

    def get_object(self, request, slug):
        return _listed_newsletter(slug)

    def title(self, newsletter):
        return newsletter.name

    def link(self, newsletter):
        return newsletter.get_absolute_url()

    def description(self, newsletter):
        return newsletter.description

    def items(self, newsletter):
        return sent_editions(newsletter).select_related("newsletter")[:FEED_LENGTH]

    def item_title(self, edition):
        return edition.subject

    def item_description(self, edition):
        return edition.note or edition.newsletter.intro

    def item_pubdate(self, edition):
        return edition.sent_at
