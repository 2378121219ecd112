"""Reading a page as a browser does: parse it, find elements, take the text a reader sees."""

import html5lib


def parse(response):
    """The page as a browser reads it, in the encoding its Content-Type names."""
    return html5lib.parse(
        response.content,
        treebuilder="dom",
        namespaceHTMLElements=False,
        transport_encoding=response.charset,
    )


def text_of(node) -> str:
    """The text a reader sees in an element, whitespace squashed (like textContent)."""

    def walk(element):
        for child in element.childNodes:
            if child.nodeType == child.TEXT_NODE:
                yield child.data
            else:
                yield from walk(child)

    return " ".join("".join(walk(node)).split())


def find(document, tag, class_name=None):
    """The document's ``tag`` elements, only those carrying ``class_name`` if one is given."""
    return [
        element
        for element in document.getElementsByTagName(tag)
        if class_name is None or class_name in element.getAttribute("class").split()
    ]
