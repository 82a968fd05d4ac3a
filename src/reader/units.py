"""The smallest units of a document: sentences and their words.

Units: ``start``/``end`` are character offsets into ``Document.text`` (half-open). Kept
apart from :mod:`reader.document` so that :mod:`reader.segment`, which builds them, and the
document model, which holds them, do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Word:
    """One word: ``start``/``end`` are document character offsets."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence with its words; offsets are document character offsets."""

    start: int
    end: int
    text: str
    words: tuple[Word, ...]
