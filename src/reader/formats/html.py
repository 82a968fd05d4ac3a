"""HTML input (``.html``, ``.htm``, ``.xhtml``): a web page's main content as blocks.

The content is the page's ``<main>`` (or ``role="main"``), else its only ``<article>``,
else its body; inside it navigation, site headers (all but their headings), footers,
asides, forms, scripts and styles are left out. Blocks follow the same rules as EPUB
chapters (:mod:`reader.formats.xhtml`).

Metadata: the title from ``og:title``, else the content's first ``<h1>``, else
``<title>`` (which usually carries the site's name too); the language from
``<html lang>``; the author and date from meta tags or schema.org microdata.

Encoding: a byte-order mark, else a ``<meta charset>`` or HTTP-equiv declaration (or an
XML declaration) in the first 1024 bytes, else UTF-8, falling back to Windows-1252 with
a notice. As in browsers, "iso-8859-1" and "ascii" labels are read as Windows-1252.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from reader.errors import ReaderError
from reader.formats.base import Parsed, Source
from reader.formats.elements import (
    BOMB,
    HEADINGS,
    all_text,
    html_parser,
    is_entity_bomb,
    is_hidden,
    language_of,
    local,
    xml_parser,
)
from reader.formats.xhtml import Walker

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The prescan of the HTML standard looks at the first 1024 bytes for a declaration; this
# scans bytes, not markup, so a regular expression is the right tool here.
_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)|"""
    rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_WINDOWS_1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "ascii", "us-ascii"}
)
_SNIFF = (b"<!doctype html", b"<html", b"<?xml")

# Field sources in order of preference: meta tag names or properties, and microdata.
_META_FIELDS = {
    "author": ("author", "article:author", "dc.creator", "dcterms.creator", "byl"),
    "date": (
        "article:published_time",
        "datepublished",
        "dcterms.date",
        "dc.date",
        "date",
        "datemodified",
        "article:modified_time",
    ),
    "publisher": ("og:site_name", "publisher", "dc.publisher"),
}


class HtmlFormat:
    """The HTML input format (see the module docstring)."""

    name = "HTML"
    suffixes = frozenset({".html", ".htm", ".xhtml"})

    def sniff(self, source: Source) -> bool:
        """True when the bytes open like an HTML or XHTML document."""
        head = source.data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith(b"<?xml"):
            return b"<html" in source.data[:2048].lower()
        return head.startswith(_SNIFF)

    def parse(self, source: Source) -> Parsed:
        """The page's main content and metadata; refuses binary data with one line."""
        name = str(source.path)
        text, notices = decode(source.data, name)
        root = _parse(text, source.data, name)
        if root is None:
            raise ReaderError(f"{name}: has no HTML content to read")
        language = language_of(root)
        content = main_content(root)
        blocks = Walker("", language, furniture=True).walk(content)
        fields = page_fields(root, content)
        if language:
            fields["language"] = language
        return Parsed(tuple(blocks), fields, tuple(notices))


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """The page's text and notices about its encoding (see the module docstring)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), []
            except UnicodeDecodeError:
                raise ReaderError(
                    f"{name}: starts with a {encoding.upper()} byte-order mark but is not "
                    f"valid {encoding.upper()}; re-save it as UTF-8"
                ) from None
    if b"\x00" in data[:65536]:
        raise ReaderError(f"{name}: this is binary data, not an HTML page")
    declared = _declared_encoding(data[:1024])
    if declared:
        try:
            return data.decode(declared), []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), [f"{name} is not UTF-8; it was read as windows-1252"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), [f"{name} is not UTF-8; it was read as latin-1"]


def _declared_encoding(head: bytes) -> str:
    match = _CHARSET.search(head)
    if not match:
        return ""
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        encoding = codecs.lookup(label).name
    except LookupError:
        return ""
    # A page that says UTF-16 without a byte-order mark is read as UTF-8 (HTML standard).
    return "utf-8" if encoding.startswith("utf-16") else encoding


def _parse(text: str, data: bytes, name: str) -> etree._Element | None:
    """XHTML as XML when it is well-formed XML, else (and for all HTML) the HTML parser."""
    if text.lstrip().startswith("<?xml"):
        try:
            return etree.fromstring(data, xml_parser())
        except etree.XMLSyntaxError as error:
            if is_entity_bomb(error):
                raise ReaderError(f"{name}: refused: the page {BOMB}") from None
    try:
        return etree.fromstring(text, html_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def main_content(root: etree._Element) -> etree._Element:
    """The element holding the page's own text (see the module docstring)."""
    body = next(root.iter("{*}body", "body"), root)
    mains = [
        e
        for e in body.iter()
        if (local(e) == "main" or e.get("role") == "main") and not is_hidden(e)
    ]
    if mains:
        return mains[0]
    articles = [e for e in body.iter() if local(e) == "article" and not is_hidden(e)]
    return articles[0] if len(articles) == 1 else body


def page_fields(root: etree._Element, content: etree._Element) -> dict[str, str]:
    """Title, author, date and the like from the page's head and microdata."""
    found: dict[str, str] = {}
    for element in root.iter():
        tag = local(element)
        key = (element.get("property") or element.get("name") or "").lower()
        if tag == "meta" and key and element.get("content"):
            found.setdefault(key, element.get("content", ""))
        prop = (element.get("itemprop") or "").lower()
        if prop and tag != "meta":
            value = element.get("content") or element.get("datetime") or all_text(element)
            found.setdefault(prop, value)
        elif prop and element.get("content"):
            found.setdefault(prop, element.get("content", ""))
    fields: dict[str, str] = {}
    title = found.get("og:title") or found.get("headline") or _first_h1(content)
    if not title:
        head_title = next((e for e in root.iter("{*}title", "title")), None)
        title = all_text(head_title) if head_title is not None else ""
    if title.strip():
        fields["title"] = " ".join(title.split())
    for field, keys in _META_FIELDS.items():
        value = next((found[k] for k in keys if found.get(k, "").strip()), "")
        # article:author is often the author's page; a URL is no name to read out.
        if value and not value.startswith(("http://", "https://")):
            fields[field] = " ".join(value.split())
    return fields


def _first_h1(content: etree._Element) -> str:
    for element in content.iter():
        if local(element) in HEADINGS and HEADINGS[local(element)] == 1:
            return all_text(element)
    return ""


FORMAT = HtmlFormat()
