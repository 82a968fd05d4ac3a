"""Plain text: paragraphs are separated by blank lines; a file without any blank line has
one paragraph per line. Also the decoding every text format shares (:func:`read_text`).
"""

from __future__ import annotations

import re

from reader.decode import decode_bytes
from reader.formats.base import Block, Parsed, Source
from reader.sanitize import blank_control_lines, normalise_newlines

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")


def read_text(source: Source) -> tuple[str, tuple[str, ...], int]:
    """The decoded text of a text format's source, its notices, and how many characters
    went with lines of nothing but controls (emptied so that they separate paragraphs as
    the blank lines they look like). Other controls stay for the cleaning after parsing."""
    decoded = decode_bytes(source.data, str(source.path))
    text, removed = blank_control_lines(normalise_newlines(decoded.text))
    return text, decoded.notices, removed


def parse_plain(text: str) -> Parsed:
    """Plain text (already decoded) into paragraphs."""
    chunks = _BLANK_LINE.split(text)
    if len(chunks) == 1:
        chunks = text.split("\n")
    return Parsed(tuple(Block(0, chunk) for chunk in chunks if chunk.strip()), {})


class TextFormat:
    """Plain text, and the fallback for any file no other format claims."""

    name = "plain text"
    suffixes = frozenset({".txt", ".text"})

    def sniff(self, source: Source) -> bool:
        """Never: plain text is what is left when no other format recognises the bytes."""
        del source
        return False

    def parse(self, source: Source) -> Parsed:
        """Decode the bytes as text and split them into paragraphs."""
        text, notices, removed = read_text(source)
        parsed = parse_plain(text)
        return Parsed(parsed.blocks, parsed.fields, notices, removed)


FORMAT = TextFormat()
