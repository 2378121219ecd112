"""Bodies: blocks in order, their stable keys and sanitising (embeds: test_embeds.py)."""

from articles import body
from articles.markup import clean_editorial
from articles.models import Article, Quote, TextBlock
from tests.helpers.admin import assert_saved, change_url, form_data


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


def test_html_from_elsewhere_becomes_one_text_block_per_paragraph():
    blocks = body.text_blocks("<p>Alpha.</p><h2>Beta</h2>\n<ul><li>Gamma</li></ul>Delta.")
    assert [block.text for block in blocks] == [
        "<p>Alpha.</p>", "<h2>Beta</h2>", "<ul><li>Gamma</li></ul>", "<p>Delta.</p>",
    ]  # fmt: skip


def test_text_block_is_sanitised_on_save(make_article):
    article = make_article(blocks=[TextBlock(text='<p>Safe</p><img src=x onerror="alert(1)">')])
    assert article.text_blocks.get().text == "<p>Safe</p>"


def test_every_block_gets_its_own_stable_key(make_article):
    article = make_article(body="<p>Same.</p><p>Same.</p>")
    keys = [block.key for block in article.blocks()]
    assert len(set(keys)) == 2 and all(key.startswith("b-") for key in keys)
    block = article.text_blocks.first()
    block.text, block.ordering = "<p>Edited and moved.</p>", 99
    block.save()
    block.refresh_from_db()
    assert block.key == keys[0]


def test_body_text_holds_the_words_of_the_text_blocks_for_search(make_article):
    article = make_article(
        body="<p>One &amp; <em>two</em>.</p><ul><li>Three</li><li>Four</li></ul>"
    )
    article.refresh_from_db()
    assert article.body_text == "One & two.\nThree\nFour"


def test_anchor_still_resolves_after_its_neighbours_are_edited_and_moved(
    client, editor_user, make_article
):
    article = make_article(
        status=Article.Status.DRAFT,
        blocks=[
            TextBlock(text="<p>Before.</p>"),
            TextBlock(text="<p>The passage readers comment on.</p>"),
            Quote(text="Words.", speaker="Someone"),
            TextBlock(text="<p>After.</p>"),
        ],
    )
    anchor = article.text_blocks.get(text__contains="comment on").key
    quote_anchor = article.quotes.get().key
    client.force_login(editor_user)
    data = form_data(client.get(change_url(article)))
    texts = {data[f"text_blocks-{i}-text"]: i for i in range(3)}
    data[f"text_blocks-{texts['<p>Before.</p>']}-text"] = "<p>Before, rewritten.</p>"
    data[f"text_blocks-{texts['<p>After.</p>']}-ordering"] = "1"  # now the first block
    data[f"text_blocks-{texts['<p>Before.</p>']}-DELETE"] = "on"

    assert_saved(client.post(change_url(article), data))

    article = Article.objects.get(pk=article.pk)
    assert article.passage(anchor) == "The passage readers comment on."
    assert article.passage(quote_anchor) == "Words."
    assert [block.kind for block in article.blocks()] == ["text", "text", "quote"]


def test_a_removed_passage_no_longer_resolves(make_article):
    article = make_article(body="<p>Gone soon.</p><p>Stays.</p>")
    gone = article.text_blocks.get(text="<p>Gone soon.</p>")
    gone.delete()
    assert article.passage(gone.key) is None
    assert article.passage("") is None
    assert article.passage(article.text_blocks.get().key) == "Stays."
