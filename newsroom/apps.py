from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """Site-wide pieces that belong to no one app: old-address redirects, imports."""

    name = "newsroom"
    verbose_name = "Site"
