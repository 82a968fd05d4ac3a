"""Plain-text export for screen readers and braille displays.

The output is a title line, a location line ("Paragraphs 3 to 7 of 60"), then the
paragraphs separated by one blank line: no decoration, no hard wrapping unless asked. The
structure a reader needs stays: section headings on lines of their own ("## Chapter
Two"), code blocks line by line, bullets before list items.
Files are written atomically (a temporary file in the same folder, then a rename), so a
failed or interrupted export never leaves half a file under the final name; only regular
files are ever replaced (see :mod:`reader.atomic`).
"""

from __future__ import annotations

import os
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reader.atomic import NotARegularFile, atomic_file, writable_target
from reader.document import Document, Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.sanitize import for_terminal
from reader.selection import describe_selection

_ASCII_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "--",
        "\u2015": "--",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "*",
        "\u00b7": "*",
    }
)


def to_ascii(text: str) -> str:
    """Typographic quotes, dashes and ellipses as ASCII; accented Latin letters lose their
    accents. Characters with no ASCII form (other scripts) are kept, never dropped."""
    mapped = text.translate(_ASCII_MAP)
    out = []
    for char in mapped:
        if ord(char) < 128:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and base.isascii() else char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """How to lay out an export."""

    numbered: bool = False
    ascii: bool = False
    wrap: int = 0


def export_text(document: Document, indices: Sequence[int], options: ExportOptions) -> str:
    """The plain text of the chosen paragraphs, ending in one newline.

    A chosen paragraph that opens a section comes after that section's heading, written
    as a line of its own with a level marker ("## Chapter Two"), never numbered; a code
    block keeps its lines (never wrapped); a bullet list item keeps its bullet.
    ``numbered`` puts the paragraph number in brackets ("[5] 1. Numbered one"), so that it
    cannot be read as a list item's own number."""
    # The title may be a file name: its undecodable bytes are written as \xNN escapes.
    lines = [
        for_terminal(document.title),
        describe_selection(list(indices), len(document.paragraphs)),
    ]
    blocks = ["\n".join(lines)]
    headings = _headings(document)
    for index in indices:
        blocks.extend(headings.get(index, ()))
        blocks.append(_body(document.paragraphs[index], options))
    text = "\n\n".join(blocks) + "\n"
    return to_ascii(text) if options.ascii else text


def _headings(document: Document) -> dict[int, list[str]]:
    """The heading lines written before each paragraph that opens titled sections."""
    found: dict[int, list[str]] = {}
    for section in document.sections:
        if section.title and section.first < len(document.paragraphs):
            line = f"{'#' * max(1, min(section.level, 6))} {section.title}"
            found.setdefault(section.first, []).append(line)
    return found


def _body(paragraph: Paragraph, options: ExportOptions) -> str:
    """One paragraph as written: its number if asked, its bullet, its code lines."""
    number = f"[{paragraph.number}]" if options.numbered else ""
    if paragraph.kind == "code":
        # On a line of its own: the code's first line keeps its indentation.
        return f"{number}\n{paragraph.text}" if number else paragraph.text
    lead = " ".join(part for part in (number, paragraph.marker) if part)
    body = f"{lead} {paragraph.text}" if lead else paragraph.text
    if options.wrap:
        hang = " " * (len(paragraph.marker) + 1) if paragraph.marker and not number else ""
        body = "\n".join(
            textwrap.wrap(
                body,
                options.wrap,
                subsequent_indent=hang,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return body


def write_atomically(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Refuses to replace an existing file unless ``force``, and never replaces anything but
    a regular file (devices, FIFOs, sockets, links to them), even with ``force``; a
    symbolic link to a regular file is written through. A replaced file keeps its mode
    and owner (see :mod:`reader.atomic`). Readers see the old file or the whole new one.
    """
    try:
        target = writable_target(path)
    except NotARegularFile as error:
        raise ReaderError(
            f"{path}: {error.strerror}; export only writes regular files, give another name"
        ) from None
    if target.exists() and not force:
        raise ReaderError(f"{path}: already exists; use --force to replace it")
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise ReaderError(f"{folder}: no such folder; create it first")

    def refuse_if_created_meanwhile() -> None:
        if not force and os.path.lexists(target):
            raise ReaderError(f"{path}: already exists; use --force to replace it")

    try:
        with atomic_file(path, before_replace=refuse_if_created_meanwhile) as handle:
            # A file name's undecodable bytes (surrogate escapes) go back out as those bytes.
            handle.write(text.encode("utf-8", "surrogateescape"))
    except NotARegularFile as error:  # replaced by a device or FIFO since the check
        raise ReaderError(f"{path}: {error.strerror}; give another name") from None
    except OSError as error:
        raise ReaderError(
            f"{path}: could not be written ({error.strerror})", EXIT_FAILURE
        ) from None
