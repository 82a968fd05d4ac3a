"""Choosing paragraphs: ranges like ``3-7,12``, sections by number or title, word search.

People give 1-based paragraph and section numbers; the functions here return 0-based
paragraph indices in document order. Every error names the valid range.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from reader.document import Document, Paragraph, Section
from reader.errors import ReaderError
from reader.sections import with_subsections

_RANGE_PART = re.compile(r"^\s*(\d+)\s*(?:[-\u2013:]\s*(\d+)?\s*)?$")


def parse_ranges(spec: str, count: int, what: str = "paragraph") -> list[int]:
    """Parse ``"3-7,12"`` (1-based, inclusive, ``"5-"`` to the end) into sorted unique
    0-based indices, checking each number against ``1..count``."""
    valid = f"{what}s run from 1 to {count}"
    if not spec.strip():
        raise ReaderError(f"no {what} range given; {valid}")
    chosen: set[int] = set()
    for part in spec.split(","):
        match = _RANGE_PART.match(part)
        if not match:
            raise ReaderError(f"{part.strip()!r} is not a {what} number or range; {valid}")
        first = int(match.group(1))
        open_ended = match.group(2) is None and re.search(r"[-\u2013:]", part) is not None
        last = count if open_ended else int(match.group(2) or first)
        for number in (first, last):
            if not 1 <= number <= count:
                raise ReaderError(f"{what} {number} does not exist; {valid}")
        if last < first:
            raise ReaderError(f"{first}-{last} runs backwards; write it as {last}-{first}")
        chosen.update(range(first - 1, last))
    return sorted(chosen)


def parse_number(text: str, count: int, what: str = "paragraph") -> int:
    """One 1-based number in ``1..count``, returned as a 0-based index."""
    stripped = text.strip()
    if not stripped.isdigit():
        raise ReaderError(f"{stripped!r} is not a {what} number; {what}s run from 1 to {count}")
    number = int(stripped)
    if not 1 <= number <= count:
        raise ReaderError(f"{what} {number} does not exist; {what}s run from 1 to {count}")
    return number - 1


def find_section(document: Document, key: str) -> Section:
    """A section by 1-based number or by (case-insensitive, partial) title."""
    count = len(document.sections)
    if key.strip().isdigit():
        return document.sections[parse_number(key, count, "section")]
    wanted = _fold(key)
    exact = [s for s in document.sections if _fold(s.title) == wanted]
    partial = [s for s in document.sections if wanted and wanted in _fold(s.title)]
    matches = exact or partial
    if len(matches) == 1:
        return matches[0]
    titles = "; ".join(f"{s.number}: {s.title or '(untitled)'}" for s in document.sections)
    if not matches:
        raise ReaderError(f"no section is called {key!r}; sections are {titles}")
    raise ReaderError(f"{key!r} matches {len(matches)} sections; give a number: {titles}")


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for searching, with typographic quotes plain."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("\u2019", "'").replace("\u2018", "'")


def matches_search(paragraph: Paragraph, words: str) -> bool:
    """Whether every search word starts a word of the paragraph (case and accents
    ignored): "ask" finds "ask" and "asked", not "task"."""
    haystack = _fold(paragraph.text)
    return all(re.search(rf"(?<!\w){re.escape(term)}", haystack) for term in _fold(words).split())


def search_indices(
    document: Document, words: str, start: int = 0, backwards: bool = False
) -> Iterable[int]:
    """Indices of matching paragraphs from ``start`` onwards (or backwards), wrapping."""
    count = len(document.paragraphs)
    step = -1 if backwards else 1
    for offset in range(count):
        index = (start + step * offset) % count
        if matches_search(document.paragraphs[index], words):
            yield index


def select_paragraphs(
    document: Document,
    paragraphs: str | None = None,
    section: str | None = None,
    search: str | None = None,
) -> list[int]:
    """Combine a range, a section and a search (all given must hold) into indices."""
    chosen = list(range(len(document.paragraphs)))
    if paragraphs is not None:
        chosen = parse_ranges(paragraphs, len(document.paragraphs))
    if section is not None:
        inside = set(with_subsections(document, find_section(document, section)))
        chosen = [i for i in chosen if i in inside]
    if search is not None:
        if not search.strip():
            raise ReaderError("--search needs at least one word")
        chosen = [i for i in chosen if matches_search(document.paragraphs[i], search)]
        if not chosen:
            raise ReaderError(f"no paragraph contains {search!r}")
    if not chosen:
        raise ReaderError("that selection holds no paragraphs")
    return chosen


def describe_selection(indices: list[int], total: int) -> str:
    """The location line: "Paragraphs 3 to 7 of 60", "Paragraph 12 of 60",
    "Paragraphs 3 to 5, 9 of 60"."""
    if len(indices) == 1:
        return f"Paragraph {indices[0] + 1} of {total}"
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    parts = [f"{a + 1} to {b + 1}" if b > a else f"{a + 1}" for a, b in runs]
    return f"Paragraphs {', '.join(parts)} of {total}"
