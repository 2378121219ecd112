from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article


def _commenter_count(statuses) -> Coalesce:
    """Per comment, how many comments its address has with these statuses."""
    same_address = (
        Comment.objects.filter(email__iexact=OuterRef("email"), status__in=statuses)
        .order_by()
        .values("email")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(same_address, output_field=models.IntegerField()), Value(0))


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def with_commenter_history(self):
        """Annotates ``approved_count`` and ``rejected_count`` (rejected or spam) of the
        comments sent from each comment's e-mail address."""
        return self.annotate(
            approved_count=_commenter_count([Comment.Status.APPROVED]),
            rejected_count=_commenter_count([Comment.Status.REJECTED, Comment.Status.SPAM]),
        )

    def with_attention(self):
        """Annotates ``report_count`` (reports not yet reviewed) and ``attention``: 0 for
        pending comments, 1 for shown ones readers reported, 2 for the rest."""
        return self.annotate(
            report_count=Count(
                "reports", filter=Q(reports__reviewed_at__isnull=True), distinct=True
            ),
            attention=Case(
                When(status=Comment.Status.PENDING, then=Value(0)),
                When(report_count__gt=0, status=Comment.Status.APPROVED, then=Value(1)),
                default=Value(2),
            ),
        )


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"
        # Removed by its writer (comments.privacy): nothing of them is left but the place
        # in the thread, so replies to it are still shown as replies.
        ERASED = "erased", "Erased by its writer"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    name = models.CharField(max_length=80)
    email = models.EmailField(help_text="Never shown publicly.")
    author_url = models.URLField(
        "website",
        max_length=300,
        blank=True,
        help_text="The commenter's own site, as given on the old site (imports). Not shown.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    body = models.TextField(help_text="As the reader wrote it.")
    body_html = models.TextField(editable=False, help_text="Sanitised, as shown.")
    anchor = models.CharField(
        max_length=40, blank=True, help_text="The passage of the article commented on."
    )
    anchor_excerpt = models.TextField(
        blank=True, help_text="The passage's text when the comment was written."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    is_featured = models.BooleanField("editor's pick", default=False)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set once, when notifications for this comment are queued: never twice.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["status", "-created_at"], name="comment_queue_idx"),
            models.Index(fields=["email", "status"], name="comment_commenter_idx"),
        ]

    def __str__(self):
        return f"{self.name}: {self.body[:50]}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#c{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED


class Reason(models.Model):
    """Why the pipeline, a moderator or readers put a comment where it is."""

    class Code(models.TextChoices):
        CLOSED = "closed", "Comments closed"
        TOO_FAST = "too_fast", "Form sent too fast"
        HONEYPOT = "honeypot", "Hidden field filled in"
        RATE_LIMIT = "rate_limit", "Too many comments"
        DUPLICATE = "duplicate", "Duplicate"
        LINKS = "links", "Many links"
        BANNED_WORD = "banned_word", "Banned word"
        SUSPECT_WORD = "suspect_word", "Suspect word"
        BANNED = "banned", "Banned commenter"
        TRUSTED = "trusted", "Trusted commenter"
        NEW_COMMENTER = "new_commenter", "New commenter"
        RECENT_REJECTION = "recent_rejection", "Recently rejected or spam"
        STAFF = "staff", "Staff"
        REPORTED = "reported", "Reported by readers"
        MODERATOR = "moderator", "Moderator's decision"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reasons")
    code = models.CharField(max_length=20, choices=Code)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return (
            f"{self.get_code_display()}: {self.detail}" if self.detail else self.get_code_display()
        )


class Report(models.Model):
    class Kind(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or hateful"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField("reason", max_length=10, choices=Kind)
    note = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a moderator decided on the comment after it."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} report on comment {self.comment_id}"


class ModeratedWord(models.Model):
    class Action(models.TextChoices):
        REJECT = "reject", "Reject the comment (banned word)"
        HOLD = "hold", "Hold for review (suspect word)"

    word = models.CharField(
        max_length=100,
        unique=True,
        help_text="A word or phrase, matched as whole words, ignoring case and accents.",
    )
    action = models.CharField(max_length=10, choices=Action, default=Action.HOLD)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]

    def __str__(self):
        return self.word


class BanQuerySet(models.QuerySet):
    def active(self, now=None):
        """Bans not lifted whose e-mail or IP part has not run out yet."""
        now = now or timezone.now()
        email_on = ~Q(email="") & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        ip_on = Q(ip__isnull=False, ip_expires_at__gt=now)
        return self.filter(email_on | ip_on, lifted_at__isnull=True)

    def matching(self, email: str, ip: str | None, now=None):
        """The bans in force now against this e-mail address or this IP address."""
        now = now or timezone.now()
        email_on = (
            ~Q(email="")
            & Q(email__iexact=email)
            & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        )
        ip_on = Q(ip=ip, ip_expires_at__gt=now) if ip else Q(pk__in=[])
        return self.filter(email_on | ip_on, lifted_at__isnull=True)


class Ban(models.Model):
    """A moderator's decision to keep one commenter out: their e-mail address, their IP
    address, or both. The IP part always runs out (an address is shared and reused);
    the e-mail part may be permanent. Lifting a ban sends what it rejected back to the
    queue, so the comments it rejected are recorded."""

    email = models.EmailField(blank=True, db_index=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True, db_index=True)
    expires_at = models.DateTimeField(
        "e-mail ban ends",
        null=True,
        blank=True,
        help_text="Empty: the e-mail address stays banned until the ban is lifted.",
    )
    ip_expires_at = models.DateTimeField(
        "IP ban ends",
        null=True,
        blank=True,
        help_text="IP bans always end: addresses are shared and change hands.",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True, editable=False)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    rejected = models.ManyToManyField(
        Comment,
        blank=True,
        related_name="rejecting_bans",
        editable=False,
        help_text="The comments this ban rejected: lifting it sends them back to the queue.",
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | Q(ip__isnull=False),
                name="ban_has_email_or_ip",
                violation_error_message="Ban an e-mail address, an IP address, or both.",
            ),
            models.CheckConstraint(
                condition=Q(ip__isnull=True) | Q(ip_expires_at__isnull=False),
                name="ban_ip_expires",
                violation_error_message="An IP ban needs an end.",
            ),
        ]

    def __str__(self):
        return " / ".join(str(part) for part in (self.email, self.ip) if part)

    def save(self, *args, **kwargs):
        if self.ip and self.ip_expires_at is None:
            self.ip_expires_at = timezone.now() + timedelta(days=settings.COMMENTS_IP_BAN_DAYS)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        email_on = bool(self.email) and (self.expires_at is None or self.expires_at > now)
        ip_on = bool(self.ip) and self.ip_expires_at is not None and self.ip_expires_at > now
        return self.lifted_at is None and (email_on or ip_on)


class Subscription(models.Model):
    """A reader's wish for mail, sent only once they confirmed their address."""

    class Kind(models.TextChoices):
        REPLIES = "replies", "Replies to my comments"
        ALL = "all", "All new comments on this article"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    kind = models.CharField(max_length=10, choices=Kind)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "email", "kind"], name="unique_subscription")
        ]

    def __str__(self):
        return f"{self.email} → {self.get_kind_display().lower()} ({self.article_id})"


class Delivery(models.Model):
    """One notification mail for one comment to one address: the guard against twice."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["comment", "email"], name="unique_delivery")]

    def __str__(self):
        return f"{self.email} for comment {self.comment_id}"


class Reader(models.Model):
    """A reader's e-mail address and whether they proved it is theirs: the one record of a
    confirmed address, kept by mailbox. Trust in comments, the verified cookie and mail to
    readers (notifications, later newsletters) all go by it; readers have no accounts."""

    mailbox = models.CharField(
        max_length=254, unique=True, help_text="The address as it delivers (see mailbox())."
    )
    email = models.EmailField(help_text="The address as the reader first wrote it.")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its owner first opened a link mailed to it."
    )

    class Meta:
        ordering = ["mailbox"]

    def __str__(self):
        return self.email


class ReaderLink(models.Model):
    """A link mailed to a reader, proving that whoever opens it reads that mailbox.

    A sign-in link confirms their address (and the wish for mail that asked for it) and
    signs in each device it is opened on, until it expires or has signed in
    ``readers.LINK_USES`` devices. A data link opens the reader's data (download, erase)
    once, and sooner expires (``readers.USES``, ``readers.MAX_AGE``). Each use is recorded
    here."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign-in", "Sign in"
        DATA = "data", "Download or erase my data"
        # Confirms the address and the newsletters its reader asked for (newsroom's
        # newsletters app reads them; comments only keep the link).
        NEWSLETTER = "newsletter", "Confirm newsletters"

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="links")
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subscription = models.ForeignKey(
        "Subscription", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=10, choices=Purpose, default=Purpose.SIGN_IN)
    created_at = models.DateTimeField(default=timezone.now)
    uses = models.PositiveSmallIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_purpose_display().lower()} link for {self.reader} ({self.uses} uses)"
