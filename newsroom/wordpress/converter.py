"""Turning WordPress post content (either editor) into the blocks of a Newsroom body.

Shortcodes never reach readers; captions, figures and images become photo blocks with
the image each one stands for; ``[embed]``, ``[video]``/``[audio]``, block-editor embed
blocks and embeddable addresses alone on a line become embed blocks when
``articles.embeds`` supports them, and a plain link (reported) when it does not; text
written in the classic editor gets its paragraphs; the text is sanitised by
``clean_editorial`` and cut into one text block per paragraph.
"""

import html
import json
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from articles import embeds
from articles.body import split_blocks
from articles.markup import clean_editorial, plain_text


@dataclass(frozen=True)
class ImageRef:
    """An image found in a post: by attachment ID when WordPress said which, else by URL."""

    attachment_id: str = ""
    src: str = ""
    alt: str = ""
    caption: str = ""


@dataclass(frozen=True)
class EmbedRef:
    """An address an embed block shows, and its provider."""

    url: str
    provider: str


@dataclass
class Converted:
    # The body in order: sanitised HTML of a text block, the number of an image, or an embed.
    parts: list[str | int | EmbedRef]
    images: dict[int, ImageRef]  # image number → image
    notes: list[str]

    @property
    def html(self) -> str:
        """The text blocks' HTML, one per line (the images left out)."""
        return "\n".join(part for part in self.parts if isinstance(part, str))


# A block-editor embed: its comment names the address; the figure inside repeats it.
_EMBED_BLOCK = re.compile(
    r"<!--\s*wp:(?:core-)?embed(?:/[\w-]+)?\s+(\{.*?\})\s*/?-->(.*?)"
    r"(?:<!--\s*/wp:(?:core-)?embed(?:/[\w-]+)?\s*-->|$)",
    re.S,
)
_EMBED_SHORTCODE = re.compile(r"\[embed\b[^\]]*\](.*?)\[/embed\]", re.S | re.I)
_MEDIA_SHORTCODE = re.compile(r"\[(video|audio)\b([^\]]*)\](?:(.*?)\[/\1\])?", re.S | re.I)
_MEDIA_SOURCES = ("src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "ogg", "wav", "m4a")
# WordPress embeds an address alone on its line (or alone in a paragraph).
_URL_LINE = re.compile(r"^[ \t]*(?:<p>\s*)?(https?://[^\s<>\"\[\]]+)(?:\s*</p>)?[ \t]*$", re.M)


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
_TOKEN = re.compile(r"\u27e6(photo|embed):(\d+)\u27e7")  # ⟦photo:N⟧: where a photo goes
# Shortcodes with no text of their own worth keeping; they are dropped and reported.
_DROPPED_SHORTCODES = {"playlist", "wp_playlist", "gallery"}


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
        self.embeds: list[EmbedRef] = []
        self.notes: list[str] = []
        self.enclosing: set[str] = set()  # shortcodes written as pairs: [name]…[/name]

    def token(self, ref: ImageRef) -> str:
        """A marker for the image, alone between blank lines: a block of its own."""
        number = len(self.images) + 1
        self.images[number] = ref
        return f"\n\n\u27e6photo:{number}\u27e7\n\n"

    def embed(self, url: str, source: str) -> str:
        """A marker for an embed block, or a link to ``url`` (reported) we cannot embed."""
        url = html.unescape(url.strip())
        try:
            found = embeds.parse(url)
        except ValidationError:
            self.notes.append(f"{source} of {url} kept as a link: not a provider we embed")
            return f'\n\n<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>\n\n'
        self.embeds.append(EmbedRef(url, found.provider))
        return f"\n\n\u27e6embed:{len(self.embeds)}\u27e7\n\n"

    def embed_block(self, match: re.Match) -> str:
        try:
            url = json.loads(match[1]).get("url", "")
        except (ValueError, AttributeError):
            url = ""
        caption = _FIGCAPTION.search(match[2])
        after = f"<p>{caption[1]}</p>" if caption and plain_text(caption[1]) else ""
        if not isinstance(url, str) or not url.strip():
            self.notes.append("an embed block without an address was left out")
            return after
        return self.embed(url, "embed block") + after

    def media_shortcode(self, match: re.Match) -> str:
        attrs = _attrs(match[2])
        url = next((attrs[key] for key in _MEDIA_SOURCES if attrs.get(key)), "")
        url = url or plain_text(match[3] or "")
        if not url:
            self.notes.append(f"shortcode [{match[1].lower()}] removed")
            return ""
        return self.embed(url, f"[{match[1].lower()}]")

    def bare_address(self, match: re.Match) -> str:
        try:
            embeds.parse(html.unescape(match[1]))
        except ValidationError:
            return match[0]  # an address as text, as WordPress showed it
        return self.embed(match[1], "address")

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
        text = _EMBED_BLOCK.sub(self.embed_block, content or "")
        text = _BLOCK_COMMENT.sub("\n", text)
        text = _EMBED_SHORTCODE.sub(lambda m: self.embed(plain_text(m[1]), "[embed]"), text)
        text = _MEDIA_SHORTCODE.sub(self.media_shortcode, text)
        text = _URL_LINE.sub(self.bare_address, text)
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

    def placed(self, cleaned: str) -> tuple[list, dict[int, ImageRef]]:
        """The body's parts in order (HTML of text blocks, image numbers, embeds), and
        the images."""
        parts, used = [], {}
        for block_html in split_blocks(cleaned):
            marker = _TOKEN.fullmatch(plain_text(block_html))
            if marker and marker[1] == "photo" and int(marker[2]) in self.images:
                number = len(used) + 1
                used[number] = self.images[int(marker[2])]
                parts.append(number)
                continue
            if marker and marker[1] == "embed" and int(marker[2]) <= len(self.embeds):
                parts.append(self.embeds[int(marker[2]) - 1])
                continue
            if _TOKEN.search(block_html):
                self.notes.append("an image or embed inside a list or table was left out")
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
