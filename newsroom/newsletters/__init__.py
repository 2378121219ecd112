"""Newsletters: the newsroom's own lists, their editions and the mail that carries them."""
