from django.db import models
from django.db.models import Q


class LegacyPath(models.Model):
    """An address of the old site that now lives at an article or a page (answered with
    a 301)."""

    path = models.CharField(
        max_length=500,
        unique=True,
        help_text="Path of the old address, e.g. “/2019/05/03/old-slug/” or “/?p=123”.",
    )
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="legacy_paths",
        null=True,
        blank=True,
    )
    page = models.ForeignKey(
        "articles.Page",
        on_delete=models.CASCADE,
        related_name="legacy_paths",
        null=True,
        blank=True,
        help_text="Instead of an article: one of the site's own pages.",
    )

    class Meta:
        # The table it was created with, when this model lived in the ``newsroom`` app.
        db_table = "newsroom_legacypath"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=False, page__isnull=True)
                | Q(article__isnull=True, page__isnull=False),
                name="legacy_path_has_one_destination",
                violation_error_message="Choose an article or a page, not both.",
            )
        ]

    def __str__(self):
        return self.path

    @property
    def destination(self):
        return self.article or self.page
