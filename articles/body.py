"""Writing an article's body from code: HTML from elsewhere becomes blocks.

The admin edits blocks directly; the demo content, the WordPress import and the tests
write bodies with ``write_blocks``, and cut HTML into one text block per top-level
element (paragraph, heading, list…) with ``text_blocks``, so that readers can comment
on each paragraph.
"""

from collections.abc import Iterable
from html.parser import HTMLParser

from .markup import clean_editorial
from .models import Article, Block, TextBlock

_VOID = {"br", "hr", "img", "wbr", "col"}


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


def text_blocks(markup: str) -> list[TextBlock]:
    """Unsaved text blocks, one per top-level element of ``markup`` once sanitised."""
    return [TextBlock(text=element) for element in split_blocks(clean_editorial(markup))]


def write_blocks(article: Article, blocks: Iterable[Block], *, start: int = 0) -> list[Block]:
    """Save ``blocks`` (unsaved, of any kind) as the article's body from ``start`` on.

    Positions go up in tens, as the admin's editor numbers them; the text search reads
    is refreshed once at the end.
    """
    written = []
    for position, block in enumerate(blocks, start=1):
        block.article = article
        block.ordering = start + 10 * position
        block.save()
        written.append(block)
    article.refresh_body_text()
    return written
