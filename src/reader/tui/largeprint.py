"""Large print: words drawn with real fonts (DejaVu Sans, then Unifont for everything
else: see :mod:`reader.tui.glyphs`) into block characters, so text can be enlarged in
any terminal and every character a document holds is drawn.

Units: widths and heights are terminal cells unless named ``*_px``. Each cell holds a 2x3
grid of "pixels" drawn with the Unicode sextant characters (Symbols for Legacy Computing);
a cell is taken to be twice as tall as it is wide. Glyphs are rendered at 8x16 image pixels
per cell and reduced to the 2x3 grid by averaging, so strokes keep their shape.

Every character advances at least two cells and every line is ``rows`` cells tall (at
least four), so each glyph is drawn at least twice the size of the terminal's own font.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from reader.tui import glyphs

if TYPE_CHECKING:  # Pillow is imported on first use: size 1 never needs it
    from PIL import ImageDraw, ImageFont

CELL_W_PX = 8
CELL_H_PX = 16
GRID_W = 2
GRID_H = 3
MIN_ADVANCE_CELLS = 2
# Lines per level: level 1 is the terminal's own font, so it has no entry.
# Size 2 is 4 rows, not 3: at 3 rows (9 grid pixels) "e" and "a", "i" and "l" drew
# almost alike; 12 pixels keep the bowl of "a", the bar of "e" and the dot of "i".
LEVEL_ROWS = {2: 4, 3: 5, 4: 6, 5: 8}
LEVELS = (1, *LEVEL_ROWS)
# Average darkness above which a grid pixel is drawn; below one half keeps thin strokes.
THRESHOLD = 0.3
_SPAN_SAMPLE = "Hlgjy"


def _sextant(bits: int) -> str:
    """The character for a 2x3 pattern; bit 0 is top left, bit 5 bottom right."""
    if bits == 0:
        return " "
    if bits == 63:
        return "\u2588"
    if bits == 21:
        return "\u258c"
    if bits == 42:
        return "\u2590"
    return chr(0x1FB00 + bits - 1 - (bits > 21) - (bits > 42))


SEXTANTS = tuple(_sextant(bits) for bits in range(64))


@dataclass(frozen=True, slots=True)
class BigWord:
    """One word drawn in cells: ``rows`` strings of ``width`` characters each."""

    rows: tuple[str, ...]
    width: int


@lru_cache(maxsize=8)
def _size(rows: int) -> int:
    # Sized so that the span from the top of "H" and "l" to the bottom of "g" fills the
    # line: the face's ascent leaves room for accents on capitals, which would waste a
    # fifth of a large line.
    size = rows * CELL_H_PX
    while True:
        face = glyphs.font(0, size)
        _x0, top, _x1, bottom = face.getbbox(_SPAN_SAMPLE, anchor="ls")
        if bottom - top <= rows * CELL_H_PX - 2 or size <= 8:
            return size
        size -= 1


def _font(rows: int, char: str = "a") -> ImageFont.FreeTypeFont:
    """The face that draws ``char`` at this line height (see :mod:`reader.tui.glyphs`)."""
    position = glyphs.font_for(char)
    return glyphs.font(0 if position is None else position, _size(rows))


def _shown(char: str) -> str:
    """What is drawn for ``char``: itself, or U+FFFD (a visible mark, never an empty
    box) when no font has it."""
    return char if glyphs.font_for(char) is not None else "\ufffd"


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that no font of the chain can draw."""
    return sorted({char for char in text if glyphs.font_for(char) is None})


def _baseline(rows: int) -> int:
    font = _font(rows)
    _x0, top, _x1, bottom = font.getbbox(_SPAN_SAMPLE, anchor="ls")
    return int((rows * CELL_H_PX - (bottom - top)) // 2 - top)


def rows_for_level(level: int) -> int:
    """How many cell rows one line of text takes at ``level`` (1 for the terminal font)."""
    return LEVEL_ROWS.get(level, 1)


def _advances(text: str, rows: int) -> list[float]:
    minimum = MIN_ADVANCE_CELLS * CELL_W_PX
    out = []
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me"):
            out.append(0.0)  # a combining mark sits on the character before it
        else:
            out.append(max(_font(rows, char).getlength(_shown(char)), minimum))
    return out


def _shaped(text: str) -> bool:
    """Right-to-left words are shaped and drawn whole (visual order, joined letters)
    when Pillow has libraqm and the first font draws every letter."""
    from PIL import features

    return (
        glyphs.is_rtl(text)
        and features.check("raqm") is True
        and all(glyphs.font_for(char) == 0 for char in text)
    )


def _word_px(text: str, rows: int) -> float:
    if _shaped(text):
        shaped = _font(rows).getlength(text, direction="rtl")
        return max(shaped, MIN_ADVANCE_CELLS * CELL_W_PX)
    return sum(_advances(text, rows))


def word_width(text: str, rows: int) -> int:
    """Cells a word takes at this line height (rounded up)."""
    return max(1, -(-int(_word_px(text, rows)) // CELL_W_PX))


def space_width(rows: int) -> int:
    """Cells between two words."""
    return max(MIN_ADVANCE_CELLS, int(_font(rows).getlength(" ") / CELL_W_PX + 0.5))


@lru_cache(maxsize=4096)
def draw_word(text: str, rows: int) -> BigWord:
    """Draw ``text`` at ``rows`` cells tall; cached because pages repeat words."""
    from PIL import Image, ImageDraw

    width = word_width(text, rows)
    image = Image.new("L", (width * CELL_W_PX, rows * CELL_H_PX), 0)
    pen = ImageDraw.Draw(image)
    baseline = _baseline(rows)
    if _shaped(text):
        pen.text((0, baseline), text, fill=255, font=_font(rows), anchor="ls", direction="rtl")
    else:
        _draw_chars(pen, text, rows, baseline)
    grid = image.resize((width * GRID_W, rows * GRID_H), Image.Resampling.BOX)
    cutoff = int(255 * THRESHOLD)
    pixels = grid.load()
    assert pixels is not None
    lines = []
    for row in range(rows):
        chars = []
        for col in range(width):
            bits = 0
            for dy in range(GRID_H):
                for dx in range(GRID_W):
                    value = pixels[col * GRID_W + dx, row * GRID_H + dy]
                    assert isinstance(value, int)
                    if value > cutoff:
                        bits |= 1 << (dy * GRID_W + dx)
            chars.append(SEXTANTS[bits])
        lines.append("".join(chars))
    return BigWord(tuple(lines), width)


def _draw_chars(pen: ImageDraw.ImageDraw, text: str, rows: int, baseline: int) -> None:
    """Draw character by character, each from the first font that has it (right-to-left
    words without shaping are drawn in visual order, last character leftmost)."""
    placed = list(zip(text, _advances(text, rows), strict=True))
    if glyphs.is_rtl(text):
        placed.reverse()
    x, previous = 0.0, 0.0
    for char, advance in placed:
        face, shown = _font(rows, char), _shown(char)
        natural = face.getlength(shown)
        left = x + (advance - natural) / 2 if advance else previous
        pen.text((left, baseline), shown, fill=255, font=face, anchor="ls")
        previous = left
        x += advance
