"""Article bodies: splitting sanitised HTML into blocks and resolving placeholders.

Editors place quotes, photos and READ MORE links by writing a placeholder on a line of
its own, e.g. ``[quote 1]``, ``[photo 2]`` or ``[readmore 1]``; the number refers to a
row of the matching inline in the admin. A placeholder is tied to its row, not to a
position, so paragraphs can be moved freely. Unknown or malformed placeholders are
validation errors (see ``placeholder_errors``), never silent blanks.
"""

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .markup import plain_text

KINDS = ("quote", "photo", "readmore")
_PLACEHOLDER = re.compile(r"\[(quote|photo|readmore) ([1-9]\d{0,3})\]", re.I)
_BRACKETED = re.compile(r"\[[^\[\]]*\]")
# A placeholder-like token inside running text, e.g. "see [quote 1] below" or "[photo]".
_EMBEDDED = re.compile(r"\[\s*(quote|photo|read\s*more)\b[^\[\]]*\]", re.I)
USAGE = "Use [quote N], [photo N] or [readmore N], each on a line of its own."
_VOID = {"br", "hr", "img", "wbr", "col"}


@dataclass(frozen=True)
class Block:
    """One top-level piece of a body: plain HTML or a placeholder to be resolved."""

    html: str
    kind: str = "html"  # "html" or one of KINDS
    number: int | None = None
    anchor: str = ""


class _TopLevelSplitter(HTMLParser):
    """Cut HTML into its top-level elements, keeping each one's source text intact."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._depth = 0
        self._current: list[str] = []

    def _flush(self) -> None:
        if self._current:
            self.blocks.append("".join(self._current))
            self._current = []

    def handle_starttag(self, tag, attrs):
        text = self.get_starttag_text()
        if tag in _VOID:
            self._current.append(text)
            if self._depth == 0:
                self._flush()
            return
        if self._depth == 0:
            self._flush()
        self._depth += 1
        self._current.append(text)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        self._current.append(f"</{tag}>")
        self._depth = max(self._depth - 1, 0)
        if self._depth == 0:
            self._flush()

    def handle_data(self, data):
        if self._depth == 0:
            # Bare text between blocks: each line becomes a paragraph of its own.
            self.blocks.extend(
                f"<p>{line.strip()}</p>" for line in data.splitlines() if line.strip()
            )
            return
        self._current.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def split_blocks(markup: str) -> list[str]:
    splitter = _TopLevelSplitter()
    splitter.feed(markup or "")
    splitter.close()
    splitter._flush()
    return splitter.blocks


def _placeholder(block_html: str) -> tuple[str, int] | None:
    match = _PLACEHOLDER.fullmatch(plain_text(block_html))
    return (match[1].lower(), int(match[2])) if match else None


def parse(markup: str) -> list[Block]:
    """Blocks of a sanitised body, each paragraph with a stable, content-derived anchor.

    The anchor hashes the paragraph's text, so it survives paragraphs being moved
    around; an edited paragraph gets a new anchor.
    """
    blocks, seen = [], {}
    for block_html in split_blocks(markup):
        placeholder = _placeholder(block_html)
        if placeholder:
            kind, number = placeholder
            blocks.append(Block(html="", kind=kind, number=number, anchor=f"{kind}-{number}"))
            continue
        digest = hashlib.sha1(plain_text(block_html).encode(), usedforsecurity=False)
        anchor = f"p-{digest.hexdigest()[:8]}"
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        blocks.append(Block(html=block_html, anchor=anchor))
    return blocks


def placeholder_errors(markup: str) -> list[str]:
    """Messages for every placeholder that is unknown, malformed or inside running text."""
    errors = []
    for block_html in split_blocks(markup):
        if _placeholder(block_html):
            continue
        text = plain_text(block_html)
        if _BRACKETED.fullmatch(text):
            errors.append(f"Unknown placeholder “{text}”. {USAGE}")
            continue
        errors.extend(
            f"Placeholder “{match[0]}” must be written exactly and stand alone. {USAGE}"
            for match in _EMBEDDED.finditer(text)
        )
    return errors


def placeholders(markup: str) -> dict[str, list[int]]:
    """Placeholder numbers used in a body, per kind, in order of appearance."""
    used: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for block in parse(markup):
        if block.kind != "html":
            used[block.kind].append(block.number)
    return used
