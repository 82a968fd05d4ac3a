"""Large print shows every character a document can hold, legibly, with the sentence
marked by one rule under the baseline (issue 11 item 3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reader.ingest import parse_text
from reader.tui import glyphs
from reader.tui.app import ReaderApp
from reader.tui.largeprint import LEVEL_ROWS, SEXTANTS, draw_word, missing_glyphs
from reader.tui.layout import layout_paragraph
from reader.tui.screens.reading import ReaderScreen
from reader.tui.widgets.reading import ReadingView

MULTILINGUAL = (
    "Café, naïve résumé – the en dash — the em dash. Ελληνικά: αβγ. Русский: жизнь. "
    "中文汉字 日本語のかな 한국어. العربية مرحبا. עברית שלום. Emoji 😀🎉👍. "
    "Symbols: ½ ≠ → ← ≤ ≥ € £ ¥ © ® ™ ° ± × ÷ • … “quoted” ‘single’ ∞ √ π."
)


def test_every_character_has_a_font() -> None:
    assert missing_glyphs(MULTILINGUAL) == []


@pytest.mark.parametrize("rows", sorted(LEVEL_ROWS.values()))
def test_every_character_is_drawn_at_every_size(rows: int) -> None:
    blank = {" "}
    empty = [
        char
        for char in sorted(set(MULTILINGUAL))
        if not char.isspace() and set("".join(draw_word(char, rows).rows)) <= blank
    ]
    assert empty == []


def test_an_unknown_character_is_a_visible_mark_not_a_box() -> None:
    # A private-use character no font of the chain has is drawn as the replacement mark.
    assert missing_glyphs("a\ue000") == ["\ue000"]
    drawn = draw_word("\ue000", 4)
    assert drawn == draw_word("\ufffd", 4)
    assert set("".join(drawn.rows)) != {" "}


def _bits(char: str, rows: int) -> list[int]:
    cells = "".join(draw_word(char, rows).rows)
    return [SEXTANTS.index(cell) for cell in cells]


def _distance(a: str, b: str, rows: int) -> int:
    first, second = _bits(a, rows), _bits(b, rows)
    width = max(len(first), len(second))
    first += [0] * (width - len(first))
    second += [0] * (width - len(second))
    return sum(bin(x ^ y).count("1") for x, y in zip(first, second, strict=True))


# Grid pixels that differ between look-alikes at size 2 (4 rows): e/a 16, o/e 12, n/h 6,
# i/l 3 (the dot of "i" stands apart from its stem). The old 3-row size 2 had n/h 2, i/l 2.
@pytest.mark.parametrize(
    ("a", "b", "least"), [("e", "a", 8), ("o", "e", 8), ("n", "h", 4), ("i", "l", 3)]
)
def test_size_two_keeps_similar_letters_apart(a: str, b: str, least: int) -> None:
    assert _distance(a, b, LEVEL_ROWS[2]) >= least


def test_right_to_left_lines_are_in_visual_order() -> None:
    text = "שלום עולם"
    layout = layout_paragraph(text, 200, 3, 0)
    words = [piece for piece in layout.rows[0] if piece.is_word]
    assert [text[w.start : w.end] for w in words] == ["עולם", "שלום"]
    assert glyphs.is_rtl(text) and not glyphs.is_rtl("abc שלום")


@pytest.mark.parametrize("level", [2, 3, 5])
async def test_sentence_rule_is_one_row_under_each_line(
    level: int, make_app: Callable[..., ReaderApp]
) -> None:
    document = parse_text("One two three four five six seven eight nine ten.", markdown=False)
    app = make_app(document)
    async with app.run_test(size=(60, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        screen.level = level
        await pilot.pause()
        view = screen.query_one(ReadingView)
        layout = view.layout_of(0)
        underlined = []
        shown = min(layout.height, view.size.height)
        for y in range(shown):
            strip = view.render_line(y)
            # After the gutter; blank cells count (an underline on spaces is a rule).
            cells = list(strip)[1:]
            underlined.append(any(c.style is not None and c.style.underline for c in cells))
        ruled = [y for y, flag in enumerate(underlined) if flag]
        lines = sum(1 for first, _s, _e in layout.lines if first + layout.line_rows <= shown)
        assert len(ruled) == lines > 0
        assert all((y + 1) % layout.line_rows == 0 for y in ruled)


def test_every_cell_character_is_one_column_wide_everywhere() -> None:
    # Large print is laid out one character per cell. tmux and most terminals take a
    # character's width from the C library's wcwidth(), Textual from Rich's own table: a
    # character either counted as 0, 2 or unknown (-1) would shift or garble the drawing.
    import ctypes
    import ctypes.util
    import locale

    from rich.cells import cell_len

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.wcwidth.argtypes = [ctypes.c_wchar]
    before = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
        widths = {char: (libc.wcwidth(char), cell_len(char)) for char in SEXTANTS[1:]}
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert {char: w for char, w in widths.items() if w != (1, 1)} == {}
    assert all(0x1FB00 <= ord(char) <= 0x1FB3B or 0x2580 <= ord(char) <= 0x259F
               for char in SEXTANTS[1:])  # fmt: skip
