"""Signed cookies exactly as Django's ``set_signed_cookie`` writes them."""

from django.core import signing


def cookie_signer(key, salt):
    return signing.get_cookie_signer(salt=signing._cookie_signer_salt(key, salt))


def signed_cookie(key, salt, value):
    """A cookie as Django's set_signed_cookie would write it."""
    return cookie_signer(key, salt).sign(value)
