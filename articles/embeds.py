"""Which addresses an article may embed, and the player each one plays in.

The interface is one function: ``parse(url)`` returns an ``Embeddable`` (the provider's
name and the address of its player, for an iframe) or raises ``ValidationError`` naming
the providers we support. To support another provider, add a ``Provider`` to
``PROVIDERS``: its name, the hosts its addresses use, and a function from a parsed
address to the player's address (or None when the address is not one it can play).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Embeddable:
    provider: str
    player_url: str


@dataclass(frozen=True)
class Provider:
    name: str
    hosts: frozenset[str]
    player: Callable  # (SplitResult) -> str | None


_YOUTUBE_ID = re.compile(r"[\w-]{11}")
_VIMEO_ID = re.compile(r"\d{1,12}")


def _youtube(address) -> str | None:
    path = address.path.strip("/").split("/")
    if address.hostname == "youtu.be":
        video = path[0]
    elif path[0] == "watch":
        video = parse_qs(address.query).get("v", [""])[0]
    elif path[0] in ("embed", "shorts", "live") and len(path) > 1:
        video = path[1]
    else:
        return None
    # The privacy-enhanced host: no cookies until the reader plays the video.
    return (
        f"https://www.youtube-nocookie.com/embed/{video}" if _YOUTUBE_ID.fullmatch(video) else None
    )


def _vimeo(address) -> str | None:
    path = address.path.strip("/").split("/")
    video = path[-1] if path else ""
    return f"https://player.vimeo.com/video/{video}?dnt=1" if _VIMEO_ID.fullmatch(video) else None


PROVIDERS = [
    Provider(
        "YouTube",
        frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}),
        _youtube,
    ),
    Provider("Vimeo", frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"}), _vimeo),
]


def supported() -> str:
    return ", ".join(provider.name for provider in PROVIDERS)


def parse(url: str) -> Embeddable:
    """The provider and player of an address we can embed; ValidationError otherwise."""
    try:
        address = urlsplit((url or "").strip())
        host = (address.hostname or "").lower()
    except ValueError:  # e.g. a malformed IPv6 host
        address, host = None, ""
    if address is not None and address.scheme in ("http", "https"):
        for provider in PROVIDERS:
            if host in provider.hosts:
                player = provider.player(address)
                if player:
                    return Embeddable(provider.name, player)
                raise ValidationError(
                    f"This {provider.name} address does not point at something to embed; "
                    "paste the address of the video itself.",
                    code="embed_address",
                )
    raise ValidationError(
        f"This address cannot be embedded. Supported: {supported()}.", code="embed_provider"
    )
