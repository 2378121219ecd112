from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The composition root. Its own migrations only record the history of models that
    began here and now live in the site-wide apps (``newsroom.redirects``,
    ``newsroom.wordpress``); it has no models of its own."""

    name = "newsroom"
    verbose_name = "Site"
