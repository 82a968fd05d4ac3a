"""EPUB input (EPUB 3 and EPUB 2): the spine's content documents, in reading order, as
blocks; title, author, language and date from the package; sections from the navigation
document (or the NCX) and the headings.

Spine items marked ``linear="no"`` (notes, answers) are read after the main flow rather
than dropped. Each content document is read, parsed and let go before the next, so memory
follows one chapter, not the book. Anchors are ``<member path>#<id>``, the member path
being the content file's full path inside the container (``OEBPS/ch1.xhtml#p3``).

Refused, each with one line: an archive that is not a zip, a book without a container
file or package document, a spine item that is missing, a DRM-protected book (rights
files, or ``encryption.xml`` with anything but font obfuscation), and archives beyond the
limits of :mod:`reader.formats.ocf`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from reader.errors import ReaderError
from reader.formats.base import Block, Parsed, Source
from reader.formats.elements import BOMB, html_parser, is_entity_bomb, xml_parser
from reader.formats.ocf import Archive
from reader.formats.opf import (
    XHTML_TYPES,
    Package,
    package_path,
    parse_xml,
    read_package,
    table_of_contents,
)
from reader.formats.xhtml import Origin, Walker

MIMETYPE = b"mimetypeapplication/epub+zip"
ENCRYPTION = "META-INF/encryption.xml"
# Files that only DRM schemes put in a book: Adobe ADEPT, Readium LCP, Apple FairPlay.
DRM_FILES = ("META-INF/rights.xml", "META-INF/license.lcpl", "META-INF/sinf.xml")
# Font obfuscation (IDPF and Adobe) hides fonts, not text: such books are not DRM.
FONT_OBFUSCATION = frozenset(
    {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
)


class EpubFormat:
    """The EPUB input format (see the module docstring)."""

    name = "EPUB"
    suffixes = frozenset({".epub"})

    def sniff(self, source: Source) -> bool:
        """True for a zip whose first member is the EPUB ``mimetype`` file."""
        return source.data[:4] == b"PK\x03\x04" and source.data[30:58] == MIMETYPE

    def parse(self, source: Source) -> Parsed:
        """The book's blocks and fields; raises ``ReaderError`` for a book it refuses."""
        archive = Archive(source.data, str(source.path))
        refuse_drm(archive)
        package = read_package(archive, package_path(archive))
        blocks: list[Block] = []
        skipped: list[str] = []
        as_html: list[str] = []
        for chapter in chapters(archive, package, skipped):
            if chapter.as_html:
                as_html.append(chapter.path)
            blocks.extend(chapter.blocks)
        notices = []
        if skipped:
            notices.append(f"skipped {_count(skipped, 'spine item')}, not XHTML: {skipped[0]}")
        if as_html:
            notices.append(
                f"read {_count(as_html, 'chapter')} as HTML: not well-formed XHTML ({as_html[0]})"
            )
        return Parsed(tuple(blocks), package.fields, tuple(notices))


@dataclass(frozen=True, slots=True)
class Chapter:
    """One content document as read: its member path, its tree, its blocks and where each
    block came from in the tree (None for a title taken from the table of contents);
    ``as_html`` when it was not well-formed XHTML and was read with the HTML parser."""

    path: str
    root: etree._Element
    blocks: list[Block]
    origins: list[Origin | None]
    as_html: bool


def chapters(archive: Archive, package: Package, skipped: list[str]) -> Iterator[Chapter]:
    """The spine's text documents in reading order, each parsed and walked into blocks
    (one at a time: memory follows one chapter). Items that cannot be parsed at all are
    added to ``skipped``."""
    sections = table_of_contents(archive, package)
    language = package.fields.get("language", "")
    for path in reading_order(archive, package, skipped):
        data = archive.read(path)
        as_html = False
        try:
            root = etree.fromstring(data, xml_parser())
        except etree.XMLSyntaxError as error:
            if is_entity_bomb(error):
                raise ReaderError(f"{archive.name}: refused: {path} {BOMB}") from None
            # Hand-made books are often not well-formed; HTML parsing still finds the text.
            root = etree.fromstring(data, html_parser())
            if root is None:
                skipped.append(path)
                continue
            as_html = True
        nav = sections.get(path, {})
        walker = Walker(path, language, nav={k: v for k, v in nav.items() if k})
        blocks = walker.walk(root)
        origins = walker.origins()
        if "" in nav and not (blocks and blocks[0].level):
            label, level = nav[""]
            blocks.insert(0, Block(level, label, "heading"))
            origins.insert(0, None)
        yield Chapter(path, root, blocks, origins, as_html)


def _count(items: list[str], noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


def refuse_drm(archive: Archive) -> None:
    """Raise ``ReaderError`` when the book is DRM-protected (encrypted beyond fonts)."""
    for name in DRM_FILES:
        if archive.has(name):
            raise ReaderError(
                f"{archive.name}: the book is DRM-protected ({name}); "
                "reader cannot open DRM-protected books"
            )
    if not archive.has(ENCRYPTION):
        return
    try:
        root = parse_xml(archive, ENCRYPTION, "the encryption file")
    except ReaderError:
        raise ReaderError(
            f"{archive.name}: {ENCRYPTION} cannot be read, so the book may be encrypted"
        ) from None
    for data in root.iter("{*}EncryptedData"):
        method = data.find("{*}EncryptionMethod")
        algorithm = method.get("Algorithm", "") if method is not None else ""
        if algorithm not in FONT_OBFUSCATION:
            reference = data.find("{*}CipherData/{*}CipherReference")
            target = reference.get("URI", "") if reference is not None else "a file"
            raise ReaderError(
                f"{archive.name}: the book is DRM-protected ({ENCRYPTION} encrypts {target}); "
                "reader cannot open DRM-protected books"
            )


def reading_order(archive: Archive, package: Package, skipped: list[str]) -> list[str]:
    """The member paths of the spine's text documents: linear items, then the others.
    Items that are not XHTML (an SVG page, an image) are added to ``skipped``."""
    linear: list[str] = []
    auxiliary: list[str] = []
    for idref, is_linear in package.spine:
        item = package.manifest.get(idref)
        if item is None:
            raise ReaderError(f"{archive.name}: spine item {idref!r} is not in the manifest")
        if item.path is None:
            raise ReaderError(f"{archive.name}: spine item {item.href!r} points outside the book")
        if not archive.has(item.path):
            raise ReaderError(f"{archive.name}: spine item {item.path} is missing from the book")
        if item.media_type not in XHTML_TYPES:
            skipped.append(item.path)
            continue
        (linear if is_linear else auxiliary).append(item.path)
    return linear + auxiliary


FORMAT = EpubFormat()
