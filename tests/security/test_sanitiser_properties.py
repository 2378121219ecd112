"""Properties of the sanitiser over generated HTML: 10,000 examples, same ones every run."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from articles.markup import (
    COMMENT_ATTRIBUTES,
    COMMENT_TAGS,
    EDITORIAL_ATTRIBUTES,
    EDITORIAL_TAGS,
    clean_comment,
    clean_editorial,
)

from . import oracle

TAGS = sorted(
    EDITORIAL_TAGS
    | {
        "script",
        "img",
        "svg",
        "math",
        "iframe",
        "style",
        "div",
        "span",
        "form",
        "object",
        "textarea",
        "title",
        "a",
        "x-y",
    }
)
ATTRIBUTE_NAMES = [
    "lang",
    "href",
    "src",
    "style",
    "onclick",
    "onerror",
    "title",
    "rel",
    "xlink:href",
    "srcset",
    "formaction",
    "class",
    "colspan",
]
SCHEMES = [
    "javascript:",
    "JaVa\tScRiPt:",
    "java&#x09;script:",
    "&#106;avascript:",
    "\x01javascript:",
    "vbscript:",
    "data:text/html,",
    "http://",
    "https://",
    "mailto:",
    "/",
    "#",
    "",
    "//",
]

urls = st.builds(lambda scheme, rest: scheme + rest, st.sampled_from(SCHEMES), st.text(max_size=8))
attribute = st.builds(
    lambda name, value, quote: f" {name}={quote}{value}{quote}",
    st.sampled_from(ATTRIBUTE_NAMES),
    urls | st.text(max_size=10),
    st.sampled_from(['"', "'", ""]),
)
start_tag = st.builds(
    lambda tag, attrs, close: f"<{tag}{''.join(attrs)}{close}>",
    st.sampled_from(TAGS),
    st.lists(attribute, max_size=3),
    st.sampled_from(["", "/", " "]),
)
piece = st.one_of(
    start_tag,
    st.builds(lambda tag: f"</{tag}>", st.sampled_from(TAGS)),
    st.text(max_size=12),
    st.sampled_from(
        [
            "<",
            ">",
            "&",
            "&amp;",
            "&lt;",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "\n\n",
            "www.example.org",
            "https://example.org/x",
            "[quote 1]",
            "\x00",
        ]
    ),
)
markup = st.lists(piece, max_size=12).map("".join)


def problems(cleaned: str, tags: set[str], attributes: dict, comment: bool) -> list[str]:
    return oracle.check_fragment(
        cleaned, tags, comment_links=comment, attributes=attributes, parser="lexbor"
    )


@settings(
    max_examples=10_000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(markup)
@example("<pre></a>\n\n")  # a parser drops the newline after <pre>: it must be written back
def test_sanitiser_properties(text):
    """Idempotent; output tags within policy; comment links nofollow ugc noopener; schemes
    allowed only (the oracle checks the last three on the parsed output)."""
    for clean, tags, attributes, comment in (
        (clean_editorial, EDITORIAL_TAGS, EDITORIAL_ATTRIBUTES, False),
        (clean_comment, COMMENT_TAGS, COMMENT_ATTRIBUTES, True),
    ):
        once = clean(text)
        assert clean(once) == once
        assert problems(once, tags, attributes, comment) == []


def test_a_preformatted_block_keeps_its_leading_blank_lines():
    """A browser drops the newline right after ``<pre>``; the cleaned block shows the
    same lines as the one written, however often it is cleaned."""
    for clean in (clean_editorial, clean_comment):
        assert clean("<pre>\n\ncode</pre>") == "<pre>\n\ncode</pre>"
        assert clean(clean("<pre>\n\n\ncode</pre>")) == "<pre>\n\n\ncode</pre>"
