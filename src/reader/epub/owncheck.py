"""Whether a reader's own EPUB can get a read-along edition: the refusals, each one line,
and :func:`preflight`, which finds them from the file alone, before any narration.

Refused: DRM (as when the book is opened), a book that already has Media Overlays, a
narrated chapter that is not well-formed XHTML (its markup could not be kept as it is),
and an EPUB 2 book that cannot be upgraded safely (see :mod:`reader.epub.upgrade`).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from reader.epub import upgrade
from reader.errors import ReaderError
from reader.formats.epub import MIMETYPE, chapters, refuse_drm
from reader.formats.files import read_source
from reader.formats.ocf import Archive
from reader.formats.opf import package_path, parse_xml, read_package
from reader.ingest import block_text


def is_epub(path: str) -> bool:
    """True when ``path`` names an EPUB book (by suffix, or by its first bytes)."""
    if not path:
        return False
    if path.lower().endswith(".epub"):
        return True
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(58)
    except OSError:
        return False
    return head[:4] == b"PK\x03\x04" and head[30:58] == MIMETYPE


def document_text(text: str, kind: str = "paragraph") -> str:
    """A block's text as the document has it (ingest's own cleaning and white space, so
    a code block keeps its lines here as it does there)."""
    return block_text(text, kind)


def refuse_overlays(opf: etree._Element, name: str) -> None:
    """Raise ``ReaderError`` when the book already has Media Overlays."""
    for item in opf.iter("{*}item"):
        if item.get("media-overlay") or item.get("media-type") == "application/smil+xml":
            raise ReaderError(
                f"{name}: the book already has Media Overlays (read-along narration); "
                "reader adds them only to books without"
            )


def not_xhtml(name: str, path: str) -> ReaderError:
    """The refusal of a narrated chapter that is not well-formed XHTML."""
    return ReaderError(
        f"{name}: {path} is not well-formed XHTML, so its markup cannot be kept as it is in "
        "a read-along edition; repair the book (e.g. with Sigil or Calibre) and render it again"
    )


def preflight(path: str) -> None:
    """Raise the one-line ``ReaderError`` a read-along edition of the EPUB at ``path``
    would end with, before any narration is spent on it (DRM, Media Overlays already
    there, a narrated chapter that is not XHTML, an EPUB 2 book that cannot be upgraded
    safely). The render pipeline can call it first; the edition checks again anyway."""
    source = read_source(path)
    name = str(source.path)
    archive = Archive(source.data, name)
    refuse_drm(archive)
    package = read_package(archive, package_path(archive))
    opf = parse_xml(archive, package.path, "the package document")
    refuse_overlays(opf, name)
    epub2 = not opf.get("version", "").startswith("3")
    for chapter in chapters(archive, package, []):
        if chapter.as_html and any(
            not b.level and document_text(b.text, b.kind) for b in chapter.blocks
        ):
            raise not_xhtml(name, chapter.path)
        if epub2 and not chapter.as_html:
            upgrade.check_content(chapter.root, name, chapter.path)
