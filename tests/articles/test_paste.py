"""Text pasted from Word and Google Docs keeps paragraphs, emphasis, links and lists.

The clipboard HTML is what those programs put there (tests/helpers/clipboard.py); what a
text block keeps is read back as a browser parses it: only p, strong, em, a, ul/ol and
li, with no attribute but a link's address, and every word of the text.
"""

import html5lib
import pytest

from articles.forms import TextBlockForm
from articles.models import Article
from tests.helpers.admin import assert_saved, change_url, form_data, set_text
from tests.helpers.clipboard import GOOGLE_DOCS, WORD

KEPT = {"p", "strong", "em", "a", "ul", "ol", "li"}


def elements(markup: str):
    fragment = html5lib.parseFragment(markup, treebuilder="dom", namespaceHTMLElements=False)

    def walk(node):
        for child in node.childNodes:
            if child.nodeType == child.ELEMENT_NODE:
                yield child
                yield from walk(child)

    return list(walk(fragment))


def words(markup: str) -> str:
    fragment = html5lib.parseFragment(markup, treebuilder="dom", namespaceHTMLElements=False)

    def walk(node):
        for child in node.childNodes:
            yield child.data if child.nodeType == child.TEXT_NODE else "".join(walk(child))

    return " ".join("".join(walk(fragment)).split())


def structure(markup: str) -> list[tuple[str, str]]:
    """(tag, text) of every element, in document order."""
    return [(element.tagName, words(element.toxml())) for element in elements(markup)]


def cleaned(markup: str) -> str:
    return TextBlockForm.base_fields["text"].clean(markup)


def assert_only_kept_markup(markup: str) -> None:
    found = elements(markup)
    assert found, "a positive control: the paste kept some markup"
    assert {element.tagName for element in found} <= KEPT, markup
    for element in found:
        names = set(element.attributes.keys())
        allowed = {"href", "rel"} if element.tagName == "a" else set()
        assert names <= allowed, (element.tagName, names)
    assert "mso" not in markup and "data:" not in markup and "<!--" not in markup


def test_word_paste_keeps_paragraphs_emphasis_link_and_list():
    kept = cleaned(WORD)

    assert_only_kept_markup(kept)
    found = structure(kept)
    assert ("strong", "Tuesday") in found
    assert ("em", "for the first time") in found
    assert ("strong", "Farmers were not convinced.") in found
    assert [text for tag, text in found if tag == "li"] == [
        "a price per cubic metre", "a meter on every well", "a seat on the board"
    ]  # fmt: skip
    assert [tag for tag, _ in found].count("ul") == 1
    link = next(element for element in elements(kept) if element.tagName == "a")
    assert link.getAttribute("href") == "https://example.org/dam-minutes"
    assert words(kept) == (
        "The dam committee met on Tuesday and agreed, for the first time, to publish its "
        "minutes. Farmers were not convinced. They asked for three things: a price per cubic "
        "metre a meter on every well a seat on the board The minutes run to 40 pages."
    )


def test_google_docs_paste_is_not_all_bold_and_keeps_its_emphasis_link_and_list():
    kept = cleaned(GOOGLE_DOCS)

    assert_only_kept_markup(kept)
    found = structure(kept)
    assert [pair for pair in found if pair[0] in ("strong", "em")] == [
        ("strong", "publish every contract"), ("em", "next month")
    ]  # fmt: skip
    assert [text for tag, text in found if tag == "li"] == [
        "Contracts above one million", "Every tender, won or lost"
    ]  # fmt: skip
    assert ("a", "said") in found
    assert words(kept).startswith("The water board will publish every contract from next")


def test_a_numbered_word_list_stays_numbered():
    numbered = (
        '<p class=MsoListParagraphCxSpFirst style="mso-list:l1 level1 lfo2"><![if !supportLists]>'
        '<span style="mso-list:Ignore">1.<span style="font:7.0pt">&nbsp;</span></span>'
        "<![endif]>Open the valves<o:p></o:p></p>"
        '<p class=MsoListParagraphCxSpLast style="mso-list:l1 level1 lfo2"><![if !supportLists]>'
        '<span style="mso-list:Ignore">2.<span style="font:7.0pt">&nbsp;</span></span>'
        "<![endif]>Close the gates<o:p></o:p></p>"
    )

    found = structure(cleaned(numbered))
    assert [tag for tag, _ in found] == ["ol", "li", "li"]
    assert [text for _, text in found[1:]] == ["Open the valves", "Close the gates"]


def test_html_not_from_an_office_program_is_left_to_the_sanitiser_alone():
    mine = '<p>Plain <b>bold</b> and <a href="https://example.org/">a link</a>.</p>'

    assert cleaned(mine) == (
        '<p>Plain bold and <a href="https://example.org/" rel="noopener">a link</a>.</p>'
    )


@pytest.mark.parametrize("clipboard", [WORD, GOOGLE_DOCS], ids=["word", "google-docs"])
def test_office_html_posted_to_a_text_block_is_saved_clean(
    clipboard, client, editor_user, make_article
):
    article = make_article("Dam talks resume", status=Article.Status.DRAFT)
    client.force_login(editor_user)
    data = set_text(form_data(client.get(change_url(article))), clipboard)

    assert_saved(client.post(change_url(article), data))

    saved = article.text_blocks.get(ordering=10).text
    assert_only_kept_markup(saved)
    assert {"strong", "em", "a", "li"} <= {element.tagName for element in elements(saved)}
