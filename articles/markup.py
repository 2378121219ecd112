"""The one place HTML written by people is cleaned.

Named policies: ``editorial`` for article bodies written by staff, ``comment`` for
readers, ``feed`` for a body leaving the site in a feed. nh3 (Ammonia) always runs last
and is the security boundary; bleach only prepares text (turning bare URLs in comments
into links) before it. Everything else in the project calls these functions and marks
only their output safe.
"""

import html
import re

import bleach
import nh3

ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

EDITORIAL_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "small",
    "sub", "sup", "abbr", "cite", "q", "code", "pre", "a", "ul", "ol", "li", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "dl", "dt", "dd",
}  # fmt: skip
# "*" must be given: without it nh3 keeps Ammonia's default attributes for every tag
# (lang, title), which neither policy allows.
EDITORIAL_ATTRIBUTES = {
    "*": set(),
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}

COMMENT_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "a",
    "blockquote",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
}
COMMENT_ATTRIBUTES = {"*": set(), "a": {"href"}}
COMMENT_LINK_REL = "nofollow ugc noopener"

# A parser drops the newline that directly follows <pre>; nh3 and bleach do not write one
# back, so a block starting with a blank line would lose a line each time it is parsed.
_PRE_STARTING_WITH_NEWLINE = re.compile(r"<pre>(?=\n)")


def _keep_pre_newline(html: str) -> str:
    return _PRE_STARTING_WITH_NEWLINE.sub("<pre>\n", html)


_BLOCK_TAG = re.compile(r"<\s*(p|h[1-6]|ul|ol|blockquote|table|pre|dl|hr|div)\b", re.I)
_BLANK_LINES = re.compile(r"\n\s*\n")
_BRACKET_LINE = re.compile(r"^[ \t]*(\[[^\[\]\n]*\])[ \t]*$", re.M)


def _paragraphs(text: str) -> str:
    """Wrap blank-line separated text in <p> when the writer used no block markup.

    A line holding only something in square brackets (a body placeholder such as
    ``[quote 1]``) is a paragraph of its own even without blank lines around it.
    """
    text = text.replace("\r\n", "\n")
    if _BLOCK_TAG.search(text):
        return text
    text = _BRACKET_LINE.sub(r"\n\n\1\n\n", text)
    parts = (part.strip() for part in _BLANK_LINES.split(text))
    return "".join(f"<p>{part}</p>" for part in parts if part)


def _nh3(html: str, **policy) -> str:
    cleaned = nh3.clean(html, url_schemes=ALLOWED_URL_SCHEMES, strip_comments=True, **policy)
    return _keep_pre_newline(cleaned).strip()


def _editorial(html: str) -> str:
    return _nh3(
        html,
        tags=EDITORIAL_TAGS,
        attributes=EDITORIAL_ATTRIBUTES,
        link_rel="noopener",
    )


def clean_editorial(html: str) -> str:
    """Sanitise an article body: a generous allowlist for trusted-but-fallible staff.

    Whether to wrap paragraphs is decided on a first cleaning, not on the raw input: an
    element the policy drops (``<div>``, ``<object>``) must not change the decision, or
    cleaning the output again would wrap it differently.
    """
    return _editorial(_paragraphs(_editorial(html or "")))


# Feeds carry the whole body: the editorial policy, plus the figures and images the
# feed itself writes for photos, every address made absolute for readers elsewhere.
FEED_TAGS = EDITORIAL_TAGS | {"figure", "figcaption", "img"}
FEED_ATTRIBUTES = {
    **EDITORIAL_ATTRIBUTES,
    "img": {"src", "alt", "width", "height"},
    "blockquote": {"cite"},
}


def clean_feed(html: str, base_url: str) -> str:
    """A body for a feed: sanitised, its links and images absolute from ``base_url``."""
    return _nh3(
        html,
        tags=FEED_TAGS,
        attributes=FEED_ATTRIBUTES,
        link_rel="noopener",
        url_relative=("rewrite_with_base", base_url),
    )


def _comment(text: str) -> str:
    return _nh3(text, tags=COMMENT_TAGS, attributes=COMMENT_ATTRIBUTES, link_rel=COMMENT_LINK_REL)


def clean_comment(text: str) -> str:
    """Sanitise a reader's comment: a small allowlist, bare URLs linked, links nofollow.

    Cleaned once before paragraphs are decided (see ``clean_editorial``); nh3 runs last.
    """
    prepared = _keep_pre_newline(
        bleach.linkify(_paragraphs(_comment(text or "")), parse_email=False)
    )
    return _comment(prepared)


def plain_text(markup: str) -> str:
    """Text content of sanitised HTML, for excerpts, anchors and search."""
    return html.unescape(nh3.clean(markup or "", tags=set())).strip()


# XML 1.0 cannot carry these control characters (feeds and sitemaps are XML).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text freed of the characters XML cannot hold (a stray one pasted by an editor)."""
    return _NOT_XML.sub("", text)
