"""The signed tokens in every newsletter mail: one for a reader's preferences page and one
per (reader, newsletter) for one-click unsubscribe. They carry ids only, never the address,
and do not expire: a link in a mail from last year still lets its reader leave."""

from django.core import signing

PREFERENCES_SALT = "newsletters.preferences"
UNSUBSCRIBE_SALT = "newsletters.unsubscribe"


def preferences_token(reader_id: int) -> str:
    return signing.dumps(reader_id, salt=PREFERENCES_SALT)


def unsubscribe_token(reader_id: int, newsletter_id: int) -> str:
    return signing.dumps([reader_id, newsletter_id], salt=UNSUBSCRIBE_SALT)


def read_preferences(token: str) -> int | None:
    """The reader id in a preferences token, or None when it was not signed by us."""
    try:
        value = signing.loads(token, salt=PREFERENCES_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def read_unsubscribe(token: str) -> tuple[int, int] | None:
    """(reader id, newsletter id) in an unsubscribe token, or None when not ours."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    return None
