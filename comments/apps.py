from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from newsroom import pagecache

        from . import words
        from .models import Comment, ModeratedWord

        # A shown comment saved or deleted changes its article's page. (Held comments
        # change nothing readers see; moderation.set_status bumps on status changes.)
        def approved_comment_changed(instance, **kwargs):
            if instance.status == Comment.Status.APPROVED:
                pagecache.discussion_changed()

        for signal in (post_save, post_delete):
            signal.connect(
                approved_comment_changed,
                sender=Comment,
                weak=False,
                dispatch_uid=f"pagecache-comment-{signal}",
            )

        # Any change to the word lists makes every process rebuild its matcher.
        for signal in (post_save, post_delete):
            signal.connect(
                words.word_list_changed, sender=ModeratedWord, dispatch_uid=f"words-{signal}"
            )
