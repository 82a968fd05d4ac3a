"""What ``reader render`` can produce and where: the audio formats, the registry of book
formats (EPUB and any added later), the job a book format gets, the output folder's name
(a slug of the document) and the check that the folder can be written.

This is domain code below the command line: the render pipeline, the EPUB builder, the
command line and the terminal UI all import it, and it imports none of them at module
level (the built-in EPUB writer is loaded only when a book is written).

Units: none of its own; ``BookJob`` carries sync maps in samples (see ``timing``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import EXIT_FAILURE, ReaderError
from reader.sanitize import for_terminal

if TYPE_CHECKING:
    from reader.document import Document
    from reader.narration.timing import RenderedParagraph

AUDIO_FORMATS = ("wav", "mp3", "ogg", "m4b")
GRANULARITIES = ("sentence", "word")


@dataclass(frozen=True, slots=True)
class BookJob:
    """What a book format gets once every paragraph is rendered and its MP3 written:
    ``clips`` and ``mp3s`` are in document order, one per paragraph of ``document``; the
    book goes into ``folder`` as ``<base>.<format>``; ``granularity`` is what a reading
    system highlights (one of :data:`GRANULARITIES`)."""

    document: Document
    clips: Sequence[RenderedParagraph]
    mp3s: Sequence[Path]
    folder: Path
    base: str
    granularity: str = "sentence"


BookWriter = Callable[[BookJob], Path]
BOOK_FORMATS: dict[str, BookWriter] = {}


def register_book_format(name: str, writer: BookWriter) -> None:
    """Make ``--format NAME`` call ``writer`` after the paragraphs are encoded to MP3.
    A book needs every paragraph of the document, so ``--paragraphs`` is refused with it."""
    BOOK_FORMATS[name] = writer


def _write_epub(job: BookJob) -> Path:
    # Imported here: the EPUB builder is not needed unless a book is asked for, and
    # reader.epub.fromrender imports this module (for BookJob) only to type its argument.
    from reader.epub.fromrender import write_epub
    from reader.epub.ownbook import write_own_book
    from reader.epub.owncheck import is_epub

    # An EPUB in: the reader's own book, read along (its files kept); else one built anew.
    return write_own_book(job) if is_epub(job.document.path) else write_epub(job)


register_book_format("epub", _write_epub)


def check_book_inputs(document: Document, books: Sequence[str]) -> None:
    """Raise the one-line refusal a book asked for would end with, before any narration
    is spent on it (today: the read-along edition of an EPUB the reader cannot mark up)."""
    if "epub" not in books:
        return
    from reader.epub.owncheck import is_epub, preflight

    if is_epub(document.path):
        preflight(document.path)


def parse_formats(text: str) -> list[str]:
    """``"wav,mp3"`` as a list, checking every name."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = (*AUDIO_FORMATS, *BOOK_FORMATS)
    for name in names:
        if name not in known:
            raise ReaderError(f"unknown format {name!r}; choose from {', '.join(known)}")
    if not names:
        raise ReaderError(f"no format given; choose from {', '.join(known)}")
    return list(dict.fromkeys(names))


def slug(text: str) -> str:
    """A file-name-safe lower-case name for a document title."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    name = ""
    for word in words:
        if name and len(name) + len(word) >= 48:
            break
        name = f"{name}-{word}" if name else word[:48]
    return name or "document"


def check_writable(folder: Path) -> None:
    """Create ``folder`` and prove a file can be written there, or raise one clear line."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".reader-write-test-{os.getpid()}"
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as error:
        raise ReaderError(
            f"cannot write to {for_terminal(str(folder))}: {error.strerror or error}; "
            "choose another folder with -o",
            EXIT_FAILURE,
        ) from None
