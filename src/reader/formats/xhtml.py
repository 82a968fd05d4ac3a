"""XHTML and HTML trees into blocks: the rules shared by EPUB chapters and web pages.

Headings become heading blocks; paragraphs and other flow content become paragraphs; list
items keep their number in ordered lists; block quotes become quotes; table rows are read
row by row, cells joined by "; "; ``pre`` keeps its lines as code; images give their alt
text; ``ruby`` annotations are not read twice; hidden content is not read. Footnotes and
endnotes are taken out of the running text and come after it as ``note`` blocks, and the
marker that pointed at them is dropped from the sentence. Text is never dropped for
sitting between blocks: ``<div>lead<p>para</p>tail</div>`` gives three blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from reader.formats.base import Block, BlockKind
from reader.formats.elements import (
    BLOCK_TAGS,
    FURNITURE,
    HEADINGS,
    NEVER_READ,
    NOTE_CLASSES,
    NOTE_ROLES,
    NOTE_TYPES,
    all_text,
    classes,
    entity_text,
    is_backlink,
    is_hidden,
    is_noteref,
    language_of,
    local,
    note_markers,
    same_language,
    semantic_types,
)

# Elements around which running text needs a space when flattened into one line.
_SPACED = BLOCK_TAGS | {"table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a block's text came from in the tree, for writers that go back to the source
    (the read-along EPUB): the run of ``element``'s content from its text chunk ``start``
    (0 is ``element.text``, k is the tail of child k-1) up to child ``stop`` (exclusive,
    tails of the children before it included); ``whole`` when the block is the element
    read by other rules (a table row, a heading) rather than a run of running text.
    ``prefix`` is the number of characters the walker put before the source's text (a
    list number "3. ", a note marker)."""

    element: etree._Element
    start: int = 0
    stop: int = 0
    whole: bool = False
    prefix: int = 0


class Walker:
    """Turns one XHTML or HTML tree into blocks.

    ``path`` is the content file's path in its book (anchors are ``path#id``; a web page
    passes "" and gets ``#id``); ``language`` is the document's; ``furniture`` drops
    web-page navigation, headers (all but their headings), footers, asides and forms;
    ``nav`` maps ids in this file to section titles and levels from a book's navigation
    document, inserted as headings where the text has none of its own.
    """

    def __init__(
        self,
        path: str = "",
        language: str = "",
        *,
        furniture: bool = False,
        nav: dict[str, tuple[str, int]] | None = None,
    ) -> None:
        self.path = path
        self.language = language
        self.furniture = furniture
        self.nav = nav or {}
        self.blocks: list[Block] = []
        self.notes: list[Block] = []
        # Parallel to blocks and notes: where each came from (None for a title taken from
        # the navigation document).
        self.block_origins: list[Origin | None] = []
        self.note_origins: list[Origin | None] = []
        self._run: tuple[etree._Element, int] | None = None
        self._run_stop = 0
        self._origin_now: Origin | None = None
        self._markers: dict[str, str] = {}
        self._buffer: list[str] = []
        self._kind_now: BlockKind = "paragraph"
        self._language_now = ""
        self._anchor_now = ""
        self._prefix = ""
        self._in_note = False

    def walk(self, root: etree._Element) -> list[Block]:
        """All blocks of ``root``'s body (or of ``root`` itself), its notes last."""
        self._markers = note_markers(root)
        body = next(root.iter("{*}body", "body"), root)
        self._block(body, "paragraph", self.language)
        return self.blocks + self.notes

    def origins(self) -> list[Origin | None]:
        """Where each block of the last :meth:`walk` came from, in the same order."""
        return self.block_origins + self.note_origins

    # -- blocks ----------------------------------------------------------------------------

    def _anchor(self, element: etree._Element) -> str:
        ident = element.get("id") or element.get("{http://www.w3.org/XML/1998/namespace}id")
        return f"{self.path}#{ident}" if ident else ""

    def _emit(
        self, level: int, text: str, kind: BlockKind, language: str, anchor: str | None = None
    ) -> None:
        """Add a block; without an explicit ``anchor`` it takes the id of the innermost
        element that opened and has not yet named a block (``<aside id=fn1><p>``)."""
        if anchor is None:
            anchor, self._anchor_now = self._anchor_now, ""
        if self._in_note:
            level, kind = 0, "note"
        block = Block(level, text, kind, self._tag_language(language), anchor)
        (self.notes if self._in_note else self.blocks).append(block)
        origin, self._origin_now = self._origin_now, None
        (self.note_origins if self._in_note else self.block_origins).append(origin)

    def _tag_language(self, language: str) -> str:
        if not language or not self.language or same_language(language, self.language):
            return ""
        return language

    def _flush(self) -> None:
        text = "".join(self._buffer)
        self._buffer = []
        if text.strip():
            if self._run is not None:
                element, start = self._run
                self._origin_now = Origin(
                    element,
                    start,
                    self._run_stop,
                    local(element) in ("ul", "ol", "menu"),
                    len(self._prefix),
                )
            text, self._prefix = self._prefix + text, ""
            # An id names one block: _emit clears it for later chunks of the same element.
            self._emit(0, text, self._kind_now, self._language_now)

    def _is_note(self, element: etree._Element) -> bool:
        tag = local(element)
        if tag not in BLOCK_TAGS or tag in HEADINGS:
            return False
        if semantic_types(element) & (NOTE_TYPES | NOTE_ROLES) or classes(element) & NOTE_CLASSES:
            return True
        return element.get("id", "") in self._markers

    def _block(
        self, element: etree._Element, kind: BlockKind, language: str, marker: str = ""
    ) -> None:
        """Read a block container: its running text as blocks of ``kind``, its block
        children by their own rules. ``marker`` ("3. ") opens its first block."""
        language = language_of(element) or language
        self._flush()
        if marker:
            self._prefix = marker
        anchor = self._anchor(element) or self._anchor_now
        self._kind_now, self._language_now, self._anchor_now = kind, language, anchor
        self._run = (element, 0)
        self._text(element.text)
        for index, child in enumerate(element):
            self._run_stop = index
            block_child = self._child(child, kind, language)
            if block_child:
                # Text after a nested block belongs to this element again.
                self._kind_now, self._language_now, self._anchor_now = kind, language, ""
                self._run = (element, index + 1)
            self._text(child.tail)
        self._run_stop = len(element)
        self._flush()
        self._prefix = ""

    def _child(
        self, child: etree._Element, kind: BlockKind, language: str, marker: str = ""
    ) -> bool:
        """Read one child element; True when it was read as a block of its own."""
        if isinstance(child, etree._Entity):
            self._text(entity_text(child))
            return False
        tag = local(child)
        if not tag or tag in NEVER_READ or is_noteref(child) or is_backlink(child):
            return False
        ident = child.get("id", "")
        # Notes are read even when hidden: books hide them for reading systems that show
        # them as pop-ups, and their text is still the book's.
        if not self._in_note and self._is_note(child):
            self._in_note = True
            marker = self._markers.get(ident, "")
            if marker and all_text(child).strip().startswith(marker):
                marker = ""
            try:
                self._block(child, "note", language, f"{marker} " if marker else "")
            finally:
                self._in_note = False
            return True
        if is_hidden(child):
            return False
        if tag not in BLOCK_TAGS and tag != "table":
            if self._has_blocks(child):
                self._block(child, kind, language, marker)
                return True
            self._buffer.append(self._inline_text(child))
            return False
        if ident in self.nav and not self._in_note and not self._starts_with_heading(child):
            label, level = self.nav[ident]
            self._flush()
            # The title is the table of contents' words, not the file's: no anchor.
            self._emit(level, label, "heading", "", "")
        if self.furniture and tag in FURNITURE:
            if tag == "header":
                self._headings_only(child, language)
            return True
        self._structure(child, tag, kind, language, marker)
        return True

    def _structure(
        self, child: etree._Element, tag: str, kind: BlockKind, language: str, marker: str
    ) -> None:
        own = language_of(child) or language
        if tag in HEADINGS or tag in ("pre", "table", "ul", "ol", "menu"):
            self._flush()
            self._anchor_now = self._anchor(child) or self._anchor_now
        if tag in HEADINGS:
            text = self._inline_text(child)
            if text.strip():
                self._origin_now = Origin(child, whole=True)
                self._emit(HEADINGS[tag], text, "heading", own)
        elif tag == "pre":
            self._flush()
            # The HTML parser drops the newline that opens a pre; XML keeps it.
            text = self._inline_text(child, keep_lines=True).removeprefix("\n").rstrip()
            if text.strip():
                self._origin_now = Origin(child, 0, len(child))
                self._emit(0, text, "code", own)
        elif tag == "table":
            self._table(child, own)
        elif tag in ("ul", "ol", "menu"):
            self._list(child, tag == "ol", own)
        elif tag == "blockquote":
            self._block(child, "quote", own)
        elif tag == "hr":
            self._flush()
        else:
            self._block(child, "list-item" if tag == "li" else kind, own, marker)

    def _headings_only(self, header: etree._Element, language: str) -> None:
        for element in header.iter():
            if local(element) in HEADINGS and not is_hidden(element):
                self._structure(element, local(element), "paragraph", language, "")

    def _list(self, element: etree._Element, ordered: bool, language: str) -> None:
        self._flush()
        number = _integer(element.get("start"), 1)
        for item in element:
            marker = ""
            if ordered and local(item) == "li":
                number = _integer(item.get("value"), number)
                marker = f"{number}. "
                number += 1
            self._child(item, "list-item", language, marker)
            self._run, self._run_stop = (element, 0), len(element)
            self._text(item.tail)
        self._flush()

    def _table(self, table: etree._Element, language: str) -> None:
        self._flush()
        for element in table.iter():
            tag = local(element)
            if tag == "caption" and self._owner_table(element) is table:
                self._block(element, "paragraph", language)
            elif tag == "tr" and self._owner_table(element) is table and not is_hidden(element):
                cells = [
                    " ".join(self._inline_text(cell).split())
                    for cell in element
                    if local(cell) in ("td", "th") and not is_hidden(cell)
                ]
                text = "; ".join(cell for cell in cells if cell)
                if text:
                    own = language_of(element) or language
                    self._origin_now = Origin(element, whole=True)
                    self._emit(0, text, "table-row", own, self._anchor(element) or None)

    @staticmethod
    def _owner_table(element: etree._Element) -> etree._Element | None:
        parent = element.getparent()
        while parent is not None and local(parent) != "table":
            parent = parent.getparent()
        return parent

    @staticmethod
    def _has_blocks(element: etree._Element) -> bool:
        return any(local(node) in _SPACED for node in element.iterdescendants())

    def _starts_with_heading(self, element: etree._Element) -> bool:
        if local(element) in HEADINGS:
            return True
        if (element.text or "").strip():
            return False
        first = next((child for child in element if local(child)), None)
        return first is not None and local(first) in BLOCK_TAGS and self._starts_with_heading(first)

    # -- running text ----------------------------------------------------------------------

    def _text(self, text: str | None) -> None:
        if text:
            self._buffer.append(text)

    def _inline_text(self, element: etree._Element, *, keep_lines: bool = False) -> str:
        return "".join(self._pieces(element, keep_lines))

    def _pieces(self, element: etree._Element, keep_lines: bool) -> Iterator[str]:
        """The words of ``element`` as read (tail excluded): alt texts for images, a line
        break for ``br``, nothing for note markers, hidden content or ruby annotations."""
        tag = local(element)
        if tag in ("img", "area", "input"):
            yield element.get("alt") or ""
            return
        if tag == "svg":
            titles = (all_text(t) for t in element if local(t) == "title")
            yield element.get("aria-label") or " ".join(titles)
            return
        if tag == "math":
            yield element.get("alttext") or " ".join(all_text(element).split())
            return
        if tag == "br":
            yield "\n"
            return
        if element.text:
            yield element.text
        for child in element:
            name = local(child)
            if isinstance(child, etree._Entity):
                yield entity_text(child)
            elif self._readable(child):
                spaced = name in _SPACED and not keep_lines
                if spaced:
                    yield " "
                yield from self._pieces(child, keep_lines)
                if spaced:
                    yield " "
            if child.tail:
                yield child.tail

    @staticmethod
    def _readable(child: etree._Element) -> bool:
        name = local(child)
        if not name or name in NEVER_READ or is_hidden(child):
            return False
        return not (is_noteref(child) or is_backlink(child))


def _integer(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
