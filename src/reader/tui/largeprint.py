"""Large print: words drawn with a real font (Pillow's bundled TrueType face) into block
characters, so text can be enlarged in any terminal.

Units: widths and heights are terminal cells unless named ``*_px``. Each cell holds a 2x3
grid of "pixels" drawn with the Unicode sextant characters (Symbols for Legacy Computing);
a cell is taken to be twice as tall as it is wide. Glyphs are rendered at 8x16 image pixels
per cell and reduced to the 2x3 grid by averaging, so strokes keep their shape.

Every character advances at least two cells and every line is ``rows`` cells tall (at
least three), so each glyph is drawn at least twice the size of the terminal's own font.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

CELL_W_PX = 8
CELL_H_PX = 16
GRID_W = 2
GRID_H = 3
MIN_ADVANCE_CELLS = 2
# Lines per level: level 1 is the terminal's own font, so it has no entry.
LEVEL_ROWS = {2: 3, 3: 4, 4: 6, 5: 8}
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
def _font(rows: int) -> ImageFont.FreeTypeFont:
    # The bundled face is Aileron. Its ascent leaves room for accents on capitals, which
    # would waste a fifth of a large line: size the font so that the span from the top of
    # "H" and "l" to the bottom of "g" fills the line instead.
    size = rows * CELL_H_PX
    while True:
        font = ImageFont.load_default(size=size)
        assert isinstance(font, ImageFont.FreeTypeFont)
        _x0, top, _x1, bottom = font.getbbox(_SPAN_SAMPLE, anchor="ls")
        if bottom - top <= rows * CELL_H_PX - 2 or size <= 8:
            return font
        size -= 1


def _baseline(rows: int) -> int:
    font = _font(rows)
    _x0, top, _x1, bottom = font.getbbox(_SPAN_SAMPLE, anchor="ls")
    return int((rows * CELL_H_PX - (bottom - top)) // 2 - top)


def rows_for_level(level: int) -> int:
    """How many cell rows one line of text takes at ``level`` (1 for the terminal font)."""
    return LEVEL_ROWS.get(level, 1)


def _advances(text: str, rows: int) -> list[float]:
    font = _font(rows)
    minimum = MIN_ADVANCE_CELLS * CELL_W_PX
    return [max(font.getlength(char), minimum) for char in text]


def word_width(text: str, rows: int) -> int:
    """Cells a word takes at this line height (rounded up)."""
    total = sum(_advances(text, rows))
    return max(1, -(-int(total) // CELL_W_PX))


def space_width(rows: int) -> int:
    """Cells between two words."""
    return max(MIN_ADVANCE_CELLS, int(_font(rows).getlength(" ") / CELL_W_PX + 0.5))


@lru_cache(maxsize=4096)
def draw_word(text: str, rows: int) -> BigWord:
    """Draw ``text`` at ``rows`` cells tall; cached because pages repeat words."""
    font = _font(rows)
    width = word_width(text, rows)
    image = Image.new("L", (width * CELL_W_PX, rows * CELL_H_PX), 0)
    pen = ImageDraw.Draw(image)
    baseline = _baseline(rows)
    x = 0.0
    for char, advance in zip(text, _advances(text, rows), strict=True):
        natural = font.getlength(char)
        pen.text((x + (advance - natural) / 2, baseline), char, fill=255, font=font, anchor="ls")
        x += advance
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
