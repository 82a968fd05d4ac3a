"""Plain text: paragraphs are separated by blank lines; a file without any blank line has
one paragraph per line. Also the decoding every text format shares (:func:`read_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reader.decode import decode_bytes
from reader.formats.base import FIRST_PIECE, PIECE, Block, Parsed, Source, Streamed
from reader.sanitize import blank_control_lines, normalise_newlines

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
# A blank line right after a visible character: the split of the whole text finds exactly
# this match there (an earlier match ends before that character), so cutting the text
# here cuts it as the whole split does.
_CUT_AFTER_TEXT = re.compile(r"(?<=[^\s])\n[ \t\u00a0]*\n")


# The UTF-8 of every character sanitize's cleaning removes: C0 controls but tab and the
# line ends, DEL, C1 controls, bidi embeddings, overrides and isolates, the BOM and the
# interlinear annotation characters.
_CONTROL_UTF8 = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]"
    rb"|\xe2\x81[\xa6-\xaf]|\xef\xbb\xbf|\xef\xbf[\xb9-\xbb]"
)
# Every byte that can be part of one of them: the single-byte controls, the three lead
# bytes and the continuation bytes. Deleting the rest leaves the leads with their own
# continuations, so a search of what is left finds exactly what a search of all would.
_KEPT = frozenset([*range(0x00, 0x20), 0x7F, 0xC2, 0xE2, 0xEF, *range(0x80, 0xC0)])
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _KEPT)


def _may_hold_controls(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds a character the cleaning removes (or a BOM).

    A search of a 50 MB text for them costs about 0.25 s; this costs a fifth, because
    bytes.translate drops the ordinary bytes in one pass in C before the search."""
    return _CONTROL_UTF8.search(data.translate(None, _NOT_CONTROL_BYTES)) is not None


def read_text(source: Source) -> tuple[str, tuple[str, ...], int]:
    """The decoded text of a text format's source, its notices, and how many characters
    went with lines of nothing but controls (emptied so that they separate paragraphs as
    the blank lines they look like). Other controls stay for the cleaning after parsing."""
    decoded = decode_bytes(source.data, str(source.path))
    text = normalise_newlines(decoded.text)
    # UTF-8 taken as it is (no notice: nothing repaired) without a control in its bytes
    # has none in its text either: no line can be all controls.
    utf8_as_is = decoded.encoding == "utf-8" and not decoded.notices
    if utf8_as_is and not _may_hold_controls(source.data):
        return text, decoded.notices, 0
    text, removed = blank_control_lines(text)
    return text, decoded.notices, removed


def parse_plain(text: str) -> Parsed:
    """Plain text (already decoded) into paragraphs."""
    chunks = _BLANK_LINE.split(text)
    if len(chunks) == 1:
        chunks = text.split("\n")
    return Parsed(tuple(Block(0, chunk) for chunk in chunks if chunk.strip()), {})


def _blocks(chunks: list[str]) -> tuple[Block, ...]:
    return tuple(Block(0, chunk) for chunk in chunks if chunk.strip())


def stream_plain(text: str) -> Iterator[tuple[Block, ...]]:
    """:func:`parse_plain`'s blocks in batches: the text is cut at blank lines (at line
    ends when it has none), a small piece first, and each piece split on its own."""
    blank_lines = _BLANK_LINE.search(text) is not None
    start, size = 0, FIRST_PIECE
    while start < len(text):
        if blank_lines:
            found = _CUT_AFTER_TEXT.search(text, start + size)
            stop, after = (found.start(), found.end()) if found else (len(text), len(text))
            yield _blocks(_BLANK_LINE.split(text[start:stop]))
        else:
            newline = text.find("\n", start + size)
            stop = after = len(text) if newline < 0 else newline + 1
            yield _blocks(text[start:stop].split("\n"))
        start, size = after, PIECE


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

    def stream(self, source: Source) -> Streamed:
        """Decode the bytes as text now (refusing them now), split them as they are read."""
        text, notices, removed = read_text(source)
        return Streamed(stream_plain(text), {}, notices, removed)


FORMAT = TextFormat()
