"""Finished pages for anonymous readers, served before anything else runs."""
