"""Banned and suspect word lists, matched fast.

Entries and comments are cut into words the same way (Unicode-aware, case- and
accent-insensitive), and an entry matches when its words appear consecutively in the
comment. The matcher is a dict of first words to phrases, so checking a comment costs
one lookup per word whatever the size of the lists. Each process keeps its matcher
until the lists change; a version number in the shared cache tells it when.
"""

import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache

VERSION_KEY = "comments:words:version"
_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return _WORD.findall(plain)


@dataclass
class Matcher:
    """Finds the first listed entry in a text, by action ("reject" or "hold")."""

    phrases: dict[str, dict[str, list[tuple[str, ...]]]] = field(default_factory=dict)

    @classmethod
    def build(cls, entries) -> "Matcher":
        matcher = cls()
        for word, action in entries:
            tokens = tuple(words_of(word))
            if tokens:
                matcher.phrases.setdefault(action, {}).setdefault(tokens[0], []).append(tokens)
        return matcher

    def find(self, text: str, action: str) -> str | None:
        table = self.phrases.get(action)
        if not table:
            return None
        tokens = words_of(text)
        for i, token in enumerate(tokens):
            for phrase in table.get(token, ()):
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    return " ".join(phrase)
        return None


_local: dict = {"version": None, "matcher": Matcher()}


def matcher() -> Matcher:
    """This process's matcher, rebuilt only when the word lists have changed."""
    from .models import ModeratedWord

    version = cache.get(VERSION_KEY)
    if version is None:
        # First use, or the cache lost it: a new version makes every process rebuild.
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    if version is None or _local["version"] != version:
        entries = ModeratedWord.objects.values_list("word", "action")
        _local["matcher"] = Matcher.build(entries)
        _local["version"] = version
    return _local["matcher"]


def word_list_changed(**kwargs) -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
