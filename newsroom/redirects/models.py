from django.db import models


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
        # The table it was created with, when this model lived in the ``newsroom`` app.
        db_table = "newsroom_legacypath"
        ordering = ["path"]

    def __str__(self):
        return self.path
