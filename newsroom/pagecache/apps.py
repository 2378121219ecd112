from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "newsroom.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_save

        from articles.models import Article, Page
        from articles.signals import content_changed
        from comments.signals import discussion_changed
        from newsroom.newsletters.models import Edition, Newsletter
        from newsroom.newsletters.signals import edition_sent

        from . import keys, versions

        # A moved article leaves listings too: note where it was before the save.
        pre_save.connect(keys.remember_listing, sender=Article, dispatch_uid="pagecache-moves")
        # A page taken out of the navigation leaves every page: note where it was linked.
        pre_save.connect(keys.remember_page_links, sender=Page, dispatch_uid="pagecache-pages")

        # The domain apps announce their changes; the cache decides what they invalidate.
        content_changed.connect(versions.content_changed, dispatch_uid="pagecache-content")
        discussion_changed.connect(versions.discussion_changed, dispatch_uid="pagecache-discussion")

        # The sign-up forms list the newsletters; the archive lists the sent editions.
        for signal in (post_save, post_delete):
            for model in (Newsletter, Edition):
                signal.connect(
                    versions.newsletters_changed,
                    sender=model,
                    dispatch_uid=f"pagecache-{model._meta.model_name}-{signal}",
                )
        # Sending marks an edition sent with a bulk update, which no post_save announces.
        edition_sent.connect(
            lambda sender, edition, **kwargs: versions.newsletters_changed(instance=edition),
            weak=False,
            dispatch_uid="pagecache-edition-sent",
        )
