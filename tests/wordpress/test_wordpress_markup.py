"""WordPress post content → a body editors can save: both editors, images, shortcodes."""

import html5lib

from articles import body
from articles.markup import plain_text
from newsroom.wordpress.converter import EmbedRef, convert_body


def parse(fragment: str):
    return html5lib.parseFragment(fragment, treebuilder="dom", namespaceHTMLElements=False)


def elements(fragment: str) -> list:
    """Every element of the fragment, as a browser would build them."""
    found, stack = [], list(parse(fragment).childNodes)
    while stack:
        node = stack.pop()
        if node.nodeType == node.ELEMENT_NODE:
            found.append(node)
            stack.extend(node.childNodes)
    return found


def visible(fragment: str) -> str:
    return plain_text(fragment)


def kinds(converted) -> list[tuple[str, str]]:
    """The body's parts in order: ("text", its words), ("photo", "") or ("embed", address)."""
    return [
        ("photo", "") if isinstance(part, int)
        else ("embed", part.url) if isinstance(part, EmbedRef)
        else ("text", plain_text(part))
        for part in converted.parts
    ]  # fmt: skip


def test_classic_editor_blank_lines_make_paragraphs_and_single_breaks_stay_breaks():
    converted = convert_body("First line.\n\nSecond paragraph,\nwith a break.\n\nThird.")
    blocks = body.split_blocks(converted.html)
    assert [plain_text(b) for b in blocks] == [
        "First line.",
        "Second paragraph,\nwith a break.",
        "Third.",
    ]
    assert sorted(e.tagName for e in elements(blocks[1])) == ["br", "p"]


def test_block_editor_comments_classes_and_scripts_are_gone():
    content = (
        '<!-- wp:paragraph {"className":"lead"} -->\n<p class="lead" style="color:red">'
        "Hello <em>there</em>.</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:html -->\n<script>alert(1)</script><p onclick="x()">Clicked.</p>\n'
        "<!-- /wp:html -->"
    )
    converted = convert_body(content)
    assert "<!--" not in converted.html
    tags = elements(converted.html)
    assert {e.tagName for e in tags} == {"p", "em"}
    assert all(not e.attributes.length for e in tags)
    assert visible(converted.html) == "Hello there.\nClicked."


def test_caption_shortcode_becomes_a_photo_block_with_its_caption():
    converted = convert_body(
        'Before.\n\n[caption id="attachment_7" align="alignleft" width="300"]'
        '<img class="wp-image-7" src="https://old.example/wp-content/uploads/a.jpg" '
        'alt="A boat" /> Fishermen at dawn[/caption]\n\nAfter.'
    )
    assert converted.parts == ["<p>Before.</p>", 1, "<p>After.</p>"]
    image = converted.images[1]
    assert (image.attachment_id, image.alt, image.caption) == ("7", "A boat", "Fishermen at dawn")


def test_block_editor_image_and_gallery_figures_become_photos():
    converted = convert_body(
        '<figure class="wp-block-image"><img src="/wp-content/uploads/one.jpg" alt="One" '
        'class="wp-image-11"/><figcaption>The first</figcaption></figure>\n'
        '<figure class="wp-block-gallery"><figure class="wp-block-image">'
        '<img src="/two.jpg" alt="Two"/></figure><figure class="wp-block-image">'
        '<img src="/three.jpg" alt="Three"/><figcaption>Third</figcaption></figure>'
        "<figcaption>A gallery</figcaption></figure>"
    )
    assert [kind for kind, _ in kinds(converted)] == ["photo", "photo", "photo", "text"]
    assert [(i.attachment_id, i.src, i.caption) for i in converted.images.values()] == [
        ("11", "/wp-content/uploads/one.jpg", "The first"),
        ("", "/two.jpg", ""),
        ("", "/three.jpg", "Third"),
    ]
    assert visible(converted.html).endswith("A gallery")


def test_image_inside_a_paragraph_is_taken_out_to_stand_alone():
    converted = convert_body(
        '<p>Text before <a href="/big.jpg"><img src="/small.jpg" alt="Dog"></a> text after.</p>'
    )
    assert kinds(converted) == [("text", "Text before"), ("photo", ""), ("text", "text after.")]


def test_image_inside_a_list_is_left_out_and_reported():
    converted = convert_body('<ul><li>One <img src="/x.jpg" alt="X"></li></ul>')
    assert converted.images == {}
    assert "\u27e6" not in converted.html
    assert converted.notes == ["an image or embed inside a list or table was left out"]


def test_gallery_shortcode_ids_become_photos():
    converted = convert_body('[gallery ids="4, 5"]')
    assert [i.attachment_id for i in converted.images.values()] == ["4", "5"]
    assert converted.parts == [1, 2]


def test_plugin_shortcodes_are_dropped_and_paired_ones_keep_their_text():
    converted = convert_body(
        'Vote: [poll id="3"]\n\n[highlight color="yellow"]Read this.[/highlight]\n\n[video]'
    )
    assert visible(converted.html) == "Vote:\nRead this."
    assert converted.notes == [
        "shortcode [video] removed",
        "shortcode [poll] removed",
        "shortcode [highlight] removed",
    ]


def test_bracketed_text_stays_text():
    content = "[quote 1]\n\nSee [photo 2] below.\n\n[sic]\n\nFootnote [1] and [readmore 3]."
    converted = convert_body(content)
    assert [kind for kind, _ in kinds(converted)] == ["text"] * 4
    assert visible(converted.html) == (
        "[quote 1]\nSee [photo 2] below.\n[sic]\nFootnote [1] and [readmore 3]."
    )
    assert "“[sic]” kept as text" in converted.notes


def test_blockquote_stays_a_quote():
    converted = convert_body(
        '<blockquote class="wp-block-quote"><p>Words.</p><cite>A Speaker</cite></blockquote>'
    )
    assert converted.html == "<blockquote><p>Words.</p><cite>A Speaker</cite></blockquote>"


# --- Embeds ------------------------------------------------------------------------------

YOUTUBE = "https://www.youtube.com/watch?v=Xy12Ab34Cd5"


def test_embed_shortcode_and_an_address_alone_on_its_line_become_embeds():
    converted = convert_body(
        f'Before.\n\n[embed width="500"]{YOUTUBE}[/embed]\n\n'
        "https://vimeo.com/76979871\n\n<p>https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC</p>"
        f"\n\nAn address in a sentence stays text: {YOUTUBE}"
    )
    assert kinds(converted) == [
        ("text", "Before."),
        ("embed", YOUTUBE),
        ("embed", "https://vimeo.com/76979871"),
        ("embed", "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"),
        ("text", f"An address in a sentence stays text: {YOUTUBE}"),
    ]
    assert [part.provider for part in converted.parts if isinstance(part, EmbedRef)] == [
        "YouTube", "Vimeo", "Spotify",
    ]  # fmt: skip
    assert converted.notes == []


def test_video_and_audio_shortcodes_of_allowed_sources_become_embeds_others_links():
    converted = convert_body(
        '[video src="https://youtu.be/Xy12Ab34Cd5"][/video]\n\n'
        '[audio src="https://soundcloud.com/some-band/a-song"]\n\n'
        '[video mp4="https://old.example/clip.mp4"][/video]'
    )
    assert kinds(converted) == [
        ("embed", "https://youtu.be/Xy12Ab34Cd5"),
        ("embed", "https://soundcloud.com/some-band/a-song"),
        ("text", "https://old.example/clip.mp4"),
    ]
    [link] = [e for e in elements(converted.parts[2]) if e.tagName == "a"]
    assert link.getAttribute("href") == "https://old.example/clip.mp4"
    assert converted.notes == [
        "[video] of https://old.example/clip.mp4 kept as a link: not a provider we embed"
    ]


def test_block_editor_embed_blocks_become_embeds_keeping_their_caption():
    content = (
        f'<!-- wp:embed {{"url":"{YOUTUBE}","type":"video"}} -->\n'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n'
        f"{YOUTUBE}\n</div><figcaption>Filmed at dawn</figcaption></figure>\n<!-- /wp:embed -->\n\n"
        '<!-- wp:core-embed/twitter {"url":"https://twitter.com/someone/status/20"} -->\n'
        '<figure class="wp-block-embed-twitter"><div>https://twitter.com/someone/status/20'
        "</div></figure>\n<!-- /wp:core-embed/twitter -->\n\n"
        '<!-- wp:embed {"url":"https://clips.example.net/v/88"} -->\n'
        "<figure><div>https://clips.example.net/v/88</div></figure>\n<!-- /wp:embed -->"
    )
    converted = convert_body(content)
    assert kinds(converted) == [
        ("embed", YOUTUBE),
        ("text", "Filmed at dawn"),
        ("embed", "https://twitter.com/someone/status/20"),
        ("text", "https://clips.example.net/v/88"),
    ]
    assert converted.notes == [
        "embed block of https://clips.example.net/v/88 kept as a link: not a provider we embed"
    ]
