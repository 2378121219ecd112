from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Publishing"

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

        from . import images, params
        from .signals import content_changed

        # <id:…> and <token:…> in URL patterns, before any URLconf is read.
        params.register_converters()

        # Whatever an editor saves or deletes may change what readers see: say so.
        def announce(sender, **kwargs):
            content_changed.send(sender=sender, instance=kwargs.get("instance"))

        for model in self.get_models():
            if not getattr(model, "reader_visible", True):
                continue  # autosaved drafts, who is editing: nothing readers see
            for signal in (post_save, post_delete):
                signal.connect(
                    announce,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"content-changed-{model.__name__}-{signal}",
                )

        # A deleted photo or portrait, or the file an editor replaced, leaves storage once
        # the change has committed: no file is kept for nothing, none removed by a
        # rolled-back change.
        for name in ("Photo", "Author"):
            model = self.get_model(name)
            pre_delete.connect(
                images.remove_deleted_files, sender=model, dispatch_uid=f"{name}-deleted-files"
            )
            pre_save.connect(
                images.remove_replaced_files, sender=model, dispatch_uid=f"{name}-replaced-files"
            )
