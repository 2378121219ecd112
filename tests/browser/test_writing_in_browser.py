"""Writing in the article form in Chromium: autosave, who else is editing, pasting.

An editor types into a text block and sees "Saved … ago" without pressing anything; the
page is reloaded as if the browser had crashed, the form offers the autosaved version and
puts the words back; a second editor opening the article is told who else has it open.
Text pasted from Word and Google Docs (a real paste event with their clipboard HTML)
keeps its paragraphs, emphasis, links and lists and nothing else once saved.
"""

import re

import html5lib
import pytest
from django.test import Client

from articles.models import Article, ArticleDraft
from tests.helpers.admin import change_url
from tests.helpers.browser import blocking_violations
from tests.helpers.clipboard import GOOGLE_DOCS, WORD
from tests.helpers.tools import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

KEPT = {"p", "strong", "em", "a", "ul", "ol", "li"}


@pytest.fixture
def editor_tab(browser, plain_http, live_server, django_user_model):
    """A browser context signed in as a named editor, with the article form open."""
    contexts = []

    def open_as(first: str, last: str, article: Article):
        user = django_user_model.objects.create_superuser(
            username=first.lower(), password="correct-horse-battery", first_name=first,
            last_name=last,
        )  # fmt: skip
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value,
              "url": live_server.url}]
        )  # fmt: skip
        page = context.new_page()
        page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))
        assert page.goto(live_server.url + change_url(article)).status == 200
        first_text_block(page).wait_for()
        return page

    yield open_as
    for context in contexts:
        context.close()


def first_text_block(page):
    return page.locator("#text_blocks-0 .ProseMirror[contenteditable]")


def test_typing_is_autosaved_offered_back_after_a_reload_and_others_are_warned(
    editor_tab, make_article
):
    article = make_article(
        "Dam talks resume", status=Article.Status.DRAFT, body="<p>The talks resumed.</p>"
    )
    amira = editor_tab("Amira", "Khalil", article)
    status = amira.locator("#autosave-status")
    assert status.is_hidden(), "nothing said before any change"

    first_text_block(amira).click()
    amira.keyboard.press("End")
    amira.keyboard.type(" Farmers want a price per cubic metre.")
    # A block added below: the draft holds more rows than the saved article has.
    amira.evaluate("window.ContentEditor.addContent('quotes')")
    amira.fill("[name=quotes-0-speaker]", "Samira Yousef")
    amira.fill("[name=quotes-0-text]", "A list is only a beginning.")
    amira.wait_for_selector("#autosave-status:has-text('Saved just now')", timeout=20_000)
    # The line keeps time as it passes.
    from playwright.sync_api import expect  # imported where Chromium runs, as browser.py does

    expect(status).to_have_text(re.compile(r"^Saved \d+ s ago$"), timeout=10_000)
    # Only what this form adds is judged here (the admin's own widgets are not ours).
    found = blocking_violations(amira)
    assert [v for v in found if "autosave" in v or "other-editors" in v] == [], found

    article.refresh_from_db()
    assert article.text_blocks.get().text == "<p>The talks resumed.</p>", "a copy, not the article"
    assert not article.quotes.exists()
    kept = dict(ArticleDraft.objects.get(article=article).form_data)
    assert "cubic metre" in kept["text_blocks-0-text"]
    assert kept["quotes-0-speaker"] == "Samira Yousef"

    amira.context.set_offline(True)
    amira.keyboard.type(" Nothing reaches the server.")
    amira.wait_for_selector("#autosave-status:has-text('Not saved — offline')", timeout=20_000)
    amira.context.set_offline(False)

    amira.reload()
    offer = amira.locator("#autosave-offer")
    offer.wait_for(state="visible")
    assert "Restore the autosaved version from" in offer.inner_text()
    assert "cubic metre" not in first_text_block(amira).inner_text(), "the saved text first"
    assert amira.locator("[name=quotes-0-speaker]").count() == 0
    offer.get_by_role("button", name="Restore").click()
    assert "Farmers want a price per cubic metre." in first_text_block(amira).inner_text()
    assert amira.input_value("[name=quotes-0-speaker]") == "Samira Yousef"
    assert amira.locator("#quotes-0").is_visible()
    assert offer.count() == 0

    leila = editor_tab("Leila", "Farouk", article)
    warning = leila.locator("#other-editors")
    assert warning.is_visible()
    assert "Amira Khalil is also editing this article (opened" in warning.inner_text()
    # Amira's form learns of Leila at its next heartbeat, without a reload.
    amira.wait_for_selector("#other-editors:has-text('Leila Farouk is also editing')",
                            timeout=30_000)  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    amira.screenshot(path=ARTIFACTS / "autosave-restored.png", full_page=True)
    leila.screenshot(path=ARTIFACTS / "autosave-other-editor.png")

    with amira.expect_navigation():
        amira.locator("input[name=_continue]").click()
    assert "cubic metre" in article.text_blocks.get().text
    assert article.quotes.get().speaker == "Samira Yousef"
    assert not ArticleDraft.objects.filter(article=article).exists()


def paste(page, markup: str) -> None:
    """A paste event as the browser fires it, carrying ``markup`` as its HTML."""
    page.evaluate(
        """markup => {
          const data = new DataTransfer();
          data.setData('text/html', markup);
          data.setData('text/plain', 'plain text that must not be used');
          document.activeElement.dispatchEvent(new ClipboardEvent('paste',
            {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        markup,
    )


def saved_markup(article: Article) -> str:
    return "".join(block.text for block in article.text_blocks.all())


def tags_and_attributes(markup: str) -> tuple[set[str], set[str]]:
    fragment = html5lib.parseFragment(markup, treebuilder="dom", namespaceHTMLElements=False)
    tags, attributes = set(), set()

    def walk(node):
        for child in node.childNodes:
            if child.nodeType == child.ELEMENT_NODE:
                tags.add(child.tagName)
                attributes.update(
                    f"{child.tagName}[{name}]" for name, _ in child.attributes.items()
                )
                walk(child)

    walk(fragment)
    return tags, attributes


@pytest.mark.parametrize("clipboard", [WORD, GOOGLE_DOCS], ids=["word", "google-docs"])
def test_pasting_from_an_office_program_keeps_only_the_writing(clipboard, editor_tab, make_article):
    article = make_article("Dam talks resume", status=Article.Status.DRAFT, body="<p>x</p>")
    page = editor_tab("Amira", "Khalil", article)
    first_text_block(page).click()
    page.keyboard.press("ControlOrMeta+a")

    paste(page, clipboard)
    shown = first_text_block(page).inner_html()
    with page.expect_navigation():
        page.locator("input[name=_continue]").click()

    saved = saved_markup(article)
    tags, attributes = tags_and_attributes(saved)
    assert {"p", "strong", "em", "a", "li"} <= tags, (saved, shown)
    assert tags <= KEPT, saved
    assert attributes <= {"a[href]", "a[rel]"}, saved
    assert "plain text that must not be used" not in saved
    assert "docs-internal-guid" not in shown and "mso" not in shown
