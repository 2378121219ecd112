"""Old addresses keep working: the old site's URLs answer with a permanent redirect."""
