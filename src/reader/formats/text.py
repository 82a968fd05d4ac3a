"""Plain text: paragraphs are separated by blank lines; a file without any blank line has
one paragraph per line. Also the decoding every text format shares (:func:`read_text`).
"""

from __future__ import annotations

import re

from reader.decode import decode_bytes
from reader.formats.base import Block, Parsed, Source
from reader.sanitize import blank_control_lines, normalise_newlines

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")


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
