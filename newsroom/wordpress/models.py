from django.db import models


class ImportedItem(models.Model):
    """Something brought over from WordPress, so an import run again finds it again.

    The WordPress ID of posts, pages, attachments and comments (the login for authors) maps to
    the object it became; kind says which table ``object_id`` points into.
    """

    class Kind(models.TextChoices):
        POST = "post", "Post → article"
        PAGE = "page", "Page → page"
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
        # The table it was created with, when this model lived in the ``newsroom`` app.
        db_table = "newsroom_importeditem"
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "wp_id"], name="unique_imported_item")
        ]

    def __str__(self):
        return f"WordPress {self.kind} {self.wp_id}"
