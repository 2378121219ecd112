from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import words
        from .models import Comment, ModeratedWord
        from .signals import discussion_changed

        # A shown comment saved or deleted changes its article's discussion. (Held
        # comments change nothing readers see; status changes made by moderation's bulk
        # updates announce themselves there.)
        def approved_comment_changed(instance, **kwargs):
            if instance.status == Comment.Status.APPROVED:
                discussion_changed.send(sender=Comment, article_ids=[instance.article_id])

        for signal in (post_save, post_delete):
            signal.connect(
                approved_comment_changed,
                sender=Comment,
                weak=False,
                dispatch_uid=f"discussion-comment-{signal}",
            )

        # Any change to the word lists makes every process rebuild its matcher.
        for signal in (post_save, post_delete):
            signal.connect(
                words.word_list_changed, sender=ModeratedWord, dispatch_uid=f"words-{signal}"
            )
