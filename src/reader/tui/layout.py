"""Laying out one paragraph as rows of cells, at the terminal's font or in large print.

Units: ``width`` and column counts are terminal cells; ``start``/``end`` on a
:class:`Piece` are paragraph-local character offsets (into ``Paragraph.text``), so the
reading view can mark the word being spoken or a search match on any row, at any size.

Structure is drawn, never added to the text: the headings of the sections a paragraph
opens are rows above it (a level marker, bold and underlined, not counted as a
paragraph), a code block keeps its lines and indentation, and a bullet list item gets its
bullet and a hanging indent. Their pieces carry a ``role`` and offsets that match no word,
so highlights, search matches and the reading cursor only ever land on the paragraph.

Only the paragraphs on screen are ever laid out (the reading view caches them), which is
what lets a document of thousands of paragraphs open as fast as a short one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.cells import cell_len

from reader.tui.glyphs import is_rtl
from reader.tui.largeprint import draw_word, rows_for_level, space_width, word_width

_TOKEN = re.compile(r"\S+")


Heading = tuple[int, str]  # (level 1-6, title) of a section that opens at a paragraph


@dataclass(frozen=True, slots=True)
class Piece:
    """Cells showing the characters ``start:end`` of the paragraph (a word or a gap).

    ``role`` is "" for the paragraph's own text; "heading" and "heading-mark" for a
    heading row's title and level marker, "marker" for a list bullet (these cover no
    characters of the paragraph: ``start == end == 0``)."""

    text: str
    start: int
    end: int
    is_word: bool
    role: str = ""


@dataclass(frozen=True, slots=True)
class ParagraphLayout:
    """The rows of one paragraph and, per text line, its first row and character span.

    The first ``head`` rows are the headings above the paragraph (their lines have the
    character span ``(-1, -1)``); the paragraph's own text starts at row ``head``."""

    rows: tuple[tuple[Piece, ...], ...]
    lines: tuple[tuple[int, int, int], ...]  # (first row, first char, end char)
    line_rows: int
    head: int = 0

    @property
    def height(self) -> int:
        """Rows taken, including the blank rows of the line spacing."""
        return len(self.rows)

    def line_start(self, row: int) -> int:
        """The first row of the text line that ``row`` belongs to (a view that starts
        there never starts in the middle of a large-print glyph)."""
        first = 0
        for first_row, _start, _end in self.lines:
            if first_row > row:
                break
            first = first_row
        return first

    def line_end(self, row: int) -> int:
        """The first row after the text line that ``row`` belongs to (spacing included)."""
        for first_row, _start, _end in self.lines:
            if first_row > row:
                return first_row
        return self.height

    def rows_of(self, offset: int) -> tuple[int, int]:
        """First and last row of the text line holding character ``offset`` (never a
        heading row)."""
        first = self.head
        for first_row, start, _end in self.lines:
            if start < 0:
                continue
            if start > offset:
                break
            first = first_row
        return first, first + self.line_rows - 1


@dataclass(frozen=True, slots=True)
class _Item:
    """One thing on a line before it is drawn: a word, a gap of ``cells`` cells, a
    bullet or heading part (``role``)."""

    text: str
    start: int
    end: int
    is_word: bool
    role: str = ""
    cells: int = 0  # for gaps: their width in cells


def _split_long(text: str, start: int, width: int, measure: _Measure) -> list[tuple[str, int]]:
    """Break a word wider than the line into pieces that fit (at least one character)."""
    parts: list[tuple[str, int]] = []
    current, current_start = "", start
    for index, char in enumerate(text):
        if current and measure(current + char) > width:
            parts.append((current, current_start))
            current, current_start = "", start + index
        current += char
    parts.append((current, current_start))
    return parts


class _Measure:
    def __init__(self, level: int) -> None:
        self.rows = rows_for_level(level)
        self.space = 1 if self.rows == 1 else space_width(self.rows)

    def __call__(self, text: str) -> int:
        return cell_len(text) if self.rows == 1 else word_width(text, self.rows)


Line = tuple[list[tuple[str, int]], int]  # the words (text, start) of a line, its first char


def _wrap(
    text: str, width: int, measure: _Measure, *, base: int = 0, keep_spaces: bool = False
) -> list[Line]:
    """Greedy word wrap: lines of (word, start) that fit in ``width`` cells. With
    ``keep_spaces`` (code) the white space between words, and before the first word,
    takes as many spaces as the source has."""
    lines: list[Line] = [([], base)]
    used, previous_end = 0, 0
    for match in _TOKEN.finditer(text):
        for word, start in _split_long(match.group(), match.start(), width, measure):
            size = measure(word)
            spaces = start - previous_end if keep_spaces else 1
            gap = measure.space * spaces
            if not lines[-1][0]:
                needed = size + (gap if keep_spaces and len(lines) == 1 else 0)
                if needed > width:
                    # Indentation wider than the window: the line starts at its first word.
                    lines[-1] = ([], base + start)
                    needed = size
            else:
                needed = used + gap + size
            if lines[-1][0] and needed > width:
                lines.append(([], base + start))
                needed = size
            lines[-1][0].append((word, base + start))
            used, previous_end = needed, start + len(word)
    return lines


def _items(line: list[tuple[str, int]], first: int, measure: _Measure, keep: bool) -> list[_Item]:
    """A wrapped line as items: words, and the gaps between them (and, for code, the
    indentation before the first word, from ``first``)."""
    items: list[_Item] = []
    previous = first
    for word, start in line:
        spaces = start - previous if keep else (1 if items else 0)
        if spaces > 0 and (items or keep):
            items.append(_Item(" " * spaces, previous, start, False, cells=measure.space * spaces))
        items.append(_Item(word, start, start + len(word), True))
        previous = start + len(word)
    return items


def _heading_items(level: int, title: str, width: int, measure: _Measure) -> list[list[_Item]]:
    """The lines of one heading: its level marker ("##"), then its title words."""
    marker = "#" * max(1, min(level, 6))
    out: list[list[_Item]] = []
    for words, _first in _wrap(f"{marker} {title}", width, measure):
        items: list[_Item] = []
        for word, start in words:
            role = "heading-mark" if start == 0 else "heading"
            if items:
                gap_role = "heading" if role == "heading" and items[-1].role == "heading" else ""
                items.append(_Item(" ", 0, 0, False, gap_role, measure.space))
            items.append(_Item(word, 0, 0, False, role))
        out.append(items)
    return out


def layout_paragraph(
    text: str,
    width: int,
    level: int,
    spacing: int,
    *,
    kind: str = "paragraph",
    marker: str = "",
    headings: tuple[Heading, ...] = (),
) -> ParagraphLayout:
    """Lay out ``text`` in ``width`` cells at text-size ``level`` with ``spacing`` blank
    rows after each line of text, under ``headings``; a ``code`` block keeps its lines,
    a ``marker`` (a list bullet) opens the first line with a hanging indent."""
    measure = _Measure(level)
    width = max(width, 1)
    rows: list[tuple[Piece, ...]] = []
    lines: list[tuple[int, int, int]] = []
    for heading_level, title in headings:
        for items in _heading_items(heading_level, title, width, measure):
            lines.append((len(rows), -1, -1))
            rows.extend(_draw(items, measure))
            rows.extend(() for _ in range(spacing))
    if rows:
        rows.append(())  # one blank row between the headings and the text
    head = len(rows)
    for items, line_start, line_end in _text_lines(text, width, measure, kind, marker):
        lines.append((len(rows), line_start, line_end))
        rows.extend(_draw(items, measure) if items else [() for _ in range(measure.rows)])
        rows.extend(() for _ in range(spacing))
    if len(rows) == head:
        rows.append(())
        lines.append((head, 0, len(text)))
    return ParagraphLayout(tuple(rows), tuple(lines), measure.rows, head)


def _text_lines(
    text: str, width: int, measure: _Measure, kind: str, marker: str
) -> list[tuple[list[_Item], int, int]]:
    """The paragraph's lines as items, each with its character span."""
    keep = kind == "code"
    indent = 0
    if marker and not keep:
        indent = measure(marker) + measure.space
    if keep:
        wrapped: list[Line] = []
        position = 0
        for source_line in text.split("\n"):
            found = _wrap(source_line, width, measure, base=position, keep_spaces=True)
            wrapped.extend(found if found[0][0] else [([], position)])
            position += len(source_line) + 1
    else:
        wrapped = [line for line in _wrap(text, max(1, width - indent), measure) if line[0]]
        if wrapped:
            wrapped[0] = (wrapped[0][0], 0)
    out: list[tuple[list[_Item], int, int]] = []
    for number, (words, first) in enumerate(wrapped):
        end = wrapped[number + 1][1] if number + 1 < len(wrapped) else len(text)
        items = _items(words, first, measure, keep)
        if indent:
            lead = (
                _Item(marker, 0, 0, False, "marker")
                if number == 0
                else _Item(" " * indent, first, first, False, cells=indent)
            )
            pad = _Item(" ", 0, 0, False, cells=measure.space)
            items = [lead, pad, *items] if number == 0 else [lead, *items]
        out.append((items, first, end))
    return out


def _draw(items: list[_Item], measure: _Measure) -> list[tuple[Piece, ...]]:
    """The rows of one line of items: one row at the terminal's font, ``measure.rows``
    rows of drawn glyphs in large print."""
    if measure.rows == 1:
        return [
            tuple(_piece(item, item.text if not item.cells else " " * item.cells) for item in items)
        ]
    first = next((i for i in items if not i.cells and i.role in ("", "heading")), None)
    if first is not None and is_rtl(first.text):
        # A right-to-left line is shown in visual order: its first word rightmost.
        items = list(reversed(items))
    drawn = {id(item): draw_word(item.text, measure.rows) for item in items if not item.cells}
    out: list[tuple[Piece, ...]] = []
    for row in range(measure.rows):
        out.append(
            tuple(
                _piece(item, " " * item.cells if item.cells else drawn[id(item)].rows[row])
                for item in items
            )
        )
    return out


def _piece(item: _Item, cells: str) -> Piece:
    return Piece(cells, item.start, item.end, item.is_word, item.role)
