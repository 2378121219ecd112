from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "newsroom.backups"
    label = "backups"
    verbose_name = "Backups"
