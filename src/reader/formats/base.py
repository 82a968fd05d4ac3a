"""The format port: what every input format turns a file into.

A format is one module in :mod:`reader.formats` exposing ``FORMAT``, an object that
satisfies :class:`InputFormat`. It turns raw bytes into :class:`Parsed` blocks and
metadata fields. It does not clean text: the one function that builds a
:class:`~reader.document.Document` removes controls, escape sequences and bidi overrides
from every block and field after parsing, so no format can skip it.

A block is a heading (``level`` >= 1) or a body block (``level`` 0) of raw, not yet
whitespace-normalised text.

A format whose text can be cut into independent pieces (plain text, Markdown) may also offer
``stream(source)``: the same blocks as ``parse``, in batches (:class:`Streamed`), the first
one small, so that a reader can show the start of a long book before the rest is parsed.
Everything that can refuse the input (decoding) happens before the first batch.

Importing this module loads nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

# Streaming cuts the text into pieces of about this many characters: a small first one
# (more than a screenful), then bigger ones (fewer calls, each still short enough for a UI
# loading them in the background to stay responsive between them).
FIRST_PIECE = 64 * 1024
PIECE = 1024 * 1024

BlockKind = Literal["heading", "paragraph", "code", "list-item", "quote", "table-row", "note"]


@dataclass(frozen=True, slots=True)
class Block:
    """A heading (``level`` 1-6) or a body block (``level`` 0).

    ``kind`` says what the block was in the source: code keeps its line breaks, a list
    item its marker; ``language`` is a BCP 47 tag when the block's language differs from
    the document's; ``anchor`` names the source element (``chapter1.xhtml#p12``) for
    formats whose source is kept, such as EPUB books.
    """

    level: int
    text: str
    kind: BlockKind = "paragraph"
    language: str = ""
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Parsed:
    """Blocks plus the metadata fields found in the source (``title``, ``speaker`` or
    ``author``, ``language``, ``date``, ...), and notices for the user.

    ``removed`` counts characters a format dropped before parsing (lines of nothing but
    controls, which must read as blank lines); the cleaning notice includes them.
    """

    blocks: tuple[Block, ...]
    fields: dict[str, str]
    notices: tuple[str, ...] = field(default=())
    removed: int = 0


@dataclass(frozen=True, slots=True)
class Streamed:
    """What ``parse`` returns, with the blocks in batches: concatenated, ``batches`` are
    exactly ``parse``'s blocks. The fields, notices and ``removed`` are known up front."""

    batches: Iterator[tuple[Block, ...]]
    fields: dict[str, str]
    notices: tuple[str, ...] = field(default=())
    removed: int = 0


def streamed(parsed: Parsed) -> Streamed:
    """A whole parse as one batch (for a format that cannot stream)."""
    return Streamed(iter((parsed.blocks,)), parsed.fields, parsed.notices, parsed.removed)


@dataclass(frozen=True, slots=True)
class Source:
    """A file as read from disk: its path and its raw bytes (already size-checked)."""

    path: Path
    data: bytes


@runtime_checkable
class InputFormat(Protocol):
    """An input format: its name, the suffixes it claims, and its parser."""

    @property
    def name(self) -> str:
        """A short name for messages and ``reader info`` ("Markdown", "EPUB")."""
        ...

    @property
    def suffixes(self) -> frozenset[str]:
        """Lower-case suffixes with the dot (``{".md", ".markdown"}``)."""
        ...

    def sniff(self, source: Source) -> bool:
        """True when the bytes are this format whatever the suffix (cheap; may be False)."""
        ...

    def parse(self, source: Source) -> Parsed:
        """The blocks and fields of ``source``; raises ``ReaderError`` with one line for
        input it refuses (binary where text is expected, a broken archive, DRM)."""
        ...
