"""Reading files and strings into a :class:`~reader.document.Document`.

Pipeline: :func:`reader.formats.files.read_source` (bytes, size limit, regular files only)
-> a format chosen by :func:`reader.formats.choose_format` (decoding and parsing into
blocks and metadata fields) -> :func:`build_document`, the one path every format goes
through: controls, escape sequences and bidi overrides are removed from every block and
every field here, after parsing, so characters a parser decodes from character references
(``&#8238;``) are removed too -> whitespace normalised -> :mod:`reader.segment` (sentences,
words with document offsets, on first use).

:func:`open_document` is the same pipeline a batch at a time, for ``read`` and ``open``: a
format that can stream (plain text, Markdown) is decoded and checked whole, then parsed a
piece at a time, and the document comes back with its first batch built and the rest
left to its loader (the same builder, so the finished document equals
:func:`load_document`'s). EPUB and HTML are read whole.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from importlib import resources
from pathlib import Path

from reader.document import PARAGRAPH_SEPARATOR, Document, Metadata, Paragraph, Section
from reader.errors import ReaderError
from reader.formats import choose_format
from reader.formats.base import PIECE, Block, Parsed, Streamed
from reader.formats.files import read_source
from reader.sanitize import blank_control_lines, clean_text, normalise_newlines

_METADATA_KEYS = ("title", "speaker", "place", "note", "date", "source", "language")


def normalise_space(text: str) -> str:
    """Every run of white space (no-break spaces included) becomes one space; ends trimmed."""
    # str.split() splits on exactly the characters ``\s`` matches, in a fraction of the time.
    return " ".join(text.split())


def normalise_code(text: str) -> str:
    """A code block's lines kept: tabs expanded, trailing white space and blank lines at
    either end removed, runs of blank lines folded to one (a blank line is no paragraph
    break inside code), every other white space character made a space."""
    # A printable line has no white space but the space to replace: most lines of code.
    lines = [
        line.rstrip()
        if (line := raw.expandtabs(4)).isprintable()
        else "".join(" " if char.isspace() else char for char in line).rstrip()
        for raw in text.splitlines()
    ]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip("\n")


def _metadata(fields: dict[str, str]) -> Metadata:
    known = {key: normalise_space(fields[key]) for key in _METADATA_KEYS if key in fields}
    if "author" in fields and "speaker" not in known:
        known["speaker"] = normalise_space(fields["author"])
    extra = tuple(
        (key, normalise_space(value))
        for key, value in fields.items()
        if key not in _METADATA_KEYS and key != "author"
    )
    return Metadata(**known, extra=extra)


class _Cleaner:
    """Cleans text and remembers how much went and where first, for one notice."""

    def __init__(self, removed_before: int) -> None:
        self.removed = 0
        self.before = removed_before
        self.first = ""

    def clean_block(self, text: str, place: str, kind: str = "paragraph") -> str:
        """A block's text cleaned, then with its white space normalised (a code block's
        lines kept)."""
        if kind == "code":
            return normalise_code(self.clean(text, place))
        # Every character cleaning removes (controls, escapes, bidi and format characters)
        # and every white space but the ASCII space are unprintable, so most blocks (a
        # Markdown paragraph) pass with one test in C instead of a search, a split and a
        # join each: a 50 MB book has some 40,000 of them.
        if text.isprintable():
            if not text.isascii() and not unicodedata.is_normalized("NFC", text):
                text = unicodedata.normalize("NFC", text)
            if "  " not in text and text[:1] != " " and text[-1:] != " ":
                return text
            return normalise_space(text)
        return normalise_space(self.clean(text, place))

    def clean(self, text: str, place: str) -> str:
        cleaned, removed = clean_text(text)
        if removed:
            self.removed += removed
            self.first = self.first or place
        if not cleaned.isascii() and not unicodedata.is_normalized("NFC", cleaned):
            # A removed control or a decoded reference can leave a combining mark beside
            # its base letter: compose again, as the decoder did for the file.
            cleaned = unicodedata.normalize("NFC", cleaned)
        return cleaned

    def notice(self) -> tuple[str, ...]:
        total = self.removed + self.before
        if not total:
            return ()
        where = f" (the first in {self.first})" if self.first else ""
        noun = "control characters and escape codes"
        if total == 1:
            noun = "control character"
        return (f"removed {total} {noun}{where}",)


def block_text(text: str, kind: str = "paragraph") -> str:
    """A block's text exactly as :func:`build_document` puts it in the document: cleaned,
    white space normalised, a code block's lines kept. For writers that must find a
    paragraph again in its source (the read-along edition of an EPUB)."""
    return _Cleaner(0).clean_block(text, "", kind)


class _Builder:
    """Turns blocks into sections and paragraphs, one batch after another; the paragraphs
    and closed sections of earlier batches never change."""

    def __init__(self, parsed_fields: dict[str, str], removed: int) -> None:
        self.cleaner = _Cleaner(removed)
        cleaner = self.cleaner
        self.fields = {
            cleaner.clean(key, "the metadata"): cleaner.clean(value, f"the metadata field {key!r}")
            for key, value in parsed_fields.items()
        }
        self.closed: list[Section] = []
        self.paragraphs: list[Paragraph] = []
        self.offset = 0
        self.title, self.level, self.first = "", 0, 0
        self.first_heading: tuple[int, str] | None = None

    def add(self, blocks: Iterable[Block]) -> None:
        """Clean the blocks and add them as paragraphs, a heading opening a section."""
        cleaner, sections, paragraphs = self.cleaner, self.closed, self.paragraphs
        offset = self.offset
        for block in blocks:
            if block.level:
                place = f"the heading before paragraph {len(paragraphs) + 1}"
            else:
                place = f"paragraph {len(paragraphs) + 1}"
            text = cleaner.clean_block(block.text, place, block.kind)
            if not text:
                continue
            if block.level:
                self.first_heading = self.first_heading or (block.level, text)
                if len(paragraphs) > self.first or self.title:
                    sections.append(
                        Section(len(sections), self.title, self.level, self.first, len(paragraphs))
                    )
                self.title, self.level, self.first = text, block.level, len(paragraphs)
                continue
            if paragraphs:
                offset += len(PARAGRAPH_SEPARATOR)
            end = offset + len(text)
            paragraphs.append(
                Paragraph(
                    len(paragraphs), len(sections), offset, end, text, block.language, block.kind
                )
            )
            offset = end
        self.offset = offset

    def open_section(self) -> Section:
        """The section the last heading opened, as far as it goes now."""
        closed, title, level, first = self.closed, self.title, self.level, self.first
        return Section(len(closed), title, level, first, len(self.paragraphs))

    def final_sections(self) -> tuple[Section, ...]:
        """Every section, the last one closed at the end of the text."""
        last = self.open_section()
        if last.stop > last.first or last.title or not self.closed:
            return (*self.closed, last)
        return tuple(self.closed)

    def metadata(self) -> Metadata:
        """The metadata, with the first heading as the title when it is a level-1 one."""
        fields = dict(self.fields)
        if "title" not in fields and self.first_heading and self.first_heading[0] == 1:
            fields["title"] = self.first_heading[1]
        return _metadata(fields)

    def notices(self, before: tuple[str, ...]) -> tuple[str, ...]:
        """``before`` and what cleaning removed."""
        return (*before, *self.cleaner.notice())


def build_document(parsed: Parsed, path: str = "", notices: tuple[str, ...] = ()) -> Document:
    """Assemble sections, paragraphs, sentences and words from parsed blocks, cleaning every
    block and field first (the one place cleaning happens; no format can skip it)."""
    builder = _Builder(parsed.fields, parsed.removed)
    builder.add(parsed.blocks)
    return Document(
        metadata=builder.metadata(),
        sections=builder.final_sections(),
        paragraphs=tuple(builder.paragraphs),
        path=path,
        notices=builder.notices((*notices, *parsed.notices)),
    )


class _Loading:
    """The :class:`~reader.document.Loader` of a document opened before it is all read:
    each step builds the next batch of blocks into the document's growing lists."""

    def __init__(self, builder: _Builder, streamed: Streamed, sections: list[Section]) -> None:
        self.builder = builder
        self.batches = streamed.batches
        self.notices = streamed.notices
        self.sections = sections  # the document's: the closed sections, then the open one
        self.lock = threading.Lock()
        self.document: Document | None = None

    def step(self) -> bool:
        """Add the next batch; complete the document after the last one."""
        with self.lock:
            document = self.document
            if document is None or document.complete:
                return False
            batch = next(self.batches, None)
            if batch is None:
                builder = self.builder
                document.completed(
                    builder.metadata(),
                    builder.final_sections(),
                    tuple(builder.paragraphs),
                    builder.notices(self.notices),
                )
                return False
            self.publish(batch)
            return True

    def publish(self, batch: tuple[Block, ...]) -> None:
        """Build ``batch`` and show its sections: one slice assignment, so that a reader
        in another thread never sees the open section missing."""
        closed = len(self.builder.closed)
        self.builder.add(batch)
        self.sections[closed:] = [*self.builder.closed[closed:], self.builder.open_section()]


def open_document(
    path: str | os.PathLike[str], max_bytes: int | None = None, *, whole_below: int = PIECE
) -> Document:
    """Like :func:`load_document`, but the document may come back still loading: decoded
    and checked (bad input refused as by :func:`load_document`), its first batch built,
    the rest read by :meth:`~reader.document.Document.load_more` and its kin.

    A file under ``whole_below`` bytes is read whole (it takes a few tens of milliseconds,
    and its counts are then exact from the start), and so is a format that cannot stream
    (EPUB, HTML: their parsers want the whole file)."""
    source = read_source(path, max_bytes)
    name = str(source.path)
    input_format = choose_format(source)
    stream = getattr(input_format, "stream", None)
    if stream is None or len(source.data) < whole_below:
        parsed = input_format.parse(source)
        del source  # the file's bytes: a 50 MB book need not keep them while it is built
        return _checked(build_document(parsed, name))
    streamed: Streamed = stream(source)
    del source
    builder = _Builder(streamed.fields, streamed.removed)
    sections: list[Section] = []
    loading = _Loading(builder, streamed, sections)
    # Batches until there is a paragraph (a book may open with pages of headings only).
    while not builder.paragraphs and (batch := next(streamed.batches, None)) is not None:
        loading.publish(batch)
    document = Document(
        metadata=builder.metadata(),
        sections=sections,
        paragraphs=builder.paragraphs,
        path=name,
        notices=streamed.notices,
        loader=loading,
    )
    loading.document = document
    if not builder.paragraphs:
        document.finish()
        raise ReaderError(f"{name}: has no paragraphs of text to read")
    return document


def parse_text(text: str, *, markdown: bool, path: str = "") -> Document:
    """Build a document from already-decoded text: Markdown, or plain text (a scraped web
    page when it starts like one). Cleaned by :func:`build_document` like any file."""
    from reader.formats.markdown import parse_markdown
    from reader.formats.text import parse_plain
    from reader.formats.webpage import looks_like_web_page, parse_web_page

    text, removed = blank_control_lines(normalise_newlines(unicodedata.normalize("NFC", text)))
    if markdown:
        parsed = parse_markdown(text)
    elif looks_like_web_page(text):
        parsed = parse_web_page(text)
    else:
        parsed = parse_plain(text)
    return build_document(replace(parsed, removed=removed), path)


def load_document(path: str | os.PathLike[str], max_bytes: int | None = None) -> Document:
    """Read a file in any known format into a document; refuses bad input with
    :class:`~reader.errors.ReaderError` (one line). The format is chosen by the file's
    suffix, then by its bytes; plain text is the fallback."""
    source = read_source(path, max_bytes)
    name = str(source.path)
    parsed = choose_format(source).parse(source)
    del source  # the file's bytes: a 50 MB book need not keep them while it is built
    return _checked(build_document(parsed, name))


def _checked(document: Document) -> Document:
    if not document.paragraphs:
        raise ReaderError(f"{document.path}: has no paragraphs of text to read")
    return document


BUNDLED_SPEECH = "sessions-iacp-2018.md"


def bundled_speech_path() -> Path:
    """The path of the bundled speech (``texts/`` in a checkout, package data otherwise)."""
    checkout = Path(__file__).resolve().parents[2] / "texts" / BUNDLED_SPEECH
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("reader") / "texts" / BUNDLED_SPEECH))
