"""What the article page shows of its discussion, without the articles app knowing it."""

from django import template
from django.conf import settings

from articles.params import parse_id

from .. import notifications
from ..forms import CommentForm, form_token
from ..readers import has_ambient_authority
from ..threads import Discussion

register = template.Library()

NOTICES = {
    "published": "Thank you — your comment is published.",
    # Also what the author of a comment taken for spam or rejected is told (see views).
    "held": "Thank you — your comment is awaiting review: it will appear for everyone once "
    "a moderator approves it.",
    "reported": "Thank you for your report. A moderator will look at the comment.",
}
# Why no confirmation mail was sent for a "notify me" wish (see notifications).
MAIL_NOTICES = {
    notifications.LINK_SENT: "Please check your inbox: we have sent you a link to confirm "
    "your e-mail address (it may take a minute, and may land in your spam folder).",
    notifications.HELD_FOR_MAILBOX: "We have already sent a confirmation mail to this "
    "address within the hour, so we did not send another: please check your inbox (and "
    "your spam folder) for it.",
    notifications.HELD_FOR_CLIENT: "We could not send a confirmation mail just now: too "
    "many were asked for from your connection. Please try again in an hour.",
}


def discussion_of(article) -> Discussion:
    """One query per page for the whole discussion, however many tags ask for it."""
    if not hasattr(article, "_discussion"):
        article._discussion = Discussion.of(article)
    return article._discussion


@register.simple_tag
def passage_comment_count(article, anchor) -> int:
    return discussion_of(article).anchor_counts.get(anchor, 0)


@register.simple_tag
def passage_first_comment(article, anchor) -> int | None:
    return discussion_of(article).anchor_first.get(anchor)


@register.inclusion_tag("comments/block.html", takes_context=True)
def comments_block(context, article):
    request = context["request"]
    discussion = discussion_of(article)
    initial = {"ts": form_token(article.pk)}
    replying_to = excerpt = None
    reply_id = parse_id(request.GET.get("replyto", ""))
    if reply_id is not None:
        replying_to = next(
            (
                entry.comment
                for thread in discussion.threads
                for entry in thread
                if entry.comment.id == reply_id
            ),
            None,
        )
        if replying_to:
            initial["parent"] = replying_to.pk
    anchor = request.GET.get("anchor", "")[:40]
    if anchor:
        excerpt = article.passage(anchor)
        if excerpt is not None:
            initial["anchor"] = anchor
    personal = has_ambient_authority(request)
    # Only look at the user when the browser sent a session: touching request.user
    # reads the session, which would add "Vary: Cookie" to pages cached for everyone.
    user = request.user if personal else None
    if user is not None and user.is_authenticated:  # personal pages, never shared
        initial.update(name=user.get_full_name() or user.get_username(), email=user.email)
    return {
        "article": article,
        "article_url": article.get_absolute_url(),  # once, not three times per comment
        "discussion": discussion,
        "threads": discussion.page(1),
        "form": CommentForm(initial=initial),
        "replying_to": replying_to,
        "excerpt": excerpt,
        "notice": NOTICES.get(request.GET.get("comment", "")),
        "mail_notice": MAIL_NOTICES.get(request.GET.get("mail", "")),
        "personal": personal,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "open": article.comments_are_open,
        "close_days": settings.COMMENTS_CLOSE_AFTER_DAYS,
        # What the composition root adds inside the form (e.g. a newsletter to tick).
        "comment_form_extras_template": context.get("comment_form_extras_template"),
    }
