"""Driving the article admin as a browser does: its URLs, reading and posting its form.

Every save posts what a browser would post: the change form is fetched, its fields read
back (management forms of every inline included) and then edited.
"""

from datetime import UTC, datetime
from html.parser import HTMLParser

from django.urls import reverse
from django.utils import timezone

from articles.models import Article

ADD_URL = reverse("admin:articles_article_add")
CHANGELIST_URL = reverse("admin:articles_article_changelist")
# Far enough ahead that no clock running the suite reaches it.
FUTURE = datetime(2099, 6, 1, 9, 30, tzinfo=UTC)


def change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the admin's ``article_form``."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = attrs.get("id") == "article_form"
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            # A ticked box without a value attribute is sent as "on".
            default = "on" if attrs.get("type") == "checkbox" else ""
            self.data[name] = attrs.get("value", default) or ""
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            if chosen or self._options:
                # A browser sends the selected option, or the first one when none is.
                self.data[self._select] = (chosen or [self._options[0][0]])[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            # Django renders a newline after <textarea>, which browsers drop.
            value = self.data[self._textarea] + data
            self.data[self._textarea] = value.removeprefix("\n")


def form_data(response) -> dict[str, str]:
    """The article form's fields as a browser would post them, ready to edit and post."""
    assert response.status_code == 200, response.status_code
    reader = _FormReader()
    reader.feed(response.content.decode())
    data = {name: value for name, value in reader.data.items() if "__prefix__" not in name}
    assert "version" in data and "bylines-TOTAL_FORMS" in data, "not an article form"
    data["_save"] = "Save"
    return data


def add_row(data: dict, prefix: str, **fields) -> dict:
    """Append a row to an inline, the way the "Add another" link does."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": str(value) for name, value in fields.items()})
    return data


def split_datetime(name: str, when: datetime) -> dict[str, str]:
    """The two inputs of the admin's date-and-time widget."""
    when = timezone.localtime(when)
    return {f"{name}_0": f"{when:%Y-%m-%d}", f"{name}_1": f"{when:%H:%M:%S}"}


def errors(response) -> list[str]:
    """Every form and inline error the admin shows above the change form."""
    assert response.status_code == 200, f"expected the form again, got {response.status_code}"
    messages = []
    for item in response.context["errors"]:
        messages.extend([item] if isinstance(item, str) else list(item))
    return [str(message) for message in messages]


def field_errors(response, name: str) -> list[str]:
    assert response.status_code == 200, f"expected the form again, got {response.status_code}"
    return list(response.context["adminform"].form.errors.get(name, []))


def assert_saved(response):
    assert response.status_code == 302, errors(response)


def set_text(data: dict, html: str, index: int = 0) -> dict:
    """Write ``html`` into the body's text block ``index`` (the add form has one empty)."""
    data[f"text_blocks-{index}-text"] = html
    if data.get(f"text_blocks-{index}-ordering") in (None, "", "0"):
        data[f"text_blocks-{index}-ordering"] = str(10 * (index + 1))
    return data


def new_article_data(client, section, body="<p>Talks.</p>", **fields) -> dict:
    data = form_data(client.get(ADD_URL))
    data.update(headline="Dam talks resume", section=str(section.pk))
    set_text(data, body)
    data.update({name: str(value) for name, value in fields.items()})
    return data


def post_action(client, action: str, *articles: Article):
    return client.post(
        CHANGELIST_URL,
        {"action": action, "index": "0", "_selected_action": [a.pk for a in articles]},
    )
