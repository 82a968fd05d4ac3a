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
from reader.formats.base import Parsed
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


def build_document(parsed: Parsed, path: str = "", notices: tuple[str, ...] = ()) -> Document:
    """Assemble sections, paragraphs, sentences and words from parsed blocks, cleaning every
    block and field first (the one place cleaning happens; no format can skip it)."""
    cleaner = _Cleaner(parsed.removed)
    fields = {
        cleaner.clean(key, "the metadata"): cleaner.clean(value, f"the metadata field {key!r}")
        for key, value in parsed.fields.items()
    }
    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    offset = 0
    title, level, first = "", 0, 0
    first_heading: tuple[int, str] | None = None
    for block in parsed.blocks:
        if block.level:
            place = f"the heading before paragraph {len(paragraphs) + 1}"
        else:
            place = f"paragraph {len(paragraphs) + 1}"
        text = cleaner.clean_block(block.text, place, block.kind)
        if not text:
            continue
        if block.level:
            first_heading = first_heading or (block.level, text)
            if paragraphs[first:] or title:
                sections.append(Section(len(sections), title, level, first, len(paragraphs)))
            title, level, first = text, block.level, len(paragraphs)
            continue
        if paragraphs:
            offset += len(PARAGRAPH_SEPARATOR)
        end = offset + len(text)
        paragraphs.append(
            Paragraph(
                len(paragraphs), len(sections), offset, end, text, block.language, kind=block.kind
            )
        )
        offset = end
    if paragraphs[first:] or title or not sections:
        sections.append(Section(len(sections), title, level, first, len(paragraphs)))
    if "title" not in fields and first_heading and first_heading[0] == 1:
        fields["title"] = first_heading[1]
    return Document(
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
    name = str(source.path)
    parsed = choose_format(source).parse(source)
    del source  # the file's bytes: a 50 MB book need not keep them while it is built
    document = build_document(parsed, name)
    if not document.paragraphs:
        raise ReaderError(f"{name}: has no paragraphs of text to read")
    return document


BUNDLED_SPEECH = "sessions-iacp-2018.md"


def bundled_speech_path() -> Path:
    """The path of the bundled speech (``texts/`` in a checkout, package data otherwise)."""
    checkout = Path(__file__).resolve().parents[2] / "texts" / BUNDLED_SPEECH
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("reader") / "texts" / BUNDLED_SPEECH))
