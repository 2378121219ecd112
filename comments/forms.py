import time

from django import forms
from django.core import signing

from articles.params import IdField

from .models import Report, Subscription

FORM_SALT = "comments.form"


def form_token(article_id: int) -> str:
    """A signed note of when and for which article a comment form was made.

    It is the same for every reader of a cached page, so it carries nothing personal.
    """
    # To the millisecond: the form script asks for one when the reader turns to the form,
    # and whole seconds would make a post 0.4 s later look up to 1.4 s late.
    return signing.dumps({"a": article_id, "t": round(time.time(), 3)}, salt=FORM_SALT)


def issued_at(token: str, article_id: int) -> float | None:
    """When the form was made, or None if the token is forged or for another article."""
    try:
        data = signing.loads(token, salt=FORM_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != article_id:
        return None
    when = data.get("t")
    if isinstance(when, bool) or not isinstance(when, int | float):
        return None
    return float(when)


class ProtectedForm(forms.Form):
    """Anonymous forms carry a signed timestamp and a honeypot instead of a CSRF token."""

    ts = forms.CharField(widget=forms.HiddenInput)
    # Hidden from people by CSS; bots that fill every field give themselves away.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class CommentForm(ProtectedForm):
    NOTIFY_CHOICES = [
        ("", "Nothing"),
        (Subscription.Kind.REPLIES, "Replies to my comments"),
        (Subscription.Kind.ALL, "All new comments on this article"),
    ]

    name = forms.CharField(max_length=80, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label="E-mail",
        help_text="Never shown. Used only for the mail you ask for below.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text; links become links. Be kind and stay on topic.",
    )
    verify = forms.BooleanField(
        label="Verify my e-mail to skip the queue",
        required=False,
        help_text="We mail you a link; once you open it, your comments appear without "
        "waiting for a moderator when your earlier ones were approved.",
    )
    notify = forms.ChoiceField(
        label="Notify me of",
        choices=NOTIFY_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    parent = IdField(required=False)
    anchor = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    excerpt = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Please give a name to show with your comment.")
        return name


class ReportForm(ProtectedForm):
    kind = forms.ChoiceField(
        label="What is wrong?", choices=Report.Kind.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Anything we should know? (optional)",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Report.Kind.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", "Please tell us what is wrong.")
        return cleaned
