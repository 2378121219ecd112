"""Browsers for the access tests: each role's client, its CSRF token, and form reading."""

import html5lib
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string


class Browser:
    """A browser that enforces CSRF like a real one and posts the token its page gave it.

    The token is a CSRF cookie plus the same secret in the form, which is what a page
    rendered with ``{% csrf_token %}`` leaves in a browser. With ``send_token`` off it
    posts without the token but with its cookies, as a forged cross-site form would.
    """

    def __init__(self, role: str, user=None, cookies: dict | None = None):
        self.role = role
        self.send_token = True
        self.client = Client(enforce_csrf_checks=True)
        self.secret = get_random_string(32)
        self.client.cookies[settings.CSRF_COOKIE_NAME] = self.secret
        for name, value in (cookies or {}).items():
            self.client.cookies[name] = value
        if user is not None:
            self.client.force_login(user)

    def get(self, url: str, **extra):
        return self.client.get(url, **extra)

    def post(self, url: str, data: dict | None = None, **extra):
        data = dict(data or {})
        if self.send_token:
            data["csrfmiddlewaretoken"] = self.secret
        return self.client.post(url, data, **extra)


def admin_form(response) -> dict:
    """The admin change form's fields as a browser would post them (``<model>_form``).

    Checkboxes and radios only when checked; a select's selected options (all of them
    for a multiple select), else its first option; textareas without Django's leading
    newline. Inline templates (``__prefix__``) are left out.
    """
    assert response.status_code == 200, response.status_code
    tree = html5lib.parse(response.content.decode(), namespaceHTMLElements=False)
    form = next((f for f in tree.iter("form") if (f.get("id") or "").endswith("_form")), None)
    assert form is not None, "no admin change form on the page"
    data: dict[str, object] = {}
    for element in form.iter():
        name = element.get("name")
        if not name or "__prefix__" in name:
            continue
        if element.tag == "input":
            kind = element.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                continue
            if kind in ("checkbox", "radio") and element.get("checked") is None:
                continue
            data[name] = element.get("value") or ("on" if kind == "checkbox" else "")
        elif element.tag == "textarea":
            data[name] = (element.text or "").removeprefix("\n")
        elif element.tag == "select":
            options = list(element.iter("option"))
            chosen = [o.get("value") or "" for o in options if o.get("selected") is not None]
            if element.get("multiple") is not None:
                if chosen:
                    data[name] = chosen
            elif chosen or options:
                data[name] = (chosen or [options[0].get("value") or ""])[0]
    data["_save"] = "Save"
    return data
