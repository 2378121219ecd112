"""Text pasted from Word or Google Docs, turned into the plain markup the editor writes.

Word and Google Docs put formatting on the clipboard as styles: bold and italic are
``font-weight``/``font-style`` on spans, Word's lists are paragraphs with a typed bullet
and ``mso-list`` styles, and Google wraps the whole paste in a ``<b>`` that is not bold.
A sanitiser that drops styles would lose the emphasis and lists and make the whole of a
Google paste bold, so before sanitising such HTML is rewritten: emphasis becomes
``<strong>``/``<em>``, Word's list paragraphs become ``<ul>``/``<ol>`` items, and what
only the word processor needs (head, style sheet, conditional comments, bullets) goes.
Everything else is left for the sanitiser (``markup.clean_editorial``), which runs after
this and is the boundary. The browser's editor does the same for a paste it receives
(``static/js/admin-paste.js``); this catches office HTML that reaches the server as it is.
"""

import re
from html import escape
from html.parser import HTMLParser

_OFFICE = re.compile(r"urn:schemas-microsoft-com:office|mso-|docs-internal-guid", re.I)
_SKIPPED = {"head", "style", "script", "title", "xml", "img"}
_VOID = {"br", "img", "meta", "link", "hr", "input", "col", "wbr"}
_BOLD = re.compile(r"(?<![-\w])font-weight\s*:\s*(bold|[6-9]00)", re.I)
_NOT_BOLD = re.compile(r"(?<![-\w])font-weight\s*:\s*(normal|[1-4]00)", re.I)
_ITALIC = re.compile(r"(?<![-\w])font-style\s*:\s*italic", re.I)
_NOT_ITALIC = re.compile(r"(?<![-\w])font-style\s*:\s*normal", re.I)
_WORD_LIST = re.compile(r"mso-list\s*:\s*l\d", re.I)
_WORD_BULLET = re.compile(r"mso-list\s*:\s*ignore", re.I)
_NUMBERED = re.compile(r"^\s*(\d+|[a-z]|[ivx]+)[.)]", re.I)
_TEXT_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote"}
_LISTS_AND_TABLES = {"ul", "ol", "table", "div", "hr", "pre"}
_EMPTY_PARAGRAPH = re.compile(r"<p>(\s|&nbsp;|<br>)*</p>")


def looks_pasted(html: str) -> bool:
    return bool(html and _OFFICE.search(html))


class _OfficeReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._closers: list[tuple[str, str]] = []  # (tag, what closes it in the output)
        self._skipping: list[str] = []  # tags whose content is dropped, innermost last
        self._list_at: int | None = None  # where the open Word list's <ul> is in ``out``
        self._bullet_seen = False

    def _emphasis(self, tag: str, style: str) -> tuple[str, str]:
        opened, closed = "", ""
        if (tag in ("b", "strong") and not _NOT_BOLD.search(style)) or _BOLD.search(style):
            opened, closed = "<strong>", "</strong>"
        if (tag in ("i", "em") and not _NOT_ITALIC.search(style)) or _ITALIC.search(style):
            opened, closed = opened + "<em>", "</em>" + closed
        return opened, closed

    def _close_list(self) -> None:
        if self._list_at is not None:
            self.out.append("</ol>" if self.out[self._list_at] == "<ol>" else "</ul>")
            self._list_at = None

    def _block(self, tag: str, attrs: dict) -> tuple[str, str]:
        if tag == "p" and _WORD_LIST.search(attrs.get("style") or ""):
            if self._list_at is None:
                self._list_at = len(self.out)
                self.out.append("<ul>")
            self._bullet_seen = False
            return "<li>", "</li>"
        if tag in _TEXT_BLOCKS or tag in _LISTS_AND_TABLES:
            self._close_list()
        href = attrs.get("href")
        start = f'<a href="{escape(href)}">' if tag == "a" and href else f"<{tag}>"
        return start, f"</{tag}>"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        style = attrs.get("style") or ""
        if self._skipping or tag in _SKIPPED or _WORD_BULLET.search(style):
            if tag not in _VOID:
                self._skipping.append(tag)
            return
        if tag in ("html", "body", "meta", "link") or ":" in tag:
            return  # Word's own elements (<o:p>) and the document around the paste
        if tag in ("b", "strong", "i", "em", "span", "font"):
            opened, closed = self._emphasis(tag, style)
        elif tag == "br":
            if any(open_tag in _TEXT_BLOCKS for open_tag, _ in self._closers):
                self.out.append("<br>")  # a line break; between blocks it is only spacing
            return
        else:
            opened, closed = self._block(tag, attrs)
        self.out.append(opened)
        if tag not in _VOID:
            self._closers.append((tag, closed))

    def handle_endtag(self, tag):
        if self._skipping:
            if self._skipping[-1] == tag:
                self._skipping.pop()
            return
        for index in range(len(self._closers) - 1, -1, -1):
            if self._closers[index][0] == tag:
                self.out.extend(closed for _, closed in reversed(self._closers[index:]))
                del self._closers[index:]
                return

    def handle_data(self, data):
        if self._skipping:
            if self._list_at is not None and _NUMBERED.match(data) and not self._bullet_seen:
                self.out[self._list_at] = "<ol>"
            self._bullet_seen = True
            return
        # Word wraps its lines for the clipboard: a line end there is only a space.
        self.out.append(escape(data.replace("\r\n", " ").replace("\n", " "), quote=False))

    def close(self):
        super().close()
        self.out.extend(closed for _, closed in reversed(self._closers))
        self._close_list()


def from_office(html: str) -> str:
    """Office clipboard HTML as plain paragraphs, emphasis, links and lists; other HTML
    unchanged."""
    if not looks_pasted(html):
        return html
    reader = _OfficeReader()
    reader.feed(html)
    reader.close()
    return _EMPTY_PARAGRAPH.sub("", "".join(reader.out)).strip()
