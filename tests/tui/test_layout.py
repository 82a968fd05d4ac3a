"""Layout and large print: offsets map back to the text, glyphs are really large, lines
fit the window at every size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from reader.tui.largeprint import (
    LEVEL_ROWS,
    LEVELS,
    MIN_ADVANCE_CELLS,
    draw_word,
    rows_for_level,
    word_width,
)
from reader.tui.layout import layout_paragraph

TEXT = (
    "Thank you, Tim, for that kind introduction. And thank you for your more than three "
    "decades of service to the people of Missouri."
)


def test_at_least_four_sizes_and_real_enlargement() -> None:
    assert len(LEVELS) >= 4 and LEVELS[0] == 1
    for level in LEVELS[1:]:
        rows = rows_for_level(level)
        assert rows >= 2
        for char in "il.MWgAa":
            big = draw_word(char, rows)
            assert big.width >= MIN_ADVANCE_CELLS
            assert len(big.rows) == rows
            assert any(ch != " " for row in big.rows for ch in row), char


def test_glyphs_are_drawn_from_a_font_not_copied() -> None:
    rows = LEVEL_ROWS[4]
    drawn = {ch: draw_word(ch, rows).rows for ch in "oOlI1"}
    assert len(set(drawn.values())) == len(drawn), "different letters must look different"
    ink = sum(c != " " for row in draw_word("M", rows).rows for c in row)
    assert ink >= rows, "a capital M must fill several cells"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("width", [30, 60, 75])
def test_rows_fit_and_words_are_whole(level: int, width: int) -> None:
    layout = layout_paragraph(TEXT, width, level, 0)
    words_seen = []
    for row in layout.rows:
        assert sum(cell_len(p.text) for p in row) <= width
    for first_row, _start, _end in layout.lines:
        for piece in layout.rows[first_row]:
            if piece.is_word:
                words_seen.append(TEXT[piece.start : piece.end])
    assert "".join(words_seen) == TEXT.replace(" ", ""), "every character once, in order"
    rows = rows_for_level(level)
    for word in TEXT.split():
        fits = (cell_len(word) if rows == 1 else word_width(word, rows)) <= width
        if fits:
            assert word in words_seen, f"{word!r} fits the line but was split"


def test_spacing_adds_blank_rows() -> None:
    plain = layout_paragraph(TEXT, 40, 1, 0)
    spaced = layout_paragraph(TEXT, 40, 1, 2)
    assert spaced.height == plain.height * 3


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"])),
    st.integers(8, 90),
)
def test_pieces_map_to_the_text(text: str, width: int) -> None:
    layout = layout_paragraph(text, width, 1, 0)
    for row in layout.rows:
        for piece in row:
            if piece.is_word:
                assert text[piece.start : piece.end] == piece.text
    offset = len(text) // 2
    first, last = layout.rows_of(offset)
    assert 0 <= first <= last < max(1, layout.height)
