"""An editor writes an article in the admin's block editor, in Chromium.

Signed in as an Editor-role account (not a superuser) on the add-article page:

- at 1280 px the reference article is written from scratch — headline, region (the
  kicker), section, a lead photo uploaded in place, three rich-text paragraphs with a
  link and bold text, two quotes, a body photo picked by its thumbnail, a READ MORE link
  picked by headline and a YouTube embed — and published, without typing any HTML; every
  click, field filled and keyboard shortcut is counted, and there are at most 25; the
  article list it lands on fits the screen without scrolling sideways;
- at 390 px the lead photo is picked by its thumbnail, every kind of block is added,
  edited and moved (dragged, and by keyboard) and one is removed, nothing scrolls
  sideways and the body's text box has room to write;
- axe-core finds nothing serious on the page, at either width;
- without JavaScript the page still saves an article.

Screenshots of the editor go to test-artifacts/.
"""

import importlib
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from articles.models import Article, Author
from tests.helpers.admin import ADD_URL
from tests.helpers.browser import blocking_violations
from tests.helpers.images import jpeg_bytes
from tests.helpers.tools import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

MOST_ACTIONS = 25  # issue 13: the old admin took about 66
VIDEO = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
LINK = "https://example.org/contracts"
HEADLINE = "Ministers agree to publish every contract"


@pytest.fixture
def editor_group(db):
    """The Editor group as its migrations make it. Live-server tests empty the database
    after each test and only permissions come back, so it is made again from the same
    lists of permissions the migrations grant."""
    roles = importlib.import_module("articles.migrations.0002_roles")
    blocks = importlib.import_module("articles.migrations.0011_body_to_blocks")
    group, _ = Group.objects.get_or_create(name="Editor")
    every = ["add", "change", "delete", "view"]
    models = {**roles.ROLES["Editor"], **dict.fromkeys(blocks.BLOCK_MODELS, every)}
    codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles", codename__in=[*codenames, "publish_article"]
        )
    )
    return group


@pytest.fixture
def editor_tab(browser, plain_http, live_server, editor_group, make_staff, reference_article):
    """A browser tab on the add-article page, signed in as an editor with a byline."""
    editor = make_staff("Editor")
    assert not editor.is_superuser
    Author.objects.create(name="Hana Saleh", slug="hana-saleh", user=editor)
    client = Client()
    client.force_login(editor)
    session = client.cookies["sessionid"].value
    contexts = []

    def open_at(width: int, javascript: bool = True):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, java_script_enabled=javascript
        )
        contexts.append(context)
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        assert page.goto(live_server.url + ADD_URL).status == 200
        return page

    yield open_at
    for context in contexts:
        context.close()


@dataclass
class Actions:
    """What the editor does, one count per click, field filled or keyboard shortcut."""

    page: object
    done: list[str] = field(default_factory=list)

    def click(self, locator, what: str):
        locator.click()
        self.done.append(f"click {what}")

    def fill(self, locator, value: str, what: str):
        locator.fill(value)
        self.done.append(f"fill {what}")

    def choose(self, locator, label: str, what: str):
        locator.select_option(label=label)
        self.done.append(f"choose {what}")

    def upload(self, locator, path, what: str):
        locator.set_input_files(path)
        self.done.append(f"upload {what}")

    def fill_text(self, locator, text: str, what: str):
        """Fill a rich-text box: the typing goes through the editor, as a person's does."""
        locator.press_sequentially(text)
        self.done.append(f"fill {what}")

    def type(self, text: str, what: str):
        self.page.keyboard.type(text)
        self.done.append(f"type {what}")

    def press(self, keys: str, what: str):
        self.page.keyboard.press(keys)
        self.done.append(f"press {keys} ({what})")

    def add_block(self, kind: str):
        self.click(self.page.locator(".block-add-bar button", has_text=kind), f"add {kind}")
        return self.page.locator(f"#{blocks_in_order(self.page, ids=True)[-1]}")


def screenshots(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    # A window as tall as the page, so sticky headings and toolbars stay where they belong.
    size = page.viewport_size
    page.set_viewport_size({**size, "height": page.evaluate("document.body.scrollHeight")})
    page.locator(".order-machine-wrapper").screenshot(path=ARTIFACTS / f"{name}-body.png")
    page.set_viewport_size(size)


def blocks_in_order(page, ids=False) -> list[str]:
    """The body's blocks as the editor shows them, top to bottom: the kind of each (its
    formset's prefix), or with ``ids`` the element ids."""
    found = page.evaluate(
        """[...document.querySelectorAll('.order-machine .inline-related:not(.empty-form)')]
        .sort((a, b) => a.style.order - b.style.order).map(block => block.id)"""
    )
    return found if ids else [block.rsplit("-", 1)[0] for block in found]


def drag(page, handle: str, onto: str):
    """Drag a block by its heading and drop it on the lower half of another block.

    In a window as tall as the page, so that both ends are on screen without the
    editor's scrolling-while-dragging, which would make the test wait on a timer.
    """
    size = page.viewport_size
    page.set_viewport_size({**size, "height": page.evaluate("document.body.scrollHeight")})
    page.evaluate("window.scrollTo(0, 0)")
    start, end = page.locator(handle).bounding_box(), page.locator(onto).bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + 100, end["y"] + end["height"] - 15, steps=10)
    page.mouse.up()
    page.set_viewport_size(size)


def sideways_overflow(page) -> dict:
    """How far the form, and the page, are wider than their boxes (0: nothing scrolls)."""
    return page.evaluate(
        """({form: document.querySelector('#article_form').scrollWidth
                   - document.querySelector('#article_form').clientWidth,
             page: document.documentElement.scrollWidth - document.documentElement.clientWidth})"""
    )


def list_overflow(page) -> dict:
    """How far the article list's table, and the page, are wider than their boxes."""
    return page.evaluate(
        """({list: document.querySelector('#changelist .results').scrollWidth
                   - document.querySelector('#changelist .results').clientWidth,
             page: document.documentElement.scrollWidth - document.documentElement.clientWidth})"""
    )


def crowded_list_row(make_article, make_section, make_region, make_author):
    """The widest row the article list shows: a lead story with an end time, published
    at a wide time of day, a two-word section, an opinion, two authors with long names
    and a long word in the headline."""
    yesterday = timezone.localtime() - timedelta(days=1)
    make_article(
        "Reconstruction needs auditors as much as engineers",
        section=make_section("Middle East"), primary_region=make_region("Lebanon"),
        kind=Article.Kind.OPINION, publish_at=yesterday.replace(hour=10, minute=58),
        is_lead=True, lead_until=timezone.now() + timedelta(hours=5),
        authors=[make_author("Sofia Marchetti"), make_author("Hannah Mwangi")],
    )  # fmt: skip


def write_reference_article(page, actions: Actions, tmp_path, library):
    lead = tmp_path / "lead.jpg"
    lead.write_bytes(jpeg_bytes(1200, 675))
    actions.fill(page.locator("#id_headline"), HEADLINE, "headline")
    actions.fill(page.locator("#id_regions"), "Iraq", "region")
    actions.choose(page.locator("#id_section"), "World", "section")
    actions.upload(page.locator("#id_lead_image"), lead, "lead photo")
    actions.fill(page.locator("#id_lead_alt_text"), "Officials at a long table", "alt text")
    actions.fill(page.locator("#id_lead_caption"), "The cabinet met until late.", "caption")
    actions.fill(page.locator("#id_lead_photographer"), "Rami Haddad", "photographer")

    text = page.locator(".order-machine .inline-related .ProseMirror:visible").first
    # Typed like any other field (a bare address becomes a link as it is typed).
    actions.fill_text(
        text,
        "The cabinet agreed on Monday to publish every public contract.\n"
        f"The full list is at {LINK} from today.\n"
        "Donors welcomed the decision and said it was ",
        "three paragraphs, the link among them",
    )
    actions.press("Control+b", "bold")
    actions.type("long overdue.", "the bold words")

    for speaker, role, words in [
        ("Omar Baban", "the planning minister", "Every dinar belongs to the people."),
        # Quoted before in the archive: her role is the one she had then.
        ("Samira Yousef", None, "A list is only a beginning."),
    ]:
        quote = actions.add_block("Quote")
        actions.fill(quote.locator("[name$=-speaker]"), speaker, "speaker")
        if role:
            actions.fill(quote.locator("[name$=-speaker_role]"), role, "role")
        actions.fill(quote.locator("[name$=-text]"), words, "quote")

    photo = actions.add_block("Photo")
    actions.click(photo.locator(".photo-choice", has_text=library.caption), "a thumbnail")

    actions.add_block("Read more")
    # The headline search opens by itself.
    actions.type("Kurdish gas", "part of a headline")
    page.locator(".select2-results__option", has_text="Kurdish gas deal signed").wait_for()
    actions.press("Enter", "pick the article")

    embed = actions.add_block("Embed")
    actions.fill(embed.locator("[name$=-url]"), VIDEO, "video address")


def test_an_editor_writes_and_publishes_the_reference_article_at_desktop_width(
    editor_tab, tmp_path, reference_article, live_server, capsys, make_article, make_section,
    make_region, make_author,
):  # fmt: skip
    page = editor_tab(1280)
    actions = Actions(page)
    library = reference_article.body_photos.get().photo
    other = reference_article.read_mores.get().target
    crowded_list_row(make_article, make_section, make_region, make_author)

    write_reference_article(page, actions, tmp_path, library)
    screenshots(page, "editor-1280")
    actions.click(page.locator("input[name=_publish]").first, "Publish now")
    page.locator(".messagelist .success").wait_for()  # saved, back on the list
    assert list_overflow(page) == {"list": 0, "page": 0}, "the list fits a 1280 px screen"
    with capsys.disabled():
        print(f"\nwriting the reference article: {len(actions.done)} actions: "
              + "; ".join(actions.done))  # fmt: skip

    assert page.errors == []
    article = Article.objects.get(headline=HEADLINE)
    assert article.is_published, page.content()[:2000]

    public = page.context.new_page()
    assert public.goto(live_server.url + article.get_absolute_url()).status == 200
    assert public.locator("h1").inner_text().casefold() == (
        "iraq: ministers agree to publish every contract"
    )
    lead = public.locator("figure.photo").first
    assert lead.locator("img").get_attribute("alt") == "Officials at a long table"
    assert "The cabinet met until late." in lead.inner_text()
    assert "Rami Haddad" in lead.locator(".credit").inner_text()
    body = public.locator("article")
    assert body.locator(f'a[href="{LINK}"]').count() == 1
    assert body.locator("strong", has_text="long overdue.").count() == 1
    for words in ["publish every public contract", "The full list is at", "Donors welcomed"]:
        assert body.locator("p", has_text=words).count() == 1, words
    quotes = body.locator("figure.quote")
    assert quotes.count() == 2
    assert "Every dinar belongs to the people." in quotes.nth(0).inner_text()
    assert quotes.nth(0).locator(".speaker").inner_text() == "Omar Baban"
    assert quotes.nth(0).locator(".role").inner_text() == "the planning minister"
    assert quotes.nth(1).locator(".speaker").inner_text() == "Samira Yousef"
    assert quotes.nth(1).locator(".role").inner_text() == "coalition director"
    assert body.locator(f'figure.photo img[alt="{library.alt_text}"]').count() == 1
    read_more = body.locator(".read-more")
    assert read_more.locator("a").get_attribute("href") == other.get_absolute_url()
    assert read_more.inner_text().casefold() == f"read more: {other.display_headline}".casefold()
    assert body.locator(f'[class*=embed] a[href="{VIDEO}"]').count() == 1
    assert len(actions.done) <= MOST_ACTIONS


def test_at_phone_width_every_kind_of_block_is_added_edited_and_moved(
    editor_tab, reference_article
):
    page = editor_tab(390)
    actions = Actions(page)
    library = reference_article.body_photos.get().photo
    page.locator("#id_headline").fill("Dam talks resume")
    page.locator("#id_section").select_option(label="World")
    # The lead photo, like a body photo, is picked by its thumbnail.
    page.locator("#id_lead_photo .photo-choice", has_text=library.caption).click()
    text = page.locator(".order-machine .inline-related .ProseMirror:visible").first
    text.press_sequentially("Opening words.")
    quote = actions.add_block("Quote")
    quote.locator("[name$=-speaker]").fill("Omar Baban")
    quote.locator("[name$=-text]").fill("We will meet again.")
    actions.add_block("Photo").locator(".photo-choice", has_text=library.caption).click()
    actions.add_block("Read more")
    page.keyboard.type("Kurdish gas")
    page.locator(".select2-results__option", has_text="Kurdish gas deal signed").click()
    actions.add_block("Embed").locator("[name$=-url]").fill(VIDEO)
    closing = actions.add_block("Text").locator(".ProseMirror:visible")
    closing.press_sequentially("Closing words.")
    assert blocks_in_order(page) == [
        "text_blocks", "quotes", "body_photos", "read_mores", "embeds", "text_blocks"
    ]  # fmt: skip

    assert sideways_overflow(page) == {"form": 0, "page": 0}
    assert text.bounding_box()["height"] >= 150, "the body's text box shows a few lines"
    # Thumbnails side by side, each caption under its picture (not beside it).
    choice = page.locator("#id_lead_photo .photo-choice").last
    picture, words = choice.locator("img").bounding_box(), choice.locator("span").bounding_box()
    assert choice.bounding_box()["width"] <= 140 and words["y"] >= picture["y"] + picture["height"]
    screenshots(page, "editor-390")

    # By keyboard: the embed moves up twice, above the photo.
    move_up = page.locator("#embeds-0 .block-move", has_text="↑")
    move_up.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.locator(".block-move-status").inner_text().endswith("position 3 of 6.")
    # By dragging: the quote's heading dropped on the lower half of the last block.
    drag(page, "#quotes-0 > h3 .inline_label", onto="#text_blocks-1")
    expected = ["text_blocks", "embeds", "body_photos", "read_mores", "text_blocks", "quotes"]
    assert blocks_in_order(page) == expected
    assert page.errors == []

    page.locator("input[name=_continue]").first.click()
    page.wait_for_url("**/change/**")
    article = Article.objects.get(headline="Dam talks resume")
    saved = [type(block).__name__ for block in article.blocks()]
    assert saved == ["TextBlock", "Embed", "BodyPhoto", "ReadMore", "TextBlock", "Quote"]
    assert article.lead_photo == library

    # Removed: the saved embed's "Delete" box ticked, and the article saved again.
    page.locator("#embeds-0 .delete input[type=checkbox]").check()
    page.locator("input[name=_continue]").first.click()
    page.locator(".messagelist .success").wait_for()
    saved = [type(block).__name__ for block in article.blocks()]
    assert saved == ["TextBlock", "BodyPhoto", "ReadMore", "TextBlock", "Quote"]
    assert page.errors == []


def test_the_add_article_page_has_no_serious_accessibility_violations(editor_tab):
    found = {}
    for width in (1280, 390):
        page = editor_tab(width)
        assert page.locator(".block-add-bar").is_visible()  # the editor is there
        if violations := blocking_violations(page):
            found[width] = violations
    assert found == {}, "\n".join(f"{w}: {v}" for w, vs in found.items() for v in vs)


def test_without_javascript_the_add_page_saves_an_article(editor_tab):
    page = editor_tab(1280, javascript=False)
    page.locator("#id_headline").fill("Dam talks resume")
    page.locator("#id_section").select_option(label="World")
    page.locator("textarea[name=text_blocks-0-text]").fill("Talks resumed at dawn.")
    page.locator("input[name=_save]").first.click()
    page.wait_for_url("**/articles/article/")
    article = Article.objects.get(headline="Dam talks resume")
    assert [block.text for block in article.blocks()] == ["<p>Talks resumed at dawn.</p>"]


def test_a_refused_save_shows_its_first_error_not_the_place_where_save_was_pressed(
    editor_tab,
):
    page = editor_tab(390)
    page.locator("#id_section").select_option(label="World")
    text = page.locator(".order-machine .inline-related .ProseMirror:visible").first
    text.click()
    page.keyboard.type("Talks resumed at dawn.")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.locator("input[name=_save]").last.click()  # no headline: refused
    page.wait_for_selector(".errornote")
    headline = page.locator("#id_headline")
    # content-editor scrolls back to where Save was pressed 200 ms after loading.
    page.wait_for_timeout(800)
    assert page.evaluate("document.activeElement?.id") == "id_headline"
    box, height = headline.bounding_box(), page.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, "the error is off screen"
    assert "Talks resumed at dawn." in text.inner_text()
    assert page.errors == []
