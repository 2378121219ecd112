import base64
import json
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.db.utils import OperationalError
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from articles import surrogates
from articles.models import Article
from articles.params import parse_id

from . import moderation, notifications, readers
from .forms import CommentForm, ReportForm, form_token, issued_at
from .models import Comment, ReaderLink, Report, Subscription
from .readers import (
    COMMENTER_COOKIE,
    COMMENTER_SALT,
    COOKIE_AGE,
    VERIFIED_COOKIE,
    client_ip,
    csrf_when_ambient,
    has_ambient_authority,
    proves,
    remember_proof,
    verified_email,
)
from .signals import comment_posted
from .threads import Discussion

logger = logging.getLogger(__name__)


def whole_words(selected: str, text: str) -> str:
    """The reader's selection within a passage, widened to whole words."""
    start = text.find(selected)
    if not selected or start < 0:
        return text
    end = start + len(selected)
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]


def refuse(request, article, form, message, status):
    """The form again, with the reader's text, what they were answering, and why."""
    form.data = form.data.copy()
    form.data["ts"] = form_token(article.pk)  # a fresh timestamp to try again with
    parent_id = parse_id(form.data.get("parent", ""))
    replying_to = None
    if parent_id is not None:
        replying_to = Comment.objects.approved().filter(article=article, pk=parent_id).first()
    anchor = form.data.get("anchor", "")
    context = {
        "article": article,
        "form": form,
        "personal": has_ambient_authority(request),
        "refusal": message,
        "replying_to": replying_to,
        "excerpt": article.passage(anchor) if anchor else None,
    }
    return render(request, "comments/form_page.html", context, status=status)


def posted_url(article, comment, mail_notice: str) -> str:
    """Where a posted comment's reader is sent: the article, with what to tell them.

    ``c`` names the comment for the reader's own browser (the form script shows a held
    comment to its author from what it kept of the form; the page cache ignores ``c``).
    It also makes each answer a new address, so no browser shows a copy it cached before.
    """
    # Held, rejected or spam (a banned commenter's comments are rejected): the same words,
    # so spammers and banned commenters learn nothing; to its author, each looks held.
    notices = f"?comment={'published' if comment.is_public else 'held'}&c={comment.pk}"
    if mail_notice:
        notices += f"&mail={mail_notice}"
    where = f"#c{comment.pk}" if comment.is_public else "#comments"
    return f"{article.get_absolute_url()}{notices}{where}"


@require_POST
@csrf_when_ambient
def post_comment(request, article_id):
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return refuse(request, article, form, "Please correct the marked fields.", 400)
    data = form.cleaned_data
    parent = None
    if data["parent"]:
        parent = Comment.objects.approved().filter(article=article, pk=data["parent"]).first()
        if parent is None:
            return refuse(
                request, article, form, "The comment you replied to is not available.", 400
            )
    anchor, excerpt = data["anchor"], ""
    if anchor:
        text = article.passage(anchor)
        if text is None:
            message = "The passage you commented on has changed. Please choose it again."
            return refuse(request, article, form, message, 400)
        excerpt = whole_words(" ".join(data["excerpt"].split()), " ".join(text.split()))[:500]
    submission = submission_of(request, article, data, parent, excerpt)

    mail_notice: dict[str, str] = {}  # what to tell the reader about the mail they asked for
    wish = partial(ask_for_mail, request, article, data, mail_notice)
    try:
        outcome = moderation.submit(submission, also=wish)
    except OperationalError as error:  # locked past the wait bound, or unreachable
        logger.warning("comment on article %s not stored, database busy: %s", article.pk, error)
        return database_busy(request, article, form)
    if outcome.refusal:
        return refuse(request, article, form, outcome.refusal.message, outcome.refusal.status)
    comment = outcome.comment
    response = redirect(posted_url(article, comment, mail_notice.get("why", "")))
    response.status_code = 303
    remember_commenter(response, comment.name, comment.email, proves(request, comment.email))
    return response


def ask_for_mail(request, article, data, mail_notice: dict, comment) -> None:
    """The reader's wishes for mail (notifications, a link to verify their address, and
    what other concerns added to the form), in the comment's transaction;
    ``mail_notice["why"]`` is what to tell them about it."""
    answers = [comment_mail(request, article, data, comment)]
    others = comment_posted.send(Comment, request=request, comment=comment)
    answers += [answer for _receiver, answer in others]
    mail_notice["why"] = next((answer for answer in answers if answer), "")


def comment_mail(request, article, data, comment) -> str:
    """The comments' own mail: notifications and a link to verify the address."""
    notify, verify = data["notify"], data["verify"]
    if not (notify or verify):
        return ""
    proven = proves(request, comment.email)
    # A comment taken for spam or rejected (a banned address) gets no mail, but its
    # author is told what anyone would be told, so the answer gives nothing away.
    if comment.status in (Comment.Status.SPAM, Comment.Status.REJECTED):
        return "" if proven else notifications.LINK_SENT
    root = notifications.site_root(request)
    answer = subscribe(request, article, comment.email, notify, root) if notify else ""
    if verify and not answer and not proven:
        answer = send_sign_in_link(request, article, comment.email, root)
    return answer


def send_sign_in_link(request, article, email, root) -> str:
    """A link to verify ``email`` (and sign in), within the hourly caps on such mail; one
    an hour is enough while the last one is unused (it is waiting in the inbox)."""
    recent = ReaderLink.objects.filter(
        reader__mailbox=notifications.mailbox(email),
        uses=0,
        created_at__gte=timezone.now() - timedelta(hours=1),
    )
    if recent.exists():
        return notifications.LINK_SENT
    held = notifications.confirmation_held(email, client_ip(request))
    if held:
        return held
    notifications.queue_sign_in(email, article.pk, root)
    return notifications.LINK_SENT


def submission_of(request, article, data, parent, excerpt) -> moderation.Submission:
    """What the moderation pipeline judges: the form's words and where they come from."""
    return moderation.Submission(
        article=article,
        name=data["name"],
        email=data["email"],
        body=data["body"],
        ip=client_ip(request),
        parent=parent,
        anchor=data["anchor"],
        anchor_excerpt=excerpt,
        user=request.user if request.user.is_authenticated else None,
        verified_email=verified_email(request),
        issued_at=issued_at(data["ts"], article.pk),
        honeypot=data["website"],
        site=notifications.site_root(request),
    )


def database_busy(request, article, form):
    """Nothing was stored: the form again with the reader's text, and when to retry."""
    message = (
        "Your comment could not be saved because the site is very busy. Nothing was "
        "posted; your text is below, please send it again in a few seconds."
    )
    response = refuse(request, article, form, message, 503)
    response["Retry-After"] = str(getattr(settings, "DATABASE_RETRY_AFTER", 10))
    return response


def remember_commenter(response, name: str, email: str, verified: bool = False) -> None:
    # Read by the form script (hence not HttpOnly): base64 JSON, then Django's signature.
    # "v" tells the script this browser is signed in as that address (the proof itself
    # is the HttpOnly verified cookie, which no script can read).
    fields = {"n": name, "e": email, **({"v": 1} if verified else {})}
    remembered = json.dumps(fields).encode()
    response.set_signed_cookie(
        COMMENTER_COOKIE,
        base64.urlsafe_b64encode(remembered).decode().rstrip("="),
        salt=COMMENTER_SALT,
        max_age=COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def subscribe(request, article, email, kind, root: str = "") -> str:
    """Record the reader's wish to be notified; returns what to tell them about mail:
    ``LINK_SENT`` (a link to confirm is on its way, or still waiting in their inbox), ""
    (nothing to confirm), or why no mail went out.

    One confirmation mail per wish, a new one only once the last link expired, and none
    over the hourly caps (the wish is then not recorded, so asking again later works).
    The mail is a sign-in link: it confirms the address, the wish, and signs in.
    """
    address = email.lower()
    wish = {"article": article, "email": address, "kind": kind}
    subscription = Subscription.objects.filter(**wish).first()
    if subscription is not None and subscription.confirmed_at is not None:
        return ""
    now = timezone.now()
    if proves(request, address):
        # This browser already proved the address: no need to ask again.
        Subscription.objects.update_or_create(**wish, defaults={"confirmed_at": now})
        return ""
    expired = now - timedelta(seconds=settings.COMMENTS_CONFIRM_MAX_AGE)
    if subscription is not None and subscription.created_at >= expired:
        return notifications.LINK_SENT
    held = notifications.confirmation_held(email, client_ip(request))
    if held:
        return held
    subscription, _ = Subscription.objects.update_or_create(**wish, defaults={"created_at": now})
    # In the comment's transaction: with the database queue, the task is stored with the
    # comment and this wish, or none of them is.
    notifications.queue_confirmation(subscription.pk, root)
    return notifications.LINK_SENT


@require_safe
def article_comments(request, article_id):
    """All of an article's threads, paginated."""
    article = get_object_or_404(
        Article.objects.published().select_related("primary_region"), pk=article_id
    )
    surrogates.show(surrogates.article(article.pk), surrogates.comments(article.pk))
    discussion = Discussion.of(article)
    asked = request.GET.get("page")
    number = 1 if asked is None else parse_id(asked)
    paginator = Paginator(
        discussion.threads, settings.COMMENTS_THREADS_PER_PAGE, allow_empty_first_page=True
    )
    if number is None or number > paginator.num_pages:
        raise Http404("No such page of comments.")
    page = paginator.page(number)
    return render(
        request,
        "comments/article_comments.html",
        {
            "article": article,
            "discussion": discussion,
            "page_obj": page,
            "threads": page.object_list,
            "is_paginated": page.has_other_pages(),
            "paginator": page.paginator,
        },
    )


@require_safe
def report_form(request, comment_id):
    comment = get_object_or_404(Comment.objects.approved().select_related("article"), pk=comment_id)
    if not comment.article.is_published:
        raise Http404
    form = ReportForm(initial={"ts": form_token(comment.article_id)})
    return render(
        request,
        "comments/report.html",
        {"comment": comment, "form": form, "personal": has_ambient_authority(request)},
    )


@require_POST
@csrf_when_ambient
def report_comment(request, comment_id):
    comment = get_object_or_404(Comment.objects.approved().select_related("article"), pk=comment_id)
    article = comment.article
    if not article.is_published:
        raise Http404
    form = ReportForm(request.POST)
    context = {"comment": comment, "form": form, "personal": has_ambient_authority(request)}
    if not form.is_valid():
        return render(request, "comments/report.html", context, status=400)
    ip = client_ip(request)
    when = issued_at(form.cleaned_data["ts"], article.pk)
    sub = moderation.Submission(article=article, name="", email="", body="", ip=ip, issued_at=when)
    for step in (moderation.form_timing, moderation.rate_limit):
        verdict = step(sub)
        if verdict is not None:
            form.data = form.data.copy()
            form.data["ts"] = form_token(article.pk)
            context["refusal"] = verdict.message
            return render(request, "comments/report.html", context, status=verdict.status)
    if not form.cleaned_data["website"]:  # a bot's report is thanked and ignored
        Report.objects.create(
            comment=comment, kind=form.cleaned_data["kind"], note=form.cleaned_data["note"], ip=ip
        )
        reporters = comment.reports.filter(reviewed_at__isnull=True).values("ip").distinct().count()
        if reporters >= settings.COMMENTS_REPORTS_TO_HOLD:
            moderation.set_status(
                comment, Comment.Status.PENDING, detail=f"{reporters} readers reported it"
            )
    response = redirect(f"{article.get_absolute_url()}?comment=reported#comments")
    response.status_code = 303
    return response


def load_subscription(token, salt, max_age=None) -> Subscription | None:
    """The subscription a mailed link names; None if it has since been removed."""
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature as error:
        raise Http404("This link is invalid or has expired.") from error
    return Subscription.objects.select_related("article").filter(pk=pk).first()


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def confirm_subscription(request, token):
    """GET shows a button (mail scanners follow links); POST confirms the address.

    The links of mails sent before sign-in links existed; new mails link to ``sign_in``."""
    subscription = load_subscription(
        token, notifications.CONFIRM_SALT, settings.COMMENTS_CONFIRM_MAX_AGE
    )
    if subscription is None:
        raise Http404("This subscription no longer exists.")
    if request.method == "POST":
        if subscription.confirmed_at is None:
            subscription.confirmed_at = timezone.now()
            subscription.save(update_fields=["confirmed_at"])
        readers.confirm(readers.reader_for(subscription.email))
        response = render(
            request,
            "comments/subscription.html",
            {"subscription": subscription, "article": subscription.article, "done": "confirmed"},
        )
        # The reader proved this address: their comments can now earn trust.
        remember_proof(response, subscription.email)
        return response
    action = "already-confirmed" if subscription.confirmed_at else "confirm"
    context = {"subscription": subscription, "article": subscription.article, "action": action}
    return render(request, "comments/subscription.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # the signed token is the authority; mail clients POST without a CSRF token
def unsubscribe(request, token):
    """GET shows a button (mail scanners follow links); POST unsubscribes, one click."""
    subscription = load_subscription(token, notifications.UNSUBSCRIBE_SALT)
    if subscription is None:  # an older mail's link, after unsubscribing
        return render(
            request, "comments/subscription.html", {"done": "unsubscribed", "article": None}
        )
    if request.method == "POST":
        article = subscription.article
        subscription.delete()
        return render(
            request, "comments/subscription.html", {"article": article, "done": "unsubscribed"}
        )
    return render(
        request,
        "comments/subscription.html",
        {"subscription": subscription, "article": subscription.article, "action": "unsubscribe"},
    )


# --- The reader's own state, never cached -------------------------------------------------


@never_cache
@require_safe
def reader_state(request):
    """What the comment form script needs that a page cached for everyone cannot carry:
    a timestamp of when this reader's form was shown (the "too fast" check), who this
    browser comments as, and, for a browser with a session or a proven address, a CSRF
    token (used only where it sends neither Origin nor Sec-Fetch-Site; see readers)."""
    article_id = parse_id(request.GET.get("article", ""))
    if article_id is None:
        raise Http404("No such article.")
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    state: dict[str, object] = {"ts": form_token(article.pk)}
    if has_ambient_authority(request):
        state["csrf"] = get_token(request)
        proven = verified_email(request)
        if proven:
            state.update(reader=proven, verified=True)
        user = request.user
        if user.is_authenticated:
            state.update(reader=user.get_full_name() or user.get_username(), staff=True)
    return JsonResponse(state)


def load_link(token) -> ReaderLink:
    try:
        return readers.open_link(token, ReaderLink.Purpose.SIGN_IN)
    except readers.LinkRefused as refused:
        messages = {"gone": "This link no longer exists."}
        message = messages.get(refused.reason, "This link is invalid or has expired.")
        raise Http404(message) from refused


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def sign_in(request, token):
    """A mailed sign-in link. GET shows a button (mail scanners follow links); POST
    confirms the address (and the wish for mail that asked for the link) and signs this
    browser in. One link signs in up to ``readers.LINK_USES`` devices, each use recorded,
    until it expires (COMMENTS_CONFIRM_MAX_AGE)."""
    link = load_link(token)
    context = {"link": link, "reader": link.reader, "article": link.article}
    context["subscription"] = link.subscription
    if request.method != "POST":
        context["action"] = "used-up" if link.uses >= readers.LINK_USES else "confirm"
        return render(request, "comments/sign_in.html", context)
    if not readers.use_link(link):
        context["action"] = "used-up"
        return render(request, "comments/sign_in.html", context, status=410)
    now = link.last_used_at
    readers.confirm(link.reader)
    if link.subscription is not None:
        Subscription.objects.filter(pk=link.subscription.pk, confirmed_at__isnull=True).update(
            confirmed_at=now
        )
    context["done"] = "signed-in"
    response = render(request, "comments/sign_in.html", context)
    email = link.reader.email
    remember_proof(response, email)
    latest = Comment.objects.filter(email__iexact=email).order_by("-created_at").first()
    remember_commenter(response, latest.name if latest else "", email, verified=True)
    return response


@require_POST
@csrf_when_ambient
def sign_out(request):
    """Forget who this browser comments as (the proof, the remembered name and address)."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/"
    response = redirect(back)
    response.status_code = 303
    response.delete_cookie(VERIFIED_COOKIE, samesite="Lax")
    response.delete_cookie(COMMENTER_COOKIE, samesite="Lax")
    return response
