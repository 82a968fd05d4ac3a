"""Parsing XHTML and HTML safely, and asking an element what it is.

Parsing is lxml's, never regular expressions. XML is parsed without entity expansion,
without network or DTD loading and without libxml2's huge-tree mode, so an external
entity stays an inert node; a document that is not well-formed XML is read again with the
forgiving HTML parser rather than lost, unless libxml2 stopped on an entity bomb. Named
entity references left unexpanded (``&nbsp;`` under an XHTML 1.1 DOCTYPE) are mapped from
the HTML entity table.
"""

from __future__ import annotations

import html.entities

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"

BOMB = "declares XML entities that expand beyond limits (an entity bomb)"
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements whose content starts a new block; everything else is read as running text.
BLOCK_TAGS = frozenset(
    {
        *HEADINGS,
        *"p div section article main aside header footer nav blockquote pre ul ol li dl dt dd"
        " table caption figure figcaption hr address details summary hgroup body center"
        " fieldset form legend menu dialog".split(),
    }
)
NEVER_READ = frozenset(
    "head script style template noscript title button input select textarea option"
    " object iframe video audio canvas embed map rt rp".split()
)
# Page furniture left out of a web page (never of a book chapter): navigation, site
# headers and footers, sidebars and forms.
FURNITURE = frozenset({"nav", "header", "footer", "aside", "form", "dialog"})
NOTE_TYPES = frozenset(
    {"footnote", "endnote", "rearnote", "note", "footnotes", "endnotes", "rearnotes"}
)
NOTE_ROLES = frozenset({"doc-footnote", "doc-endnote", "doc-endnotes", "doc-footnotes"})
NOTE_CLASSES = frozenset({"footnote", "footnotes", "endnote", "endnotes"})
NOTEREF_CLASSES = frozenset({"footnote-ref", "noteref", "footnote-reference", "fnref"})
BACKLINK_CLASSES = frozenset({"footnote-back", "footnote-backref", "backlink"})


def xml_parser() -> etree.XMLParser:
    """A hardened XML parser: no entity expansion, no network, no DTD, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )


def html_parser() -> etree.HTMLParser:
    """The forgiving HTML parser, with the same hardening as :func:`xml_parser`."""
    return etree.HTMLParser(no_network=True, huge_tree=False, remove_pis=True)


def is_entity_bomb(error: etree.XMLSyntaxError) -> bool:
    """True when libxml2 stopped because entity declarations would expand beyond its
    limits (billion laughs). Such a document is refused, not re-read as HTML: the HTML
    parser would read the declarations out as text."""
    message = str(error.msg or "").lower()
    return "amplification" in message or "entity reference loop" in message


def parse_markup(data: bytes) -> etree._Element:
    """An XHTML document as XML, or as HTML when it is not well-formed XML (common in
    books made by hand). Raises ``etree.XMLSyntaxError`` for an entity bomb and when
    neither parser can make a tree of it."""
    try:
        return etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as error:
        if is_entity_bomb(error):
            raise
        root = etree.fromstring(data, html_parser())
        if root is None:
            raise
        return root


def all_text(element: etree._Element) -> str:
    """Every text node under ``element``, joined (lxml's stubs type them as str or bytes)."""
    return "".join(str(text) for text in element.itertext())


def local(element: etree._Element) -> str:
    """The lower-case local name of an element ("" for comments and entities)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].lower()


def language_of(element: etree._Element) -> str:
    """The element's own ``xml:lang`` or ``lang`` ("" when it has none)."""
    return (element.get(XML_LANG) or element.get("lang") or "").strip()


def same_language(first: str, second: str) -> bool:
    """True when two BCP 47 tags name the same language for narration: the primary
    subtags match and, when both give a region or script, so do those ("en" is "en-US",
    "en-GB" is not "en-US")."""
    a, b = first.lower().replace("_", "-").split("-"), second.lower().replace("_", "-").split("-")
    if a[0] != b[0]:
        return False
    return len(a) == 1 or len(b) == 1 or a[1:] == b[1:]


def semantic_types(element: etree._Element) -> set[str]:
    """The element's ``epub:type`` and ``role`` tokens (namespaced or, from the HTML
    parser, as a plain ``epub:type`` attribute)."""
    raw = (element.get(EPUB_TYPE) or element.get("epub:type") or "") + " "
    raw += element.get("role") or ""
    return set(raw.split())


def classes(element: etree._Element) -> set[str]:
    """The element's class tokens, lower-cased."""
    return set((element.get("class") or "").lower().split())


def is_hidden(element: etree._Element) -> bool:
    """True for content nobody sees: ``hidden``, ``aria-hidden="true"``, ``display:none``."""
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style


def fragment(href: str) -> str:
    """The fragment of an href ("" when it has none)."""
    return href.partition("#")[2] if "#" in href else ""


def is_noteref(element: etree._Element) -> bool:
    """A link to a footnote: marked as one, or a short superscript link to a fragment
    (the EPUB 2 habit: ``<sup><a href="#fn1">1</a></sup>``)."""
    if local(element) != "a":
        return False
    if semantic_types(element) & {"noteref", "doc-noteref"} or classes(element) & NOTEREF_CLASSES:
        return True
    href = element.get("href") or ""
    if not fragment(href):
        return False
    text = all_text(element).strip()
    parent = element.getparent()
    in_sup = (parent is not None and local(parent) == "sup") or any(
        local(child) == "sup" for child in element
    )
    return in_sup and 0 < len(text) <= 5


def is_backlink(element: etree._Element) -> bool:
    """A link from a note back to its reference (not read)."""
    return local(element) == "a" and bool(
        semantic_types(element) & {"doc-backlink", "backlink"}
        or classes(element) & BACKLINK_CLASSES
    )


def note_markers(root: etree._Element) -> dict[str, str]:
    """The ids that note references in ``root`` point at, with each reference's marker
    ("1", "*"), so that a note can be read with the marker its reference lost."""
    markers: dict[str, str] = {}
    for link in root.iter("{*}a", "a"):
        target = fragment(link.get("href") or "")
        if target and is_noteref(link):
            markers.setdefault(target, " ".join(all_text(link).split()))
    return markers


def entity_text(node: etree._Entity) -> str:
    """The character of an unexpanded named HTML entity ("" for any other entity)."""
    name = str(node.text or "").strip("&;")
    return html.entities.html5.get(name + ";", "")
