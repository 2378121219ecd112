from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "newsroom.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from articles.signals import content_changed
        from comments.signals import discussion_changed

        from . import versions

        # The domain apps announce their changes; the cache decides what they invalidate.
        content_changed.connect(versions.content_changed, dispatch_uid="pagecache-content")
        discussion_changed.connect(versions.discussion_changed, dispatch_uid="pagecache-discussion")
