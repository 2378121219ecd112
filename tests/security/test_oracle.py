"""The oracle must see what a browser would run: each known-bad snippet is flagged."""

import pytest
from django.core.mail import EmailMessage

from articles.markup import COMMENT_TAGS, EDITORIAL_TAGS

from . import oracle

BAD_FRAGMENTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<p style=color:red>x</p>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  JaVa\tScRiPt:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mi>x</mi></math>",
    '<img srcset="/a.jpg 1x, javascript:alert(1) 2x">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">x</button></form>',
]


@pytest.mark.parametrize("parser", ["html5lib", "lexbor"])
@pytest.mark.parametrize("snippet", BAD_FRAGMENTS)
def test_oracle_flags_a_known_bad_fragment(snippet, parser):
    assert oracle.check_fragment(snippet, EDITORIAL_TAGS, parser=parser)


@pytest.mark.parametrize("parser", ["html5lib", "lexbor"])
def test_oracle_passes_clean_markup(parser):
    clean = '<p><a href="https://example.org/a?b=1" rel="noopener">x</a> <em>y</em></p>'
    assert oracle.check_fragment(clean, EDITORIAL_TAGS, parser=parser) == []
    assert oracle.check_fragment('<a href="/relative">x</a>', EDITORIAL_TAGS, parser=parser) == []


def test_oracle_wants_comment_links_marked():
    found = oracle.check_fragment(
        '<a href="https://example.org" rel="nofollow">x</a>', COMMENT_TAGS, comment_links=True
    )
    assert found and "ugc" in found[0]


def test_url_scheme_is_normalised_as_a_browser_does():
    assert oracle.url_scheme(" \x00\x1fJaVa\tscr\nipt:alert(1) ") == "javascript"
    assert oracle.url_scheme("//example.org/x") == ""
    assert oracle.url_scheme("/a:b") == ""


PAGE = """<!doctype html><html><head><title>t</title>{head}</head>
<body><main>{body}<div class="block">{block}</div></main></body></html>"""


@pytest.mark.parametrize("parser", ["html5lib", "lexbor"])
@pytest.mark.parametrize(
    ("head", "body", "block"),
    [
        ("", "<iframe src=/x></iframe>", ""),
        ("", "<p onclick=alert(1)>x</p>", ""),
        ("", "<script>alert(1)</script>", ""),
        ("", "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>", ""),
        ("", "", "<section>editorial policy has no section</section>"),
        (
            '<script type="application/ld+json">{"a": "</script><script>alert(1)//"}</script>',
            "",
            "",
        ),
        ('<script type="application/ld+json">{"a": "<!--"}</script>', "", ""),
        ('<script type="application/ld+json">{"a": </script>', "", ""),
    ],
)
def test_oracle_flags_a_known_bad_page(head, body, block, parser):
    assert oracle.page_findings(PAGE.format(head=head, body=body, block=block), parser=parser)


@pytest.mark.parametrize("parser", ["html5lib", "lexbor"])
def test_oracle_passes_a_clean_page(parser):
    page = PAGE.format(
        head='<script type="application/ld+json">{"a": "\\u003C/script\\u003E"}</script>',
        body='<p><a href="/x">x</a></p><script src="/static/js/comments.js" defer></script>',
        block="<p><strong>ok</strong></p>",
    )
    assert oracle.page_findings(page, parser=parser) == []


def test_oracle_reads_escaped_html_in_feeds():
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item>'
        b"<title>&lt;script&gt;plain text&lt;/script&gt;</title>"
        b"<description>&lt;img src=x onerror=alert(1)&gt;</description></item></channel></rss>"
    )
    found, items = oracle.feed_findings(rss)
    assert items == 1
    assert len(found) == 2  # the <img> element and its onerror; the title is text


def test_oracle_flags_a_header_smuggled_into_a_mail():
    message = EmailMessage(subject="ok", body="x", to=["a@example.org"])
    assert oracle.mail_findings(message) == []
    message.subject = "ok\nBcc: b@example.org"
    assert oracle.mail_findings(message)


def test_oracle_holds_attributes_to_the_policy():
    from articles.markup import COMMENT_ATTRIBUTES

    found = oracle.check_fragment(
        '<p lang="en">x</p>', COMMENT_TAGS, attributes=COMMENT_ATTRIBUTES, parser="lexbor"
    )
    assert found and "lang" in found[0]
