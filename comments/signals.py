"""What the comments domain announces; site-wide concerns (the page cache) listen.

``discussion_changed`` is sent whenever a comment readers can see appears, changes or
disappears, with ``article_ids``: the articles whose discussion changed. Every path that
changes a shown comment sends it, model saves and bulk updates alike.
"""

from django.dispatch import Signal

discussion_changed = Signal()
