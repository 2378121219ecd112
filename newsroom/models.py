from django.db import models


class ImportedItem(models.Model):
    """Something brought over from WordPress, so an import run again finds it again.

    The WordPress ID of posts, attachments and comments (the login for authors) maps to
    the object it became; kind says which table ``object_id`` points into.
    """

    class Kind(models.TextChoices):
        POST = "post", "Post → article"
        ATTACHMENT = "attachment", "Attachment → photo"
        MEDIA = "media", "Image address → photo"
        COMMENT = "comment", "Comment"
        AUTHOR = "author", "Author"

    kind = models.CharField(max_length=12, choices=Kind)
    wp_id = models.CharField("WordPress ID", max_length=255)
    object_id = models.BigIntegerField()
    sticky = models.BooleanField(
        default=False, help_text="Sticky on WordPress: the old site kept it at the top."
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "wp_id"], name="unique_imported_item")
        ]

    def __str__(self):
        return f"WordPress {self.kind} {self.wp_id}"


class LegacyPath(models.Model):
    """An address of the old site that now lives at an article (answered with a 301)."""

    path = models.CharField(
        max_length=500,
        unique=True,
        help_text="Path of the old address, e.g. “/2019/05/03/old-slug/” or “/?p=123”.",
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="legacy_paths"
    )

    class Meta:
        ordering = ["path"]

    def __str__(self):
        return self.path
