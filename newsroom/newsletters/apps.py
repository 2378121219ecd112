"""Newsletters: the newsroom's own lists, their editions and the mail that carries them."""

from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsroom.newsletters"
    label = "newsletters"
    verbose_name = "Newsletters"

    def ready(self):
        from anymail.signals import tracking

        from comments.signals import comment_posted

        from . import signup, webhooks

        # "Also send me the newsletter" on the comment form (comments know nothing of it).
        comment_posted.connect(signup.comment_posted, dispatch_uid="newsletters-comment")
        # Bounces and complaints from the provider's webhooks fill the suppression list.
        tracking.connect(webhooks.tracking_event, dispatch_uid="newsletters-tracking")
