"""Turning WordPress post content (either editor) into the blocks of a Newsroom body.

Shortcodes never reach readers; captions, figures and images become photo blocks with
the image each one stands for; text written in the classic editor gets its paragraphs;
the text is sanitised by ``clean_editorial`` and cut into one text block per paragraph.
"""

import html
import re
from dataclasses import dataclass

from articles.body import split_blocks
from articles.markup import clean_editorial, plain_text


@dataclass(frozen=True)
class ImageRef:
    """An image found in a post: by attachment ID when WordPress said which, else by URL."""

    attachment_id: str = ""
    src: str = ""
    alt: str = ""
    caption: str = ""


@dataclass
class Converted:
    # The body in order: sanitised HTML of a text block, or the number of an image.
    parts: list[str | int]
    images: dict[int, ImageRef]  # image number → image
    notes: list[str]

    @property
    def html(self) -> str:
        """The text blocks' HTML, one per line (the images left out)."""
        return "\n".join(part for part in self.parts if isinstance(part, str))


_BLOCK_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CAPTION = re.compile(r"\[(caption|wp_caption)\b([^\]]*)\](.*?)\[/\1\]", re.S | re.I)
_FIGURE = re.compile(r"<figure\b[^>]*>((?:(?!<figure\b).)*?)</figure>", re.S | re.I)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.S | re.I)
_LINKED_IMG = re.compile(r"<a\b[^>]*>\s*(<img\b[^>]*>)\s*</a>", re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:\s[^\[\]]*)?)\]")
_WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d+)\b")
_BLOCK_START = re.compile(
    r"\s*<(p|h[1-6]|ul|ol|li|blockquote|table|thead|tbody|tr|td|th|pre|dl|dt|dd|hr|div|figure"
    r"|figcaption|cite|address|section|aside|iframe|script|style)\b",
    re.I,
)
_EMPTY_BLOCK = re.compile(r"<(p|h2|h3|h4)>(?:\s|&nbsp;|\u00a0|<br>)*</\1>")
_TOKEN = re.compile(r"\u27e6photo:(\d+)\u27e7")  # ⟦photo:N⟧ marks where a photo goes
# Shortcodes with no text of their own worth keeping; they are dropped and reported.
_DROPPED_SHORTCODES = {"audio", "video", "playlist", "embed", "wp_playlist", "gallery"}


def _attrs(tag: str) -> dict[str, str]:
    return {
        m[1].lower(): html.unescape(m[2] if m[2] is not None else m[3] or m[4] or "")
        for m in _ATTR.finditer(tag)
    }


def _autop(text: str) -> str:
    """Paragraphs for text written in the classic editor, where blank lines make them.

    Chunks between blank lines that start with block markup are left as they are;
    others become paragraphs, their single line breaks kept as ``<br>``.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    return "\n".join(out)


def _image_ref(img_tag: str, caption: str = "", attachment_id: str = "") -> ImageRef:
    attrs = _attrs(img_tag)
    found = _WP_IMAGE_CLASS.search(attrs.get("class", ""))
    return ImageRef(
        attachment_id=attachment_id or (found[1] if found else ""),
        src=attrs.get("src", ""),
        alt=attrs.get("alt", "").strip(),
        caption=caption,
    )


class _Conversion:
    """One body being converted: the images found so far, and what to tell the operator."""

    def __init__(self):
        self.images: dict[int, ImageRef] = {}
        self.notes: list[str] = []
        self.enclosing: set[str] = set()  # shortcodes written as pairs: [name]…[/name]

    def token(self, ref: ImageRef) -> str:
        """A marker for the image, alone between blank lines: a block of its own."""
        number = len(self.images) + 1
        self.images[number] = ref
        return f"\n\n\u27e6photo:{number}\u27e7\n\n"

    def caption_shortcode(self, match: re.Match) -> str:
        attrs, inner = _attrs(match[2]), match[3]
        img = _IMG.search(inner)
        if not img:
            return inner
        caption = plain_text(_IMG.sub("", inner)) or plain_text(attrs.get("caption", ""))
        attachment = attrs.get("id", "").removeprefix("attachment_")
        return self.token(_image_ref(img[0], caption, attachment if attachment.isdigit() else ""))

    def figure(self, match: re.Match) -> str:
        inner = match[1]
        imgs = _IMG.findall(inner)
        caption = _FIGCAPTION.search(inner)
        if not imgs:  # an embed, a pull quote, a table: keep its content, caption as text
            return _FIGCAPTION.sub(r"<p>\1</p>", inner)
        text = plain_text(caption[1]) if caption and len(imgs) == 1 else ""
        return "".join(self.token(_image_ref(img, text)) for img in imgs)

    def shortcode(self, match: re.Match) -> str:
        closing, name, attrs = match[1], match[2].lower(), match[3]
        if name == "gallery" and not closing:
            ids = _attrs(attrs).get("ids", "")
            found = [i.strip() for i in ids.split(",") if i.strip().isdigit()]
            if found:
                return "".join(self.token(ImageRef(attachment_id=i)) for i in found)
        # Attributes (key="value") mark a plugin's shortcode; "[sic]" or "[1]" is text.
        if name in _DROPPED_SHORTCODES or name in self.enclosing or "=" in attrs:
            if not closing:
                self.notes.append(f"shortcode [{name}] removed")
            return ""
        self.notes.append(f"“{match[0]}” kept as text")
        return match[0]

    def markup(self, content: str) -> str:
        """Images replaced by markers, shortcodes gone: HTML ready for the sanitiser."""
        text = _BLOCK_COMMENT.sub("\n", content or "")
        text = _CAPTION.sub(self.caption_shortcode, text)
        text = _LINKED_IMG.sub(r"\1", text)
        while True:  # innermost figures first, so galleries of figures work too
            text, count = _FIGURE.subn(self.figure, text)
            if not count:
                break
        text = _IMG.sub(lambda m: self.token(_image_ref(m[0])), text)
        # Shortcodes written as pairs ([name]…[/name]) are dropped, their text kept.
        self.enclosing = {name.lower() for name in re.findall(r"\[/([A-Za-z][\w-]*)\]", text)}
        return _SHORTCODE.sub(self.shortcode, text)

    def placed(self, cleaned: str) -> tuple[list[str | int], dict[int, ImageRef]]:
        """The body's parts in order (HTML of text blocks, image numbers), and the images."""
        parts, used = [], {}
        for block_html in split_blocks(cleaned):
            marker = _TOKEN.fullmatch(plain_text(block_html))
            if marker and int(marker[1]) in self.images:
                number = len(used) + 1
                used[number] = self.images[int(marker[1])]
                parts.append(number)
                continue
            if _TOKEN.search(block_html):
                self.notes.append("an image inside a list or table was left out")
                block_html = _TOKEN.sub("", block_html)
            parts.append(block_html)
        return parts, used


def convert_body(content: str) -> Converted:
    """WordPress post content (either editor) → the body's parts, its images and notes."""
    conversion = _Conversion()
    cleaned = _EMPTY_BLOCK.sub("", clean_editorial(_autop(conversion.markup(content))))
    parts, used = conversion.placed(cleaned)
    notes = conversion.notes
    return Converted(parts=parts, images=used, notes=sorted(set(notes), key=notes.index))
