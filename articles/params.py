"""What a request says, read once and strictly: ids, page numbers, dates, signed tokens.

Python's ``int()`` and ``str.isdigit()`` accept any Unicode digit ("²", "٣") and numbers
of any size, and a database refuses some characters (NUL) outright; so every number,
date or token taken from a URL, query string or form goes through here: ASCII only,
bounded in length and size, and anything else is "absent" (None), which the caller turns
into a 404 or a form error. Kept in the lowest layer so every app can use it.
"""

import re
from datetime import date

from django import forms
from django.urls import register_converter

# The largest value of a BigAutoField (and of every integer column we look up by).
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What django.core.signing writes: URL-safe base64, ":" between parts, "." for compressed.
_TOKEN = re.compile(r"[A-Za-z0-9_\-:.]{1,1000}")
# What no text column can hold: NUL (PostgreSQL refuses it) and lone surrogates (no
# encoding can write them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_id(value, maximum: int = MAX_ID) -> int | None:
    """A positive whole number written in ASCII digits, at most ``maximum``; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= maximum else None
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


def parse_date(value) -> date | None:
    """An ISO date (2024-05-31) in ASCII digits; else None."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_token(value) -> bool:
    """Could this be a token django.core.signing made? (Its signature is checked later.)"""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def unstorable(text: str) -> bool:
    """Does the text hold a character no database column can store?"""
    return _UNSTORABLE.search(text) is not None


class IdField(forms.Field):
    """A form's reference to a row (a hidden ``parent`` id): ASCII digits, in range."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid": "This is not a valid reference."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(str(value))
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class DateField(forms.DateField):
    """A date as the browser's date picker sends it (2024-05-31), ASCII digits only."""

    default_error_messages = {"invalid": "Enter a date like 2024-05-31."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        parsed = parse_date(str(value).strip())
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class IdConverter:
    """``<id:pk>`` in URL patterns: like ``<int:…>``, but bounded to the id range."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # the resolver then tries the next pattern, or 404s
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class TokenConverter:
    """``<token:token>``: what django.core.signing writes, nothing else."""

    regex = r"[A-Za-z0-9_\-:.]{1,1000}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


def register_converters() -> None:
    register_converter(IdConverter, "id")
    register_converter(TokenConverter, "token")
