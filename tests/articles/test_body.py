"""Bodies: sanitising, splitting into blocks, and the placeholder rules."""

import pytest
from django.core.exceptions import ValidationError

from articles import body
from articles.markup import clean_editorial
from articles.models import Article


def test_plain_paragraphs_become_html_paragraphs():
    assert clean_editorial("First line.\n\nSecond & last.") == (
        "<p>First line.</p><p>Second &amp; last.</p>"
    )


def test_editorial_body_loses_scripts_styles_and_handlers():
    dirty = (
        '<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a></p>'
        '<script>alert(1)</script><p style="color:red">Styled</p><iframe src="//evil"></iframe>'
    )
    assert clean_editorial(dirty) == ('<p>Hi <a rel="noopener">x</a></p><p>Styled</p>')


def test_blocks_keep_their_anchor_when_paragraphs_move():
    first = [b.anchor for b in body.parse("<p>Alpha.</p><p>Beta.</p>")]
    moved = [b.anchor for b in body.parse("<p>Beta.</p><p>Alpha.</p>")]
    assert first == list(reversed(moved))
    assert len(set(first)) == 2


def test_repeated_paragraphs_get_distinct_anchors():
    anchors = [b.anchor for b in body.parse("<p>Same.</p><p>Same.</p>")]
    assert anchors[0] != anchors[1]


def test_placeholders_on_their_own_line_are_found_in_order():
    markup = clean_editorial("<p>Intro.</p>\n[quote 2]\n[photo 1]\n<p>More.</p>\n[readmore 3]")
    assert body.placeholders(markup) == {"quote": [2], "photo": [1], "readmore": [3]}
    assert body.placeholder_errors(markup) == []


@pytest.mark.parametrize(
    "text",
    [
        "[qoute 1]",
        "[quote]",
        "[quote one]",
        "[photo 0]",
        "[readmore -1]",
        "<p>As she said [quote 1] at length.</p>",
        "[quote 1] [photo 2]",
    ],
)
def test_broken_placeholders_are_errors(text):
    assert body.placeholder_errors(clean_editorial(f"<p>Intro.</p>\n{text}")) != []


def test_square_brackets_in_prose_are_not_placeholders():
    assert body.placeholder_errors("<p>He said it was [sic] a triumph.</p>") == []


def test_article_clean_rejects_broken_placeholders(section):
    article = Article(headline="H", slug="h", section=section, body="<p>x</p>[qoute 1]")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "Unknown placeholder" in str(error.value.message_dict["body"])


def test_body_is_sanitised_on_save(make_article):
    article = make_article(body='<p>Safe</p><img src=x onerror="alert(1)">')
    article.refresh_from_db()
    assert article.body == "<p>Safe</p>"


def test_plain_text_placeholder_needs_no_blank_lines_around_it():
    markup = clean_editorial("Para one.\r\n[quote 1]\r\nPara two.")
    assert markup == "<p>Para one.</p><p>[quote 1]</p><p>Para two.</p>"
    assert body.placeholder_errors(markup) == []
