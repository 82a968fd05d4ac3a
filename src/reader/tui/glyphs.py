"""Which font draws each character in large print: the first of a chain that has it.

The chain is DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew, arrows, maths, many
symbols; fonts-dejavu-core), then GNU Unifont (every other Basic Multilingual Plane
character, CJK included; fonts-unifont) and Unifont Upper (emoji and the other planes),
then Pillow's bundled face, so a machine without the Debian fonts still draws Latin. The
fonts are the system's, installed by ``scripts/ensure-system-packages``, not bundled:
Noto CJK alone is larger than the whole project, Unifont covers the same characters in
12 MB.

A font "has" a character when drawing it differs from drawing an unassigned code point
(its .notdef box): Pillow exposes no character map, and this needs no other library.

Units: font sizes are image pixels.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is imported on first use: size 1 never draws a glyph
    from PIL import ImageFont

FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/opentype/unifont/unifont.otf"),
    Path("/usr/share/fonts/opentype/unifont/unifont_upper.otf"),
)
_PROBE_SIZE = 32
_UNASSIGNED = "\U0010fffd"  # a private-use code point no font here draws


def available_fonts() -> tuple[Path | None, ...]:
    """The font files of the chain that exist here; None stands for Pillow's own face."""
    return (*(path for path in FONT_FILES if path.exists()), None)


@lru_cache(maxsize=64)
def font(position: int, size: int) -> ImageFont.FreeTypeFont:
    """Font ``position`` of :func:`available_fonts` at ``size`` pixels."""
    from PIL import ImageFont

    path = available_fonts()[position]
    if path is None:
        loaded = ImageFont.load_default(size=size)
        assert isinstance(loaded, ImageFont.FreeTypeFont)
        return loaded
    return ImageFont.truetype(str(path), size)


def _signature(face: ImageFont.FreeTypeFont, char: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (2 * _PROBE_SIZE, 2 * _PROBE_SIZE), 0)
    ImageDraw.Draw(image).text((8, 3 * _PROBE_SIZE // 2), char, font=face, fill=255, anchor="ls")
    return image.tobytes()


@lru_cache(maxsize=8)
def _notdef(position: int) -> bytes:
    return _signature(font(position, _PROBE_SIZE), _UNASSIGNED)


def has_glyph(position: int, char: str) -> bool:
    """Whether font ``position`` draws ``char`` (not its missing-glyph box)."""
    return _signature(font(position, _PROBE_SIZE), char) != _notdef(position)


@lru_cache(maxsize=8192)
def font_for(char: str) -> int | None:
    """The position of the first font that draws ``char``; None when none does (the
    character is then shown as its code, never as an empty box)."""
    if char.isspace() or unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc"):
        return 0  # spaces; marks and format characters are drawn with their base
    for position in range(len(available_fonts())):
        if has_glyph(position, char):
            return position
    return None


def is_rtl(text: str) -> bool:
    """Whether ``text`` starts (first strong character) right to left."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False
