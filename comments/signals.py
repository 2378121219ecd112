"""What the comments domain announces; site-wide concerns (the page cache) listen.

``discussion_changed`` is sent whenever a comment readers can see appears, changes or
disappears, with ``article_ids``: the articles whose discussion changed. Every path that
changes a shown comment sends it, model saves and bulk updates alike.
"""

from django.dispatch import Signal

discussion_changed = Signal()

# Sent in a posted comment's transaction, with ``request`` and ``comment``, so site-wide
# concerns can act on fields they added to the comment form (the composition root adds
# them through ``comment_form_extras_template``). A receiver may return what to tell the
# reader about mail on its way (``notifications.LINK_SENT``), or "".
comment_posted = Signal()
