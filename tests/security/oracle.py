"""A structural XSS oracle: parse output as a browser would, then look for what must not be.

String matching cannot tell ``&lt;script&gt;`` from ``<script>`` or see a scheme hidden
behind entities, tabs and control characters; an HTML5 parser can. Each check returns a
list of findings (empty means clean), so a test can print what it found before failing.

Two spec-conformant HTML5 parsers can build the tree: html5lib (pure Python, the
reference) and Lexbor through selectolax (C, about a hundred times faster), which the
large vector sweep uses; the oracle's own tests hold both to the same verdicts.
"""

import json
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from xml.etree import ElementTree

import html5lib
from selectolax.lexbor import LexborHTMLParser

from articles.markup import (
    ALLOWED_URL_SCHEMES,
    COMMENT_LINK_REL,
    COMMENT_TAGS,
    EDITORIAL_TAGS,
    FEED_ATTRIBUTES,
    FEED_TAGS,
)

# Attributes a browser resolves as a URL (or a list of URLs) on some element.
URL_ATTRIBUTES = {
    "href", "src", "srcset", "imagesrcset", "action", "formaction", "xlink:href", "data",
    "poster", "cite", "background", "codebase", "longdesc", "usemap", "manifest", "icon",
    "ping", "dynsrc", "lowsrc", "archive", "classid", "profile", "itemtype", "xml:base",
}  # fmt: skip
SPACE_SEPARATED_URLS = {"ping", "archive"}

# Elements the site's own templates write (public pages and the Django admin).
PAGE_ELEMENTS = {
    "html", "head", "meta", "title", "link", "script", "body", "a", "header", "div", "p",
    "form", "label", "input", "button", "nav", "ul", "ol", "li", "main", "footer", "strong",
    "span", "h1", "h2", "h3", "article", "time", "section", "figure", "picture", "source",
    "img", "figcaption", "blockquote", "q", "small", "fieldset", "legend", "textarea",
    "select", "option", "aside", "mark", "br", "em", "optgroup",
}  # fmt: skip
ADMIN_ELEMENTS = PAGE_ELEMENTS | {
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
    "details", "summary", "dl", "dt", "dd", "h4", "hr", "code", "pre",
    "kbd",  # the comment queue's keyboard legend
    "svg", "use", "symbol", "path", "g",  # the admin's own icons
}  # fmt: skip

# Sanitised regions of a page, found by class, and the policy each must keep to.
REGIONS = {"block": EDITORIAL_TAGS, "comment-body": COMMENT_TAGS, "reported": COMMENT_TAGS}
# Inside a region, the template's own additions (the passage links) are not user HTML.
TEMPLATE_INSERTS = {"passage-link"}

_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
JSON_SCRIPT_TYPES = {"application/ld+json", "application/json"}
ATOM = "{http://www.w3.org/2005/Atom}"
# Feed elements whose text is HTML (escaped into the XML); the rest of a feed is text.
HTML_FEED_ELEMENTS = {"description", f"{ATOM}summary"}
# The whole body: escaped HTML within the feed policy (articles.markup.clean_feed).
BODY_FEED_ELEMENTS = {f"{ATOM}content", "{http://purl.org/rss/1.0/modules/content/}encoded"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list["Node"] = field(default_factory=list)
    text: str = ""  # raw text of script-like elements

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


# --- Parsing ------------------------------------------------------------------------------

_XLINK = "{http://www.w3.org/1999/xlink}"
_XML = "{http://www.w3.org/XML/1998/namespace}"


def _local(name: str) -> str:
    name = name.replace(_XLINK, "xlink:").replace(_XML, "xml:")
    return name.rsplit("}", 1)[-1] if name.startswith("{") else name


def _from_etree(element) -> Node:
    node = Node(
        _local(element.tag).lower(),
        {_local(str(key)).lower(): value for key, value in element.attrib.items()},
    )
    if node.tag in {"script", "style", "title", "textarea"}:
        node.text = element.text or ""
    node.children = [_from_etree(child) for child in element if isinstance(child.tag, str)]
    return node


def _from_lexbor(element) -> Node:
    node = Node(
        element.tag.lower(),
        {key.lower(): value or "" for key, value in element.attributes.items()},
    )
    if node.tag in {"script", "style", "title", "textarea"}:
        node.text = element.text(deep=True)
    node.children = [
        _from_lexbor(child)
        for child in element.iter(include_text=False)
        if not child.tag.startswith("-")  # comments
    ]
    return node


def parse(markup: str, parser: str = "html5lib") -> Node:
    """A whole document, as a browser builds it."""
    if parser == "lexbor":
        return _from_lexbor(LexborHTMLParser(markup).root)
    return _from_etree(html5lib.parse(markup, namespaceHTMLElements=False))


def parse_fragment(markup: str, parser: str = "html5lib") -> Node:
    """Markup as the inside of a <div> in a page body."""
    root = parse(
        f"<!doctype html><html><head></head><body><div>{markup}</div></body></html>", parser
    )
    body = next(node for node in root.walk() if node.tag == "body")
    return Node("fragment", {}, [child for div in body.children for child in div.children])


# --- URLs ---------------------------------------------------------------------------------


def url_scheme(value: str) -> str:
    """The scheme a browser sees: C0 controls and spaces trimmed, tabs and newlines gone."""
    value = value.strip(_C0_OR_SPACE)
    value = re.sub(r"[\t\n\r]", "", value).lower()
    match = _SCHEME.match(value)
    return match[1] if match else ""


def url_values(name: str, value: str) -> list[str]:
    if name in {"srcset", "imagesrcset"}:
        return [candidate.strip().split(" ")[0] for candidate in value.split(",")]
    if name in SPACE_SEPARATED_URLS:
        return value.split()
    return [value]


def bad_url(value: str) -> bool:
    scheme = url_scheme(value)
    return bool(scheme) and scheme not in ALLOWED_URL_SCHEMES


# --- Checks -------------------------------------------------------------------------------


def attribute_findings(node: Node) -> list[str]:
    found = []
    for name, value in node.attrs.items():
        if name.startswith("on") or name in {"style", "srcdoc", "http-equiv"}:
            found.append(f"<{node.tag} {name}={value[:60]!r}>")
        elif name in URL_ATTRIBUTES and any(bad_url(url) for url in url_values(name, value)):
            found.append(f"<{node.tag} {name}={value[:60]!r}>: scheme {url_scheme(value)!r}")
    return found


def script_findings(node: Node) -> list[str]:
    """A script is data (JSON that cannot end its element) or a file of this site."""
    kind = node.attrs.get("type", "").strip().lower()
    if kind in JSON_SCRIPT_TYPES and "src" not in node.attrs:
        return json_ld_findings(node.text)
    src = node.attrs.get("src", "")
    if src.startswith("/") and not src.startswith("//") and not node.text.strip():
        return []
    return [f"<script {node.attrs}>{node.text[:60]!r}"]


def json_ld_findings(text: str) -> list[str]:
    found = []
    lowered = text.lower()
    for marker in ("</script", "<!--"):
        if marker in lowered:
            found.append(f"JSON script contains {marker!r}")
    try:
        json.loads(text)
    except ValueError as error:
        found.append(f"JSON script does not parse: {error}")
    return found


def fragment_findings(
    root: Node, allowed: set[str], *, comment_links: bool = False, attributes=None
) -> list[str]:
    """Sanitiser output: only ``allowed`` elements, clean attributes, comment links marked.

    With ``attributes`` (a sanitiser policy's map, tag → names), every attribute must be
    one of the policy's; ``rel`` on links is added by the sanitiser itself.
    """
    found = []
    for node in root.walk():
        if node is root:
            continue
        if node.tag not in allowed:
            found.append(f"<{node.tag}> outside the policy")
        if attributes is not None:
            permitted = attributes.get(node.tag, set()) | attributes.get("*", set())
            extra = set(node.attrs) - permitted - ({"rel"} if node.tag == "a" else set())
            if extra:
                found.append(f"<{node.tag}> attributes outside the policy: {sorted(extra)}")
        found += attribute_findings(node)
        if comment_links and node.tag == "a":
            rel = set(node.attrs.get("rel", "").split())
            missing = set(COMMENT_LINK_REL.split()) - rel
            if missing:
                found.append(f"comment link without rel {sorted(missing)}: {node.attrs}")
    return found


def check_fragment(
    markup: str, allowed: set[str], *, comment_links=False, attributes=None, parser="html5lib"
):
    return fragment_findings(
        parse_fragment(markup, parser),
        allowed,
        comment_links=comment_links,
        attributes=attributes,
    )


def page_findings(markup: str, *, admin: bool = False, parser: str = "html5lib") -> list[str]:
    """A rendered page: template elements outside sanitised regions, policy inside them."""
    vocabulary = ADMIN_ELEMENTS if admin else PAGE_ELEMENTS
    found = []

    def visit(node: Node, policy: set[str] | None, in_head: bool, path: str = "") -> None:
        tag = node.tag
        node_path = f"{path}>{tag}.{'.'.join(sorted(node.classes))}"
        if policy is not None and tag not in policy:
            found.append(f"<{tag}> outside the sanitiser policy")
        elif policy is None and tag not in vocabulary:
            found.append(f"<{tag}> is not an element of this page (in {node_path})")
        elif not in_head and tag in {"meta", "link", "title"}:
            found.append(f"<{tag}> in the body")
        found.extend(attribute_findings(node))
        if tag == "script":
            found.extend(script_findings(node))
        if policy is COMMENT_TAGS and tag == "a":
            rel = set(node.attrs.get("rel", "").split())
            if not set(COMMENT_LINK_REL.split()) <= rel:
                found.append(f"comment link without rel nofollow ugc noopener: {node.attrs}")
        inner = policy
        for name in node.classes:
            if policy is None and name in REGIONS:
                inner = REGIONS[name]
        for child in node.children:
            if inner is not None and child.classes & TEMPLATE_INSERTS:
                continue
            visit(child, inner, in_head or tag == "head", node_path)

    visit(parse(markup, parser), None, False)
    return found


def feed_findings(xml: bytes, parser: str = "html5lib") -> tuple[list[str], int]:
    """An RSS or Atom feed: well-formed XML whose HTML-bearing parts hold no markup.

    Returns the findings and how many items were read. Titles, categories, names and
    Media RSS texts are plain text by the formats' definitions; descriptions and Atom
    summaries are escaped HTML, so they are unescaped and parsed as HTML here; bodies
    (RSS content:encoded, Atom content) likewise, held to the feed policy.
    """
    root = ElementTree.fromstring(xml)
    found, items = [], 0
    for element in root.iter():
        name = _local(element.tag)
        if name in {"item", "entry"}:
            items += 1
        if element.tag in HTML_FEED_ELEMENTS and element.text:
            found += check_fragment(element.text, set(), parser=parser)
        if element.tag in BODY_FEED_ELEMENTS and element.text:
            found += check_fragment(
                element.text, FEED_TAGS, attributes=FEED_ATTRIBUTES, parser=parser
            )
        for key, value in element.attrib.items():
            if _local(key) in {"href", "url", "uri"} and bad_url(value):
                found.append(f"feed URL {value[:60]!r}")
        if name == "uri" and element.text and bad_url(element.text):
            found.append(f"feed URL {element.text[:60]!r}")
    return found, items


def mail_findings(message, parser: str = "html5lib") -> list[str]:
    """A mail as sent: one-line headers, no header smuggled in, HTML parts clean."""
    found = []
    if any(char in str(message.subject) for char in "\r\n"):
        return [f"subject spans lines: {message.subject!r}"]  # Django would refuse to send it
    sent = message.message()
    raw = sent.as_bytes()
    parsed = message_from_bytes(raw)
    if sorted(parsed.keys()) != sorted(sent.keys()):
        found.append(f"headers differ after sending: {sorted(parsed.keys())}")
    for part in parsed.walk():
        if part.get_content_maintype() == "multipart":
            continue
        kind = part.get_content_type()
        if kind == "text/html":
            markup = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            found += page_findings(markup, parser=parser)
        elif kind != "text/plain":
            found.append(f"unexpected part {kind}")
    return found
