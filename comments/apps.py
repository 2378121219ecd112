from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import words
        from .models import ModeratedWord

        # Any change to the word lists makes every process rebuild its matcher.
        for signal in (post_save, post_delete):
            signal.connect(
                words.word_list_changed, sender=ModeratedWord, dispatch_uid=f"words-{signal}"
            )
