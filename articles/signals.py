"""What the publishing domain announces; site-wide concerns (the page cache) listen.

``content_changed`` is sent whenever something readers see may have changed: any save or
delete of a publishing model (connected in ``ArticlesConfig.ready``), and changes made
without a model save, such as a photo's renditions becoming ready.
"""

from django.dispatch import Signal

content_changed = Signal()
