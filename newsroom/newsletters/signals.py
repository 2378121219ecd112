"""What the newsletters app announces.

``edition_sent`` is sent once per edition, when its last delivery row has been settled
(sent, failed or suppressed), with ``edition`` and the counts by status as ``counts``.
"""

from django.dispatch import Signal

edition_sent = Signal()
