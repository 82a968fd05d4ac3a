"""An EPUB book's package: the container file, the package document (metadata, manifest,
spine) and the table of contents (the EPUB 3 navigation document or the EPUB 2 NCX).

Every path here is a member path inside the container (``OEBPS/text/ch1.xhtml``),
resolved from the href of the file that names it; an href that leaves the container
resolves to None and is treated as missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from lxml import etree

from reader.errors import ReaderError
from reader.formats.elements import (
    BOMB,
    all_text,
    is_entity_bomb,
    local,
    parse_markup,
    semantic_types,
    xml_parser,
)
from reader.formats.ocf import Archive, resolve

CONTAINER = "META-INF/container.xml"
OPF_NS = "{http://www.idpf.org/2007/opf}"
# Section titles and heading levels by content file, then by fragment ("" for the start).
Sections = dict[str, dict[str, tuple[str, int]]]
XHTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/x-dtbook+xml"})


@dataclass(frozen=True, slots=True)
class Item:
    """A manifest item: its member path (None when its href leaves the book), media type
    and EPUB 3 properties."""

    ident: str
    path: str | None
    href: str
    media_type: str
    properties: frozenset[str]


@dataclass
class Package:
    """What the package document says: metadata fields, manifest, reading order."""

    path: str
    fields: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, Item] = field(default_factory=dict)
    spine: list[tuple[str, bool]] = field(default_factory=list)
    ncx: str = ""


def parse_xml(archive: Archive, member: str, what: str) -> etree._Element:
    """A member parsed as XML with the hardened parser, or one line saying it is broken."""
    try:
        return etree.fromstring(archive.read(member), xml_parser())
    except etree.XMLSyntaxError as error:
        if is_entity_bomb(error):
            raise ReaderError(f"{archive.name}: refused: {what} {member} {BOMB}") from None
        raise ReaderError(
            f"{archive.name}: {what} {member} is not well-formed XML "
            f"(line {error.lineno}: {error.msg})"
        ) from None


def package_path(archive: Archive) -> str:
    """The package document named by ``META-INF/container.xml``."""
    if not archive.has(CONTAINER):
        raise ReaderError(f"{archive.name}: not an EPUB book: {CONTAINER} is missing")
    root = parse_xml(archive, CONTAINER, "the container file")
    for rootfile in root.iter("{*}rootfile"):
        media_type = rootfile.get("media-type", "application/oebps-package+xml")
        full_path = unquote(rootfile.get("full-path", ""))
        if full_path and media_type == "application/oebps-package+xml":
            path = resolve("", full_path)
            if path is None:
                raise ReaderError(f"{archive.name}: the package document path leaves the book")
            if not archive.has(path):
                raise ReaderError(f"{archive.name}: the package document {path} is missing")
            return path
    raise ReaderError(f"{archive.name}: {CONTAINER} names no package document")


def read_package(archive: Archive, path: str) -> Package:
    """Metadata, manifest and spine of the package document at ``path``."""
    root = parse_xml(archive, path, "the package document")
    package = Package(path)
    metadata = root.find("{*}metadata")
    if metadata is not None:
        package.fields = _metadata(metadata)
    for item in root.iterfind("{*}manifest/{*}item"):
        ident, href = item.get("id", ""), item.get("href", "")
        target = resolve(path, unquote(href.partition("#")[0])) if href else None
        package.manifest[ident] = Item(
            ident,
            target,
            href,
            item.get("media-type", ""),
            frozenset(item.get("properties", "").split()),
        )
    spine = root.find("{*}spine")
    if spine is not None:
        package.ncx = spine.get("toc", "")
        package.spine = [
            (itemref.get("idref", ""), itemref.get("linear", "yes") != "no")
            for itemref in spine.iterfind("{*}itemref")
        ]
    if not package.spine:
        raise ReaderError(f"{archive.name}: the package document has no spine (reading order)")
    return package


def _text(element: etree._Element) -> str:
    return " ".join(all_text(element).split())


def _metadata(metadata: etree._Element) -> dict[str, str]:
    # Searched at any depth: OEB-era packages wrap Dublin Core in <dc-metadata>.
    refinements: dict[tuple[str, str], str] = {}
    for meta in metadata.iter("{*}meta"):
        refines, prop = meta.get("refines", ""), meta.get("property", "")
        if refines.startswith("#") and prop:
            refinements[(refines[1:], prop)] = _text(meta)
    fields: dict[str, str] = {}
    titles = [t for t in metadata.iter("{*}title") if _text(t)]
    main = [t for t in titles if refinements.get((t.get("id", ""), "title-type")) == "main"]
    if titles:
        fields["title"] = _text((main or titles)[0])
    creators = [c for c in metadata.iter("{*}creator") if _text(c)]

    def role(creator: etree._Element) -> str:
        return creator.get(f"{OPF_NS}role") or refinements.get((creator.get("id", ""), "role"), "")

    # Authors are the creators marked "aut" or not marked at all; illustrators, editors
    # and the like are named only when no author is.
    authors = [c for c in creators if role(c) in ("", "aut")] or creators
    if authors:
        fields["author"] = ", ".join(_text(c) for c in authors)
    for name in ("language", "publisher"):
        element = next((e for e in metadata.iter("{*}" + name) if _text(e)), None)
        if element is not None:
            fields[name] = _text(element)
    dates = [d for d in metadata.iter("{*}date") if _text(d)]
    published = [d for d in dates if d.get(f"{OPF_NS}event") == "publication"]
    if dates:
        fields["date"] = _text((published or dates)[0])
    return fields


def table_of_contents(archive: Archive, package: Package) -> Sections:
    """Section titles by content file and fragment ("" for the file's start), with their
    depth as a heading level, from the navigation document or else the NCX. A missing or
    broken table of contents costs only the sections, never the book."""
    nav = next((i for i in package.manifest.values() if "nav" in i.properties), None)
    sections: Sections = {}
    try:
        if nav is not None and nav.path and archive.has(nav.path):
            _from_nav(parse_markup(archive.read(nav.path)), nav.path, sections)
        ncx = package.manifest.get(package.ncx)
        if not sections and ncx is not None and ncx.path and archive.has(ncx.path):
            _from_ncx(etree.fromstring(archive.read(ncx.path), xml_parser()), ncx.path, sections)
    except etree.XMLSyntaxError:
        return {}
    return sections


def _add(sections: Sections, base: str, href: str, label: str, depth: int) -> None:
    file, _, fragment = href.partition("#")
    path = resolve(base, unquote(file)) if file else base
    if path is not None and label:
        sections.setdefault(path, {}).setdefault(unquote(fragment), (label, min(depth, 6)))


def _from_nav(root: etree._Element, base: str, sections: Sections) -> None:
    navs = list(root.iter("{*}nav", "nav"))
    toc = next((n for n in navs if "toc" in semantic_types(n)), navs[0] if navs else None)
    if toc is None:
        return

    def items(parent: etree._Element, depth: int) -> None:
        for child in parent:
            if local(child) == "ol":
                items(child, depth)
            elif local(child) == "li":
                link = next((c for c in child if local(c) in ("a", "span")), None)
                if link is not None and local(link) == "a":
                    _add(sections, base, link.get("href", ""), _text(link), depth)
                for nested in child:
                    if local(nested) == "ol":
                        items(nested, depth + 1)

    items(toc, 1)


def _from_ncx(root: etree._Element, base: str, sections: Sections) -> None:
    def points(parent: etree._Element, depth: int) -> None:
        for point in parent.iterfind("{*}navPoint"):
            label = point.find("{*}navLabel/{*}text")
            content = point.find("{*}content")
            if label is not None and content is not None:
                _add(sections, base, content.get("src", ""), _text(label), depth)
            points(point, depth + 1)

    nav_map = root.find("{*}navMap")
    if nav_map is not None:
        points(nav_map, 1)
