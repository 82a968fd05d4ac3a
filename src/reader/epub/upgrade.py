"""EPUB 2 to EPUB 3, as far as Media Overlays need and no further.

The package: ``version="3.0"``; the OPF 2 attributes EPUB 3 does not allow on Dublin Core
become what EPUB 3 says instead (``opf:role`` and ``opf:file-as`` become ``refines``
metadata; ``opf:scheme`` and ``opf:event`` are dropped, and of several dates the
publication date is kept); ``dcterms:modified`` is added by the package editor. The NCX
is kept (EPUB 2 reading systems use it) and a navigation document is made from it. Each
XHTML content document gets the HTML doctype, and named entity references (``&nbsp;``,
declared only by the XHTML 1.1 DTD) become the characters they stand for.

Unsafe, so refused with one line: a content document that uses markup XHTML 1.1 allowed
and EPUB 3 (HTML) does not (``<a name>``, ``align``, ``<font>`` ...): EPUBCheck would
report errors the book did not have, and fixing them would change the book's markup.
"""

from __future__ import annotations

from lxml import etree

from reader.epub import escape
from reader.errors import ReaderError
from reader.formats.elements import entity_text, local

OPF_ATTR = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
HTML_DOCTYPE = "<!DOCTYPE html>"
OBSOLETE_ELEMENTS = frozenset(
    "font center big tt strike acronym applet basefont dir frame frameset noframes isindex"
    " marquee blink listing xmp plaintext".split()
)
OBSOLETE_ATTRIBUTES = frozenset(
    "align valign bgcolor background border hspace vspace clear nowrap compact summary"
    " cellpadding cellspacing rules axis rev longdesc noshade char charoff".split()
)
# Attributes obsolete only on some elements.
OBSOLETE_ON = {("a", "name"), ("img", "name"), ("table", "width"), ("td", "width"),
               ("th", "width"), ("td", "height"), ("th", "height"), ("col", "width"),
               ("ul", "type"), ("li", "type"), ("link", "target"), ("html", "version"),
               ("head", "profile"), ("meta", "scheme"), ("script", "language"),
               ("a", "charset"), ("link", "charset"), ("script", "charset"), ("a", "shape"),
               ("a", "coords"), ("table", "frame"), ("td", "abbr"), ("hr", "size")}  # fmt: skip


def obsolete_markup(root: etree._Element) -> str:
    """The first markup in ``root`` that HTML (EPUB 3) does not allow, or ""."""
    for element in root.iter():
        tag = local(element)
        if not tag:
            continue
        if tag in OBSOLETE_ELEMENTS:
            return f"<{tag}>"
        for name in element.attrib:
            attribute = str(name).rpartition("}")[2]
            if "}" in str(name):
                continue
            if attribute in OBSOLETE_ATTRIBUTES or (tag, attribute) in OBSOLETE_ON:
                return f"<{tag} {attribute}>"
    return ""


def check_content(root: etree._Element, name: str, path: str) -> None:
    """Raise ``ReaderError`` unless the EPUB 2 content document can become EPUB 3 without
    changing its markup (see the module docstring)."""
    found = obsolete_markup(root)
    if found:
        raise ReaderError(
            f"{name}: is an EPUB 2 book whose {path} uses {found}, which EPUB 3 does not "
            "allow; a read-along edition would have to change its markup: convert the book "
            "to EPUB 3 first (e.g. with Calibre) and render it again"
        )
    for node in root.iter(etree.Entity):
        if not entity_text(node):
            raise ReaderError(
                f"{name}: {path} uses the entity {node.text}, which EPUB 3 cannot declare; "
                "convert the book to EPUB 3 first (e.g. with Calibre)"
            )


def upgrade_content(root: etree._Element, name: str, path: str) -> bytes:
    """An EPUB 2 content document as EPUB 3 (see the module docstring); raises
    ``ReaderError`` when that is not safe."""
    check_content(root, name, path)
    for node in list(root.iter(etree.Entity)):
        character = entity_text(node)
        parent = node.getparent()
        assert parent is not None
        previous = node.getprevious()
        tail = character + (node.tail or "")
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(node)
    # The root element, not its tree: the tree would write its XHTML 1.1 doctype.
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype=HTML_DOCTYPE)


def _new_id(root: etree._Element, wanted: str) -> str:
    taken = {node.get("id") for node in root.iter()}
    ident, count = wanted, 1
    while ident in taken:
        count += 1
        ident = f"{wanted}-{count}"
    return ident


def upgrade_package(opf: etree._Element) -> None:
    """The package document of an EPUB 2 book as EPUB 3 metadata (in place)."""
    ns = etree.QName(opf).namespace or "http://www.idpf.org/2007/opf"
    opf.set("version", "3.0")
    metadata = opf.find(f"{{{ns}}}metadata")
    if metadata is None:
        return
    dates = list(metadata.iter(f"{DC}date"))
    published = [d for d in dates if d.get(f"{OPF_ATTR}event") == "publication"]
    for date in dates:
        if date is not (published or dates)[0]:
            parent = date.getparent()
            assert parent is not None
            parent.remove(date)
    refined: list[tuple[str, str, str]] = []
    for element in list(metadata.iter()):
        for attribute in ("role", "file-as"):
            value = element.attrib.pop(f"{OPF_ATTR}{attribute}", "")
            if value:
                ident = element.get("id") or _new_id(opf, "meta-" + local(element))
                element.set("id", ident)
                refined.append((ident, attribute, str(value)))
        for attribute in ("scheme", "event"):
            element.attrib.pop(f"{OPF_ATTR}{attribute}", "")
    # With the opf: attributes gone, so is the prefix: new elements take the default one.
    etree.cleanup_namespaces(opf)
    for ident, prop, value in refined:
        meta = etree.SubElement(metadata, f"{{{ns}}}meta")
        meta.set("refines", f"#{ident}")
        meta.set("property", prop)
        if prop == "role":
            meta.set("scheme", "marc:relators")
        meta.text = value
        meta.tail = "\n"


def nav_from_ncx(ncx: etree._Element, hrefs: dict[str, str], title: str, lang: str) -> str:
    """A navigation document listing the NCX's points (``hrefs`` maps each NCX ``src``
    to an href relative to the navigation document)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        HTML_DOCTYPE,
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        f' lang="{escape.attr(lang)}" xml:lang="{escape.attr(lang)}">',
        f"<head><title>{escape.text(title)}</title></head>",
        "<body>",
        '<nav epub:type="toc" id="toc">',
        f"<h1>{escape.text(title)}</h1>",
    ]

    def points(parent: etree._Element) -> None:
        children = list(parent.iterfind("{*}navPoint"))
        if not children:
            return
        lines.append("<ol>")
        for point in children:
            label = point.find("{*}navLabel/{*}text")
            content = point.find("{*}content")
            text = (
                " ".join("".join(map(str, label.itertext())).split()) if label is not None else ""
            )
            src = content.get("src", "") if content is not None else ""
            target = hrefs.get(src, "")
            if target:
                lines.append(f'<li><a href="{escape.attr(target)}">{escape.text(text or src)}</a>')
            else:
                lines.append(f"<li><span>{escape.text(text or 'Untitled')}</span>")
            points(point)
            lines.append("</li>")
        lines.append("</ol>")

    nav_map = ncx.find("{*}navMap")
    if nav_map is None or nav_map.find("{*}navPoint") is None:
        lines.append("<ol><li><span>Contents</span></li></ol>")
    else:
        points(nav_map)
    lines += ["</nav>", "</body>", "</html>", ""]
    return "\n".join(lines)
