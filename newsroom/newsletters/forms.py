from django import forms

from .models import Newsletter

PAUSE_CHOICES = [(0, "Don't pause"), (1, "1 week")] + [(n, f"{n} weeks") for n in (2, 4, 8)]


class NewsletterChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name

    def clean(self, value):
        # A made-up or stale slug is dropped rather than refused: the form of a cached
        # page may name a newsletter since unlisted.
        known = set(self.queryset.filter(slug__in=value or []).values_list("slug", flat=True))
        return super().clean([slug for slug in value or [] if slug in known])


class SignUpForm(forms.Form):
    """From the sign-up page and every article: a page cached for everyone, so no CSRF
    token (see views.sign_up); a honeypot keeps the simplest bots out."""

    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    newsletters = NewsletterChoiceField(
        queryset=Newsletter.objects.filter(listed=True),
        to_field_name="slug",
        error_messages={"required": "Choose at least one newsletter."},
    )
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class PreferencesForm(forms.Form):
    newsletters = NewsletterChoiceField(
        queryset=Newsletter.objects.all(),
        to_field_name="slug",
        required=False,
        label="Send me",
    )
    pause_weeks = forms.TypedChoiceField(
        label="Pause all newsletters",
        choices=PAUSE_CHOICES,
        coerce=int,
        initial=0,
        required=False,
        empty_value=0,
    )

    def __init__(self, *args, subscribed=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: every listed newsletter, and any unlisted one the reader receives.
        field = self.fields["newsletters"]
        field.queryset = Newsletter.objects.filter(listed=True) | Newsletter.objects.filter(
            pk__in=[n.pk for n in subscribed]
        )
