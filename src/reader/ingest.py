"""Reading files and strings into a :class:`~reader.document.Document`.

Pipeline: :func:`reader.formats.files.read_source` (bytes, size limit, regular files only)
-> a format chosen by :func:`reader.formats.choose_format` (decoding and parsing into
blocks and metadata fields) -> :func:`build_document`, the one path every format goes
through: controls, escape sequences and bidi overrides are removed from every block and
every field here, after parsing, so characters a parser decodes from character references
(``&#8238;``) are removed too -> whitespace normalised -> :mod:`reader.segment` (sentences,
words with document offsets, on first use).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import replace
from importlib import resources
from pathlib import Path

from reader.document import PARAGRAPH_SEPARATOR, Document, Metadata, Paragraph, Section
from reader.errors import ReaderError
from reader.formats import choose_format
from reader.formats.base import Block, Parsed
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
    lines = [
        "".join(" " if char.isspace() else char for char in line.expandtabs(4)).rstrip()
        for line in text.splitlines()
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


def build_document(parsed: Parsed, path: str = "", notices: tuple[str, ...] = ()) -> Document:
    """Assemble sections, paragraphs, sentences and words from parsed blocks, cleaning every
    block and field first (the one place cleaning happens; no format can skip it)."""
    cleaner = _Cleaner(parsed.removed)
    fields = {
        cleaner.clean(key, "the metadata"): cleaner.clean(value, f"the metadata field {key!r}")
        for key, value in parsed.fields.items()
    }
    blocks: list[Block] = []
    paragraph_count = 0
    for block in parsed.blocks:
        place = f"paragraph {paragraph_count + 1}"
        if block.level:
            place = f"the heading before paragraph {paragraph_count + 1}"
        cleaned = cleaner.clean(block.text, place)
        text = normalise_code(cleaned) if block.kind == "code" else normalise_space(cleaned)
        if text:
            blocks.append(Block(block.level, text, block.kind, block.language, block.anchor))
            paragraph_count += 0 if block.level else 1
    if "title" not in fields:
        first_heading = next((b for b in blocks if b.level), None)
        if first_heading and first_heading.level == 1:
            fields["title"] = first_heading.text
    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    texts: list[str] = []
    offset = 0
    title, level, first = "", 0, 0
    for block in blocks:
        if block.level:
            if paragraphs[first:] or title:
                sections.append(Section(len(sections), title, level, first, len(paragraphs)))
            title, level, first = block.text, block.level, len(paragraphs)
            continue
        if texts:
            offset += len(PARAGRAPH_SEPARATOR)
        end = offset + len(block.text)
        paragraphs.append(
            Paragraph(
                len(paragraphs),
                len(sections),
                offset,
                end,
                block.text,
                block.language,
                kind=block.kind,
            )
        )
        texts.append(block.text)
        offset = end
    if paragraphs[first:] or title or not sections:
        sections.append(Section(len(sections), title, level, first, len(paragraphs)))
    return Document(
        text=PARAGRAPH_SEPARATOR.join(texts),
        metadata=_metadata(fields),
        sections=tuple(sections),
        paragraphs=tuple(paragraphs),
        path=path,
        notices=(*notices, *parsed.notices, *cleaner.notice()),
    )


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
    parsed = choose_format(source).parse(source)
    document = build_document(parsed, str(source.path))
    if not document.paragraphs:
        raise ReaderError(f"{source.path}: has no paragraphs of text to read")
    return document


BUNDLED_SPEECH = "sessions-iacp-2018.md"


def bundled_speech_path() -> Path:
    """The path of the bundled speech (``texts/`` in a checkout, package data otherwise)."""
    checkout = Path(__file__).resolve().parents[2] / "texts" / BUNDLED_SPEECH
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("reader") / "texts" / BUNDLED_SPEECH))
