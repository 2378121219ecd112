from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Publishing"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from newsroom import pagecache

        # Whatever an editor changes, readers see at once: the cached pages' version moves.
        for model in self.get_models():
            for signal in (post_save, post_delete):
                signal.connect(
                    pagecache.bump_on_commit,
                    sender=model,
                    dispatch_uid=f"pagecache-{model.__name__}-{signal}",
                )
