from django.apps import AppConfig


class RedirectsConfig(AppConfig):
    name = "newsroom.redirects"
    label = "redirects"
    verbose_name = "Old addresses"
