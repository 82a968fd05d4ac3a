"""``reader render book.epub --format epub``: the reader's own book, read along.

The book is copied member by member: every content document, style sheet, image, font and
the navigation are kept as they are, except that narrated content documents get ids where
sentences need them (``<span id>`` around each sentence inside its own element, see
:mod:`reader.epub.spans`) and a link to one small style sheet with the class reading
systems put on the text being read. Added beside them, in a folder of their own next to the
package document: one Media Overlay (SMIL) per narrated content document, one MP3 per
paragraph (the render's own, checked against its sync map), and that style sheet. The
package document gets the overlays, their durations, the active class and the
accessibility metadata (:mod:`reader.epub.ownpackage`).

The narration must be of this very book: the paragraphs are read again from the file, with
the same rules as when it was opened, and each must match the rendered document's text.
Refused, each with one line: a book that already has Media Overlays, a narrated chapter
that is not well-formed XHTML (its markup cannot be kept as it is), and everything the
EPUB reader refuses (DRM, broken archives). EPUB 2 books are upgraded as far as overlays
need, or refused when that is not safe (:mod:`reader.epub.upgrade`).

Units: sync maps in samples; clips and durations in whole milliseconds.
"""

from __future__ import annotations

import io
import posixpath
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from lxml import etree

from reader.atomic import atomic_file
from reader.document import Document
from reader.epub import ownpackage, upgrade
from reader.epub.build import checked_audio
from reader.epub.check import check_clips
from reader.epub.content import ACTIVE_CLASS
from reader.epub.overlays import ParagraphOverlay, book_overlay_document, merge_repeats, tile
from reader.epub.owncheck import document_text, not_xhtml, refuse_overlays
from reader.epub.spans import XHTML_NS, ChapterMarks
from reader.errors import EXIT_FAILURE, ReaderError
from reader.formats.elements import local
from reader.formats.epub import Chapter, chapters, refuse_drm
from reader.formats.files import read_source
from reader.formats.ocf import Archive, resolve
from reader.formats.opf import package_path, parse_xml, read_package
from reader.narration.timing import RenderedParagraph

if TYPE_CHECKING:
    from reader.narration.outputs import BookJob

FOLDER = "readalong"
STYLESHEET = f"""\
/* Added by reader: the text being read aloud, shown without relying on colour. */
.{ACTIVE_CLASS} {{
  background-color: #fff1a8;
  color: #000000;
  text-decoration: underline;
  outline: 2px solid #000000;
}}
"""


def href(target: str, base_dir: str) -> str:
    """A relative, percent-encoded href from the folder ``base_dir`` to ``target``
    (member paths)."""
    return quote(posixpath.relpath(target, base_dir or "."), safe="/")


@dataclass
class _Book:
    """The parts of the read-along edition gathered while the chapters are read."""

    texts: dict[str, bytes] = field(default_factory=dict)
    added: dict[str, bytes] = field(default_factory=dict)
    audio: dict[str, Path] = field(default_factory=dict)
    items: list[ownpackage.NewItem] = field(default_factory=list)
    overlays: list[tuple[str, str, int]] = field(default_factory=list)
    fallbacks: int = 0
    images: int = 0
    images_without_alt: int = 0


class _Edition:
    """Builds the read-along edition of one book (see the module docstring)."""

    def __init__(
        self,
        document: Document,
        clips: Sequence[RenderedParagraph],
        audio: Sequence[Path],
        granularity: str = "sentence",
    ) -> None:
        self.document = document
        self.granularity = granularity
        self.clips = clips
        self.audio = audio
        source = read_source(document.path)
        self.data = source.data
        self.name = str(source.path)
        self.archive = Archive(source.data, self.name)
        refuse_drm(self.archive)
        self.package = read_package(self.archive, package_path(self.archive))
        self.opf = parse_xml(self.archive, self.package.path, "the package document")
        self.base = posixpath.dirname(self.package.path)
        self.folder = self._free_folder()
        self.ids = ownpackage.package_ids(self.opf)
        self.book = _Book()
        self.next_paragraph = 0
        self.epub2 = False

    def _free_folder(self) -> str:
        names = [info.filename for info in zipfile.ZipFile(io.BytesIO(self.data)).infolist()]
        folder, count = posixpath.join(self.base, FOLDER), 1
        while any(name.startswith(folder + "/") for name in names):
            count += 1
            folder = posixpath.join(self.base, f"{FOLDER}-{count}")
        return folder

    def _new_id(self, wanted: str) -> str:
        ident, count = wanted, 1
        while ident in self.ids:
            count += 1
            ident = f"{wanted}-{count}"
        self.ids.add(ident)
        return ident

    def build(self) -> None:
        """Read every chapter, mark it, and gather the overlays and package edits."""
        refuse_overlays(self.opf, self.name)
        self.epub2 = not self.opf.get("version", "").startswith("3")
        skipped: list[str] = []
        by_path = {item.path: item for item in self.package.manifest.values()}
        for number, chapter in enumerate(chapters(self.archive, self.package, skipped), 1):
            item = by_path[chapter.path]
            self._chapter(chapter, item.ident, "nav" in item.properties, number)
        if self.next_paragraph != len(self.document.paragraphs):
            raise self._changed(self.next_paragraph)
        if self.epub2:
            self._upgrade()

    def _changed(self, index: int) -> ReaderError:
        return ReaderError(
            f"{self.name}: paragraph {index + 1} of the narration is not in the book any more; "
            "the book changed since it was narrated: render it again",
            EXIT_FAILURE,
        )

    def _chapter(self, chapter: Chapter, item_id: str, is_nav: bool, number: int) -> None:
        marks = ChapterMarks(chapter.root, ids_only=is_nav)
        narrated: list[tuple[int, str]] = []
        for block, origin in zip(chapter.blocks, chapter.origins, strict=True):
            if block.level:
                continue
            text = document_text(block.text, block.kind)
            if not text:
                continue
            index = self.next_paragraph
            if index >= len(self.document.paragraphs):
                raise self._changed(index)
            paragraph = self.document.paragraphs[index]
            if paragraph.text != text or origin is None:
                raise self._changed(index)
            sync = self.clips[index].sync
            units = sync.words if self.granularity == "word" else sync.sentences
            ranges = [(unit.char_start, unit.char_end) for unit in units]
            kind = "w" if self.granularity == "word" else "s"
            plan = marks.plan(paragraph.number, paragraph.text, origin, ranges, kind)
            narrated.append((index, plan.block_id))
            self.next_paragraph += 1
        if not narrated:
            return
        if chapter.as_html:
            raise not_xhtml(self.name, chapter.path)
        for image in chapter.root.iter(f"{{{XHTML_NS}}}img"):
            self.book.images += 1
            self.book.images_without_alt += image.get("alt") is None
        targets = marks.apply()
        self.book.fallbacks += marks.fallbacks
        self._link_stylesheet(chapter)
        self.book.texts[chapter.path] = self._serialise(chapter.root, chapter.path)
        self._overlay(chapter.path, item_id, narrated, targets, number)

    def _serialise(self, root: etree._Element, path: str) -> bytes:
        if self.epub2:
            return upgrade.upgrade_content(root, self.name, path)
        return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")

    def _upgrade(self) -> None:
        """EPUB 2 only: the other XHTML documents, the package, and a navigation document
        made from the NCX (see :mod:`reader.epub.upgrade`)."""
        for item in self.package.manifest.values():
            path = item.path
            if item.media_type != "application/xhtml+xml" or not path or path in self.book.texts:
                continue
            if self.archive.has(path):
                root = parse_xml(self.archive, path, "the content document")
                self.book.texts[path] = self._serialise(root, path)
        upgrade.upgrade_package(self.opf)
        nav_path = posixpath.join(self.folder, "nav.xhtml")
        ncx_item = self.package.manifest.get(self.package.ncx)
        ncx = None
        if ncx_item is not None and ncx_item.path and self.archive.has(ncx_item.path):
            ncx = parse_xml(self.archive, ncx_item.path, "the NCX table of contents")
        hrefs: dict[str, str] = {}
        if ncx is not None and ncx_item is not None and ncx_item.path:
            for content in ncx.iter("{*}content"):
                src = content.get("src", "")
                file, _, fragment = src.partition("#")
                target = resolve(ncx_item.path, unquote(file))
                if target and self.archive.has(target):
                    relative = href(target, posixpath.dirname(nav_path))
                    hrefs[src] = relative + (f"#{fragment}" if fragment else "")
        language = self.package.fields.get("language", "") or "und"
        title = self.package.fields.get("title", "") or "Contents"
        empty = etree.Element("ncx")
        self.book.added[nav_path] = upgrade.nav_from_ncx(
            ncx if ncx is not None else empty, hrefs, title, language
        ).encode()
        self.book.items.insert(
            0,
            ownpackage.NewItem(
                self._new_id("ra-nav"),
                href(nav_path, self.base),
                "application/xhtml+xml",
                "nav",
            ),
        )

    def _link_stylesheet(self, chapter: Chapter) -> None:
        head = next((c for c in chapter.root if local(c) == "head"), None)
        if head is None:
            head = etree.Element(f"{{{XHTML_NS}}}head")
            chapter.root.insert(0, head)
        link = etree.SubElement(head, f"{{{XHTML_NS}}}link")
        link.set("rel", "stylesheet")
        link.set("type", "text/css")
        link.set("href", href(self._css_path, posixpath.dirname(chapter.path)))
        # No white space of our own: the head keeps its text exactly.

    @property
    def _css_path(self) -> str:
        return posixpath.join(self.folder, f"{FOLDER}.css")

    def _overlay(
        self,
        text_path: str,
        item_id: str,
        narrated: list[tuple[int, str]],
        targets: dict[int, list[str]],
        number: int,
    ) -> None:
        smil_path = posixpath.join(self.folder, "smil", f"c{number:03d}.smil")
        smil_dir = posixpath.dirname(smil_path)
        paragraphs: list[ParagraphOverlay] = []
        duration = 0
        for index, block_id in narrated:
            paragraph, sync = self.document.paragraphs[index], self.clips[index].sync
            audio_path = posixpath.join(self.folder, "audio", f"p{paragraph.number:04d}.mp3")
            self.book.audio[audio_path] = self.audio[index]
            self.book.items.append(
                ownpackage.NewItem(
                    self._new_id(f"ra-a{paragraph.number:04d}"),
                    href(audio_path, self.base),
                    "audio/mpeg",
                )
            )
            clips = merge_repeats(
                tile(
                    sync.words if self.granularity == "word" else sync.sentences,
                    targets[paragraph.number],
                    rate=sync.sample_rate,
                    sample_count=sync.sample_count,
                    whole_id=block_id,
                )
            )
            overlay = ParagraphOverlay(block_id, href(audio_path, smil_dir), clips)
            duration += overlay.duration_ms
            paragraphs.append(overlay)
        overlay_id = self._new_id(f"ra-mo{number:03d}")
        text_href = href(text_path, smil_dir)
        self.book.added[smil_path] = book_overlay_document(text_href, paragraphs).encode()
        self.book.items.append(
            ownpackage.NewItem(overlay_id, href(smil_path, self.base), "application/smil+xml")
        )
        self.book.overlays.append((item_id, overlay_id, duration))

    def package_document(self) -> bytes:
        """The edited package document."""
        self.book.added[self._css_path] = STYLESHEET.encode()
        css = ownpackage.NewItem(
            self._new_id("ra-css"), href(self._css_path, self.base), "text/css"
        )
        narration = ownpackage.Narration(
            overlays=self.book.overlays,
            active_class=ACTIVE_CLASS,
            paragraphs=len(self.document.paragraphs),
            fallbacks=self.book.fallbacks,
            unit="word" if self.granularity == "word" else "sentence",
            images_without_alt=self.book.images_without_alt,
            has_images=self.book.images > 0,
        )
        ownpackage.edit_package(
            self.opf, new_items=[css, *self.book.items], narration=narration,
            modified=datetime.now(UTC),
        )  # fmt: skip
        return etree.tostring(self.opf.getroottree(), xml_declaration=True, encoding="UTF-8")

    def write(self, out_path: Path) -> Path:
        """Zip the edition to ``out_path`` atomically (``mimetype`` first and stored, the
        book's other members in their order, then ours)."""
        self.book.texts[self.package.path] = self.package_document()
        source = zipfile.ZipFile(io.BytesIO(self.data))
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            with (
                atomic_file(out_path, permissions=0o644) as handle,
                zipfile.ZipFile(handle, "w") as book,
            ):
                book.writestr(_entry("mimetype", zipfile.ZIP_STORED), "application/epub+zip")
                for info in source.infolist():
                    name = info.filename
                    if name == "mimetype" or info.is_dir() or not self.archive.has(name):
                        continue
                    data = self.book.texts.get(name)
                    if data is None:
                        data = self.archive.read(name)
                    book.writestr(_entry(name, info.compress_type), data)
                for name, data in self.book.added.items():
                    book.writestr(_entry(name), data)
                for name, path in self.book.audio.items():
                    with (
                        path.open("rb") as audio,
                        book.open(_entry(name, zipfile.ZIP_STORED), "w") as target,
                    ):
                        while chunk := audio.read(1 << 20):
                            target.write(chunk)
        except OSError as error:
            raise ReaderError(
                f"{out_path}: could not be written ({error.strerror})", EXIT_FAILURE
            ) from None
        return out_path


def _entry(name: str, compression: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now().timetuple()[:6])
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def build_own_book(
    document: Document,
    clips: Sequence[RenderedParagraph],
    mp3s: Sequence[Path],
    out_path: Path,
    granularity: str = "sentence",
) -> Path:
    """Write the read-along edition of the EPUB ``document.path`` to ``out_path``, with
    ``clips`` (one per paragraph, in order) and their MP3 files ``mp3s``; the overlays
    highlight each sentence, or each word with ``granularity="word"``."""
    if granularity not in ("sentence", "word"):
        raise ReaderError(f"unknown highlight granularity {granularity!r}; use sentence or word")
    check_clips(document, clips)
    if len(mp3s) != len(clips):
        raise ReaderError(
            f"{len(clips)} paragraphs rendered but {len(mp3s)} MP3 files", EXIT_FAILURE
        )
    edition_audio = dict(enumerate(mp3s))
    with tempfile.TemporaryDirectory(prefix="reader-epub-") as work:
        audio = checked_audio(document, clips, "mp3", edition_audio, Path(work))
        edition = _Edition(document, clips, audio, granularity)
        edition.build()
        return edition.write(out_path)


def write_own_book(job: BookJob) -> Path:
    """The render's book writer for EPUB input: ``<job.base>.epub`` in ``job.folder``."""
    out = job.folder / f"{job.base}.epub"
    return build_own_book(job.document, job.clips, job.mp3s, out, job.granularity)
