"""Laying out one paragraph as rows of cells, at the terminal's font or in large print.

Units: ``width`` and column counts are terminal cells; ``start``/``end`` on a
:class:`Piece` are paragraph-local character offsets (into ``Paragraph.text``), so the
reading view can mark the word being spoken or a search match on any row, at any size.

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


@dataclass(frozen=True, slots=True)
class Piece:
    """Cells showing the characters ``start:end`` of the paragraph (a word or a gap)."""

    text: str
    start: int
    end: int
    is_word: bool


@dataclass(frozen=True, slots=True)
class ParagraphLayout:
    """The rows of one paragraph and, per text line, its first row and character span."""

    rows: tuple[tuple[Piece, ...], ...]
    lines: tuple[tuple[int, int, int], ...]  # (first row, first char, end char)
    line_rows: int

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
        """First and last row of the text line holding character ``offset``."""
        first = 0
        for first_row, start, _end in self.lines:
            if start > offset:
                break
            first = first_row
        return first, first + self.line_rows - 1


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


def _wrap(text: str, width: int, measure: _Measure) -> list[list[tuple[str, int]]]:
    """Greedy word wrap: lines of (word, start) that fit in ``width`` cells."""
    lines: list[list[tuple[str, int]]] = [[]]
    used = 0
    for match in _TOKEN.finditer(text):
        for word, start in _split_long(match.group(), match.start(), width, measure):
            size = measure(word)
            needed = size if not lines[-1] else used + measure.space + size
            if lines[-1] and needed > width:
                lines.append([])
                needed = size
            lines[-1].append((word, start))
            used = needed
    return lines


def layout_paragraph(text: str, width: int, level: int, spacing: int) -> ParagraphLayout:
    """Lay out ``text`` in ``width`` cells at text-size ``level`` with ``spacing`` blank
    rows after each line of text."""
    measure = _Measure(level)
    width = max(width, 1)
    rows: list[tuple[Piece, ...]] = []
    lines: list[tuple[int, int, int]] = []
    wrapped = _wrap(text, width, measure)
    for number, words in enumerate(wrapped):
        if not words:
            continue
        line_start = words[0][1]
        next_start = wrapped[number + 1][0][1] if number + 1 < len(wrapped) else len(text)
        lines.append((len(rows), line_start, next_start))
        if measure.rows == 1:
            rows.append(_plain_row(words))
        else:
            rows.extend(_big_rows(words, measure))
        rows.extend(() for _ in range(spacing))
    if not rows:
        rows.append(())
        lines.append((0, 0, len(text)))
    return ParagraphLayout(tuple(rows), tuple(lines), measure.rows)


def _plain_row(words: list[tuple[str, int]]) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    for index, (word, start) in enumerate(words):
        if index:
            gap_start = pieces[-1].end
            pieces.append(Piece(" ", gap_start, start, False))
        pieces.append(Piece(word, start, start + len(word), True))
    return tuple(pieces)


def _big_rows(words: list[tuple[str, int]], measure: _Measure) -> list[tuple[Piece, ...]]:
    drawn = [(draw_word(word, measure.rows), word, start) for word, start in words]
    if is_rtl(words[0][0]):
        # A right-to-left line is shown in visual order: its first word rightmost.
        drawn.reverse()
    out: list[tuple[Piece, ...]] = []
    for row in range(measure.rows):
        pieces: list[Piece] = []
        for index, (big, word, start) in enumerate(drawn):
            if index:
                gap_start, gap_end = sorted((pieces[-1].end, start))
                pieces.append(Piece(" " * measure.space, gap_start, gap_end, False))
            pieces.append(Piece(big.rows[row], start, start + len(word), True))
        out.append(tuple(pieces))
    return out
