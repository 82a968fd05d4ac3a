"""EPUB 3 books with Media Overlays: the text, its narration, and the timings that make a
reading system highlight each sentence or word as it is spoken.

Units: see :mod:`reader.epub.build` (samples in, whole milliseconds in the overlays).
"""

from __future__ import annotations

from reader.epub.build import build_epub

__all__ = ["build_epub"]
