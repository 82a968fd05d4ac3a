"""Reading files and strings into a :class:`~reader.document.Document`.

Pipeline: bytes -> :mod:`reader.decode` (encoding, refusals) -> :mod:`reader.sanitize`
(controls and escape sequences removed) -> :mod:`reader.markup` (blocks and metadata) ->
whitespace normalised -> :mod:`reader.segment` (sentences, words with document offsets).
"""

from __future__ import annotations

import os
import re
import unicodedata
from importlib import resources
from pathlib import Path

from reader.decode import read_text_file
from reader.document import PARAGRAPH_SEPARATOR, Document, Metadata, Paragraph, Section
from reader.markup import (
    Block,
    Parsed,
    looks_like_web_page,
    parse_markdown,
    parse_plain,
    parse_web_page,
)
from reader.sanitize import clean_text

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
_SPACE = re.compile(r"\s+")
_METADATA_KEYS = ("title", "speaker", "place", "note", "date", "source", "language")


def normalise_space(text: str) -> str:
    """Every run of white space (no-break spaces included) becomes one space; ends trimmed."""
    return _SPACE.sub(" ", text).strip()


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


def build_document(parsed: Parsed, path: str = "", notices: tuple[str, ...] = ()) -> Document:
    """Assemble sections, paragraphs, sentences and words from parsed blocks."""
    fields = dict(parsed.fields)
    blocks = [Block(b.level, normalise_space(b.text)) for b in parsed.blocks]
    blocks = [b for b in blocks if b.text]
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
        paragraphs.append(Paragraph(len(paragraphs), len(sections), offset, end, block.text))
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
        notices=notices,
    )


def parse_text(text: str, *, markdown: bool, path: str = "") -> Document:
    """Build a document from already-decoded text (controls are removed here)."""
    cleaned, removed = clean_text(unicodedata.normalize("NFC", text))
    notices = (f"removed {removed} control characters",) if removed else ()
    if markdown:
        parsed = parse_markdown(cleaned)
    elif looks_like_web_page(cleaned):
        parsed = parse_web_page(cleaned)
    else:
        parsed = parse_plain(cleaned)
    return build_document(parsed, path, notices)


def load_document(path: str | os.PathLike[str], max_bytes: int | None = None) -> Document:
    """Read a ``.txt`` or ``.md`` file into a document; refuses bad input with
    :class:`~reader.errors.ReaderError`. Markdown is chosen by the file suffix."""
    file = Path(path)
    decoded = read_text_file(file, max_bytes)
    document = parse_text(
        decoded.text, markdown=file.suffix.lower() in MARKDOWN_SUFFIXES, path=str(file)
    )
    if not document.paragraphs:
        from reader.errors import ReaderError

        raise ReaderError(f"{file}: has no paragraphs of text to read")
    if decoded.notices:
        return _with_notices(document, decoded.notices + document.notices)
    return document


def _with_notices(document: Document, notices: tuple[str, ...]) -> Document:
    from dataclasses import replace

    return replace(document, notices=notices)


BUNDLED_SPEECH = "sessions-iacp-2018.md"


def bundled_speech_path() -> Path:
    """The path of the bundled speech (``texts/`` in a checkout, package data otherwise)."""
    checkout = Path(__file__).resolve().parents[2] / "texts" / BUNDLED_SPEECH
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("reader") / "texts" / BUNDLED_SPEECH))
