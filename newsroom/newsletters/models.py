"""Newsletters, their readers, their editions and one delivery row per (edition, address).

A subscriber is a ``comments.Reader``: the one confirmed-address identity the site has.
A subscription asked for by an unconfirmed reader waits (``confirmed_at`` is null) and no
mail goes to it until the reader opens the link mailed to them.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Region, Section
from comments.models import Reader


def validate_time_zone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(f"“{name}” is not a time zone name such as Europe/London.")


class Newsletter(models.Model):
    class Cadence(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        ON_PUBLISH = "on_publish", "On publish (breaking news)"

    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    description = models.CharField(
        max_length=300, help_text="One line for the sign-up page: what readers get and how often."
    )
    cadence = models.CharField(max_length=12, choices=Cadence, default=Cadence.DAILY)
    send_time = models.TimeField(default="07:00", help_text="Local time of the edition.")
    weekday = models.PositiveSmallIntegerField(
        default=0,
        choices=[
            (i, day)
            for i, day in enumerate(
                ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
            )
        ],
        help_text="For weekly newsletters: the day it goes out.",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    sections = models.ManyToManyField(
        Section,
        blank=True,
        related_name="+",
        help_text="Articles from these sections feed it (none and no regions: every article).",
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="+",
        help_text="Articles tagged with these regions feed it.",
    )
    intro = models.TextField(blank=True, help_text="Plain text shown at the top of every edition.")
    listed = models.BooleanField(default=True, help_text="Offered on the public sign-up page.")
    sends_itself = models.BooleanField(
        default=False, help_text="Send each edition at its time without an editor pressing Send."
    )
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("newsletters:archive", args=[self.slug])


class NewsletterSubscription(models.Model):
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    reader = models.ForeignKey(
        Reader, on_delete=models.CASCADE, related_name="newsletter_subscriptions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reader confirmed; no mail before."
    )
    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "reader"], name="unique_newsletter_reader"
            )
        ]

    def __str__(self):
        return f"{self.reader} → {self.newsletter}"


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="editions")
    subject = models.CharField(max_length=200)
    note = models.TextField(
        blank=True, help_text="An editor's note above the articles (plain text)."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    send_at = models.DateTimeField(
        null=True, blank=True, help_text="When it sends itself (newsletters that send themselves)."
    )
    articles_since = models.DateTimeField(
        null=True, blank=True, help_text="It was drafted from articles published after this time."
    )
    breaking_article = models.OneToOneField(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The article a breaking alert was sent for: never twice for one article.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["newsletter", "status", "-sent_at"])]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("newsletters:edition", args=[self.newsletter.slug, self.pk])


class EditionItem(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "article"], name="unique_edition_article")
        ]

    def __str__(self):
        return f"{self.edition_id}: article {self.article_id}"


class Send(models.Model):
    """One edition to one address: the row that makes each mail go exactly once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="sends")
    reader = models.ForeignKey(Reader, on_delete=models.SET_NULL, null=True, related_name="+")
    address = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "address"], name="unique_send")]
        indexes = [models.Index(fields=["edition", "status"])]

    def __str__(self):
        return f"{self.edition_id} → {self.address} ({self.status})"


class Suppression(models.Model):
    """An address no newsletter mails again: it bounced hard or its owner complained."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", "Hard bounce"
        COMPLAINT = "complaint", "Complaint"
        MANUAL = "manual", "Added by staff"

    address = models.CharField(max_length=254, unique=True)
    reason = models.CharField(max_length=10, choices=Reason)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.address} ({self.get_reason_display().lower()})"
