"""Bodies: blocks in order, their stable keys, sanitising, and what embeds accept."""

import pytest
from django.core.exceptions import ValidationError

from articles import body, embeds
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


@pytest.mark.parametrize(
    ("url", "provider", "player"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=4", "YouTube",
         "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "YouTube",
         "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtube.com/shorts/dQw4w9WgXcQ", "YouTube",
         "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "Vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
    ],
)  # fmt: skip
def test_embed_addresses_of_supported_providers_give_their_player(url, provider, player):
    assert embeds.parse(url) == embeds.Embeddable(provider, player)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)//youtube.com",
        "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "http://[::1",
        "",
    ],
)
def test_other_addresses_cannot_be_embedded_and_the_error_names_the_providers(url):
    with pytest.raises(ValidationError) as error:
        embeds.parse(url)
    assert "Supported: YouTube, Vimeo" in error.value.messages[0]


def test_a_supported_provider_address_that_is_not_a_video_is_refused():
    with pytest.raises(ValidationError) as error:
        embeds.parse("https://www.youtube.com/@somechannel")
    assert "YouTube address does not point at something to embed" in error.value.messages[0]
