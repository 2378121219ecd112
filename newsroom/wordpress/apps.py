from django.apps import AppConfig


class WordPressConfig(AppConfig):
    name = "newsroom.wordpress"
    label = "wordpress"
    verbose_name = "WordPress import"
