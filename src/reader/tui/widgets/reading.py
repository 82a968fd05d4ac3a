"""The reading view: numbered paragraphs drawn line by line (Textual's line API).

Units: ``current`` is a 0-based paragraph index; ``word_span``/``sentence_span`` are
paragraph-local character offsets inside the current paragraph; everything else is cells.

Only the rows on screen are laid out and drawn: the view keeps an anchor (a paragraph and
a row inside it) instead of a tall scrolled canvas, so no widget exists per paragraph and a
document of thousands of paragraphs costs what a short one does.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Offset
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from reader.document import Document
from reader.tui.layout import Heading, ParagraphLayout, Piece, layout_paragraph

CACHE_SIZE = 256
# The column when the reader has not chosen one: lines of 190 characters on a wide
# window are hard to follow back to the next line's start.
DEFAULT_COLUMN = 80
FULL_WIDTH = 10_000  # a reading width meaning "as wide as the window"
BOOKMARK = "*"
MARKER = "\u258c"  # left half block: the current paragraph's bar, visible without colour
Span = tuple[int, int] | None
# Headings are bold with the title underlined, whatever the theme: structure is never shown
# by colour alone.
HEADING_MARK = Style(bold=True)
HEADING = Style(bold=True, underline=True)


class ReadingView(Widget, can_focus=True):
    """Shows the document around the current paragraph and keeps the reading place in view."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reading--gutter",
        "reading--marker",
        "reading--current",
        "reading--sentence",
        "reading--word",
        "reading--match",
    }

    current: reactive[int] = reactive(0)
    word_span: reactive[Span] = reactive(None)
    sentence_span: reactive[Span] = reactive(None)
    level: reactive[int] = reactive(1)
    reading_width: reactive[int] = reactive(0)
    line_spacing: reactive[int] = reactive(0)
    search_terms: reactive[tuple[str, ...]] = reactive(())

    def __init__(self, document: Document, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.document = document
        self._headings = headings_by_paragraph(document)
        self._layouts: OrderedDict[tuple[int, int, int, int], ParagraphLayout] = OrderedDict()
        self._anchor = (0, 0)
        self._frame_cache: list[tuple[int, int]] | None = None
        self._frame_key: tuple[int, ...] = ()
        self._digits = len(str(len(document.paragraphs)))
        self._styles: dict[str, Style] = {}
        self.bookmarks: frozenset[int] = frozenset()
        self.held = False  # paged away: the view does not follow the reading place

    # ----- geometry -------------------------------------------------------------------

    @property
    def gutter_width(self) -> int:
        """Cells before the text: the marker, the paragraph number and a space."""
        return self._digits + 3

    @property
    def text_width(self) -> int:
        """Cells available for the text itself."""
        room = max(8, self.size.width - self.gutter_width - 1)
        return min(room, self.reading_width or DEFAULT_COLUMN)

    def layout_of(self, index: int) -> ParagraphLayout:
        """The (cached) layout of paragraph ``index`` at the current size and width."""
        key = (index, self.text_width, self.level, self.line_spacing)
        found = self._layouts.get(key)
        if found is None:
            paragraph = self.document.paragraphs[index]
            found = layout_paragraph(
                paragraph.text,
                key[1],
                self.level,
                self.line_spacing,
                kind=paragraph.kind,
                marker=paragraph.marker,
                headings=self._headings.get(index, ()),
            )
            self._layouts[key] = found
            if len(self._layouts) > CACHE_SIZE:
                self._layouts.popitem(last=False)
        else:
            self._layouts.move_to_end(key)
        return found

    def _frame(self) -> list[tuple[int, int]]:
        """(paragraph, row) for each screen row; row -1 is the gap between paragraphs."""
        # Keyed by the geometry too: a frame computed before a resize names rows that the
        # re-wrapped paragraphs no longer have (the IndexError of a maximised window).
        key = (*self._anchor, self.size.width, self.size.height, self.text_width, self.level,
               self.line_spacing)  # fmt: skip
        if self._frame_cache is not None and key == self._frame_key:
            return self._frame_cache
        self._clamp_anchor()
        rows: list[tuple[int, int]] = []
        index, row = self._anchor
        count = len(self.document.paragraphs)
        height = self.size.height
        while len(rows) < height and index < count:
            layout = self.layout_of(index)
            rows.extend((index, r) for r in range(row, layout.height))
            if index + 1 < count:
                rows.append((index + 1, -1))
            index, row = index + 1, 0
        self._frame_cache = rows[:height]
        self._frame_key = (*self._anchor, *key[2:])
        return self._frame_cache

    def _clamp_anchor(self) -> None:
        """Keep the anchor on a row that exists, at the top of a text line."""
        index, row = self._anchor
        index = max(0, min(index, len(self.document.paragraphs) - 1))
        layout = self.layout_of(index)
        row = max(0, min(row, layout.height - 1))
        self._anchor = (index, layout.line_start(row))

    def _focus_offset(self) -> int:
        if self.word_span is not None:
            return self.word_span[0]
        if self.sentence_span is not None:
            return self.sentence_span[0]
        return 0

    def follow(self) -> None:
        """Move the anchor, if needed, so that the reading place is on screen (not while
        the reader has paged away: see :meth:`back_to_place`)."""
        height = self.size.height
        if height <= 0 or self.held:
            self._invalidate()
            return
        layout = self.layout_of(self.current)
        first, last = layout.rows_of(self._focus_offset())
        y = self._y_of(self.current, first)
        if y is None or y + (last - first) >= height:
            if last < height:
                self._anchor = (self.current, 0)
            else:
                context = max(0, (height - (last - first + 1)) // 3)
                layout_start = layout.line_start(max(0, first - context))
                self._anchor = (self.current, layout_start)
            self._fill_screen()
        self._invalidate()

    def back_to_place(self) -> None:
        """Follow the reading place again after paging, and show it now."""
        self.held = False
        self.follow()

    def _y_of(self, index: int, row: int) -> int | None:
        """The screen row of (paragraph, row) from the anchor; None when off screen."""
        if (index, row) < self._anchor:
            return None
        y = 0
        at, at_row = self._anchor
        while at < index:
            y += self.layout_of(at).height - at_row + 1
            if y >= self.size.height:
                return None
            at, at_row = at + 1, 0
        return y + row - at_row

    def scroll_rows(self, delta: int) -> None:
        """Move the view by ``delta`` rows (whole text lines in large print) without
        moving the reading place. The view then stays where it was paged to, even as
        narration moves the spoken word on, until :meth:`back_to_place`."""
        self.held = True
        index, row = self._anchor
        row += delta
        last = len(self.document.paragraphs) - 1
        while row < 0 and index > 0:
            index -= 1
            row += self.layout_of(index).height + 1
        while index < last and row > self.layout_of(index).height:
            row -= self.layout_of(index).height + 1
            index += 1
        layout = self.layout_of(index)
        row = max(0, min(row, layout.height - 1))
        start = layout.line_start(row)
        if delta > 0 and start < row:
            # Rounded forward to the next line, or the view would never move at size 5.
            row = layout.line_end(row)
            if row >= layout.height and index < last:
                index, row = index + 1, 0
            start = layout.line_start(min(row, layout.height - 1))
        self._anchor = (index, start)
        self._invalidate()

    def _fill_screen(self) -> None:
        """Near the end of the document, move the anchor up while whole lines fit, so the
        last paragraph is not left alone at the top of an empty screen."""
        height = self.size.height
        index, row = self._anchor
        below = self.layout_of(index).height - row
        for after in range(index + 1, len(self.document.paragraphs)):
            below += self.layout_of(after).height + 1
            if below >= height:
                return
        while (index, row) != (0, 0):
            if row > 0:
                step_row = self.layout_of(index).line_start(row - 1)
                step, target = row - step_row, (index, step_row)
            else:
                previous = self.layout_of(index - 1)
                step_row = previous.line_start(previous.height - 1)
                step, target = previous.height - step_row + 1, (index - 1, step_row)
            if below + step > height:
                break
            below += step
            index, row = target
        self._anchor = (index, row)

    def cursor_cell(self) -> Offset | None:
        """Where on this widget the reading place is (for braille and review cursors)."""
        focus = self._focus_offset()
        layout = self.layout_of(self.current)
        first, _last = layout.rows_of(focus)
        for y, (index, row) in enumerate(self._frame()):
            if index == self.current and row == first and row < layout.height:
                x = self.gutter_width
                for piece in layout.rows[row]:
                    if piece.end > focus:
                        break
                    x += cell_len(piece.text)
                return Offset(min(x, max(0, self.size.width - 1)), y)
        return None

    def document_grew(self) -> None:
        """The document has paragraphs it did not have when the view was made (a long book
        finished loading): work out again what came from its start, the headings and the
        width of the paragraph numbers, and draw afresh."""
        self._headings = headings_by_paragraph(self.document)
        self._digits = len(str(len(self.document.paragraphs)))
        self._layouts.clear()
        self._invalidate()

    def visible_paragraphs(self) -> list[int]:
        """Indices of paragraphs with at least one row on screen."""
        return sorted({index for index, row in self._frame() if row >= 0})

    def _invalidate(self) -> None:
        self._frame_cache = None
        self._styles.clear()
        self.refresh()
        self.call_after_refresh(self.place_cursor)

    def place_cursor(self) -> None:
        """Put the terminal cursor on the reading place (while this screen is on top),
        so braille displays and screen-review cursors follow the reading."""
        if not self.is_mounted or not self.screen.is_current:
            return
        cell = self.cursor_cell()
        if cell is not None:
            self.app.cursor_position = self.content_region.offset + cell

    # ----- reactive plumbing -----------------------------------------------------------

    def watch_current(self) -> None:
        self.follow()

    def watch_word_span(self) -> None:
        self.follow()

    def watch_sentence_span(self) -> None:
        self.follow()

    def watch_level(self) -> None:
        self.follow()

    def watch_reading_width(self) -> None:
        self.follow()

    def watch_line_spacing(self) -> None:
        self.follow()

    def watch_search_terms(self) -> None:
        self._invalidate()

    def on_resize(self, event: events.Resize) -> None:
        del event
        self._frame_cache = None
        self.follow()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.scroll_rows(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.scroll_rows(-3)

    # ----- drawing ---------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        """A component style, looked up once per frame rather than once per row."""
        found = self._styles.get(name)
        if found is None:
            found = self.rich_style if name == "base" else self.get_component_rich_style(name)
            self._styles[name] = found
        return found

    def notify_style_update(self) -> None:
        """The theme or stylesheet changed: forget the looked-up styles."""
        self._styles.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        """One screen row."""
        frame = self._frame()
        base = self._style("base")
        width = self.size.width
        if y >= len(frame):
            return Strip.blank(width, base)
        index, row = frame[y]
        layout = self.layout_of(index)
        if not 0 <= row < layout.height:
            return Strip.blank(width, base)
        # In large print the sentence (and a heading) is marked by one rule under the
        # line's last glyph row (below the baseline), not on every row (a strike-through).
        rule = layout.line_rows == 1 or row - layout.line_start(row) == layout.line_rows - 1
        if row < layout.head:
            return self._heading_row(layout.rows[row], rule, base, width)
        is_current = index == self.current
        line_style = base + self._style("reading--current") if is_current else base
        segments = [self._gutter(index, row - layout.head, is_current, base)]
        source = self.document.paragraphs[index].text
        for piece in layout.rows[row]:
            style = self._piece_style(piece, source, is_current, rule, line_style)
            segments.append(Segment(piece.text, style))
        return Strip(segments).adjust_cell_length(width, line_style)

    def _heading_row(self, pieces: tuple[Piece, ...], rule: bool, base: Style, width: int) -> Strip:
        """A row of a heading: no paragraph number, the level marker bold, the title
        bold and underlined (at the last glyph row in large print)."""
        segments = [Segment(" " * self.gutter_width, base + self._style("reading--gutter"))]
        for piece in pieces:
            if piece.role == "heading":
                style = base + (HEADING if rule else HEADING_MARK)
            else:
                style = base + HEADING_MARK
            segments.append(Segment(piece.text, style))
        return Strip(segments).adjust_cell_length(width, base)

    def _gutter(self, index: int, row: int, is_current: bool, base: Style) -> Segment:
        number = str(index + 1) if row == 0 else ""
        mark = BOOKMARK if row == 0 and index in self.bookmarks else " "
        if is_current:
            style = base + self._style("reading--marker")
            return Segment(f"{MARKER}{number:>{self._digits}}{mark} ", style)
        style = base + self._style("reading--gutter")
        return Segment(f" {number:>{self._digits}}{mark} ", style)

    def show_bookmarks(self, bookmarks: tuple[int, ...]) -> None:
        """Mark these paragraphs (0-based) with a star after their number."""
        self.bookmarks = frozenset(bookmarks)
        self._invalidate()

    def _piece_style(
        self, piece: Piece, source: str, is_current: bool, rule: bool, line_style: Style
    ) -> Style:
        style = line_style
        if self.search_terms and piece.is_word:
            folded = source[piece.start : piece.end].casefold()
            if any(term in folded for term in self.search_terms):
                style += self._style("reading--match")
        if not is_current:
            return style
        if rule and self.sentence_span and _inside(piece, self.sentence_span):
            style += self._style("reading--sentence")
        if self.word_span and piece.is_word and _inside(piece, self.word_span):
            style += self._style("reading--word")
        return style


def headings_by_paragraph(document: Document) -> dict[int, tuple[Heading, ...]]:
    """The headings drawn above each paragraph: every titled section that opens there
    (a chapter heading straight above a section heading gives two). A heading at the
    very end, with no paragraph after it, has nothing to stand above and is not drawn."""
    found: dict[int, list[Heading]] = {}
    for section in document.sections:
        if section.title and section.first < len(document.paragraphs):
            found.setdefault(section.first, []).append((section.level, section.title))
    return {index: tuple(headings) for index, headings in found.items()}


def _inside(piece: Piece, span: tuple[int, int]) -> bool:
    return piece.start < span[1] and piece.end > span[0]
