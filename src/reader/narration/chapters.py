"""Chapters players accept: at most 255 of them, one per section or one per stretch of
about ``--chapter-minutes`` of audio, cut at paragraph boundaries.

Why 255: an MP3's chapters are ID3 CHAP frames listed by one CTOC frame whose entry count
is a single byte (ID3v2 Chapter Frame Addendum 1.0), so a 256th chapter wraps the count
(300 CHAP frames under a CTOC that says 44). The same list serves M4B and the Vorbis
``CHAPTERnnn`` comments of OGG (Xiph's Chapter Extension allows 000-999).

Pure: no audio, no ffmpeg. Units: sample indices in the full-length audio for starts and
ends, ``sample_rate`` to turn the chapter target from minutes into samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from reader.document import Document, Paragraph

MAX_CHAPTERS = 255
DEFAULT_MINUTES = 10.0


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter of the full-length audio, in samples."""

    start: int
    end: int
    title: str


@dataclass(frozen=True, slots=True)
class PlacedParagraph:
    """A paragraph's span in the full-length audio, in samples."""

    paragraph: Paragraph
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Unit:
    """What chapters are made of: a section, or a paragraph of a text without sections."""

    start: int
    title: str
    first: int  # paragraph numbers (1-based) it covers, for the "Part" titles
    last: int


def plan_chapters(
    document: Document,
    placed: Sequence[PlacedParagraph],
    total: int,
    sample_rate: int,
    *,
    minutes: float = DEFAULT_MINUTES,
    limit: int = MAX_CHAPTERS,
) -> list[Chapter]:
    """The chapters of ``placed`` (in audio order, ``total`` samples long).

    With two or more titled sections: one chapter per section, adjacent short ones merged
    when there are more than ``limit``. Otherwise: chapters of about ``minutes`` each, cut
    at paragraph ends and titled "Part N (paragraphs a-b)", longer when ``limit`` needs it.
    The first chapter starts at 0 and each ends where the next starts (the last at
    ``total``), so the chapters cover the audio without gaps."""
    if not placed:
        return []
    if limit < 1:
        raise ValueError("limit must be at least 1")
    titled = sum(1 for s in document.sections if s.title) >= 2
    units = _section_units(document, placed) if titled else _paragraph_units(placed)
    starts = [unit.start for unit in units] + [total]
    lengths = [b - a for a, b in pairwise(starts)]
    # Sections stand alone (threshold 0) unless there are too many of them.
    threshold = 0 if titled else max(1, round(minutes * 60 * sample_rate))
    groups = _group(lengths, threshold)
    if len(groups) > limit:
        groups = _group(lengths, _smallest_threshold(lengths, threshold, limit))
    chapters = []
    for number, (first, stop) in enumerate(groups, 1):
        start = 0 if number == 1 else units[first].start
        end = starts[stop]
        chapters.append(Chapter(start, end, _title(units[first:stop], number, titled)))
    return chapters


def _section_units(document: Document, placed: Sequence[PlacedParagraph]) -> list[_Unit]:
    units: list[_Unit] = []
    current = -1
    for item in placed:
        section = document.section_of(item.paragraph)
        number = item.paragraph.number
        if section.index != current:
            current = section.index
            units.append(_Unit(item.start, section.title or document.title, number, number))
        else:
            last = units[-1]
            units[-1] = _Unit(last.start, last.title, last.first, number)
    return units


def _paragraph_units(placed: Sequence[PlacedParagraph]) -> list[_Unit]:
    return [_Unit(item.start, "", item.paragraph.number, item.paragraph.number) for item in placed]


def _group(lengths: Sequence[int], threshold: int) -> list[tuple[int, int]]:
    """Consecutive runs of units (half-open index ranges), each closed as soon as it
    lasts ``threshold`` samples; a short remainder joins the run before it."""
    groups: list[tuple[int, int]] = []
    first, length = 0, 0
    for index, unit in enumerate(lengths):
        length += unit
        if length >= threshold:
            groups.append((first, index + 1))
            first, length = index + 1, 0
    if first < len(lengths):
        if groups and length < threshold / 2:
            groups[-1] = (groups[-1][0], len(lengths))
        else:
            groups.append((first, len(lengths)))
    return groups


def _smallest_threshold(lengths: Sequence[int], low: int, limit: int) -> int:
    """The smallest run length that makes at most ``limit`` runs (the count only falls
    as the threshold grows, so bisection finds it)."""
    high = max(sum(lengths), 1)
    while low < high:
        middle = (low + high) // 2
        if len(_group(lengths, middle)) <= limit:
            high = middle
        else:
            low = middle + 1
    return low


def _title(units: Sequence[_Unit], number: int, titled: bool) -> str:
    if titled:
        if len(units) == 1:
            return units[0].title
        return f"{units[0].title} – {units[-1].title}"
    first, last = units[0].first, units[-1].last
    span = f"paragraph {first}" if first == last else f"paragraphs {first}-{last}"
    return f"Part {number} ({span})"


def vorbis_comments(chapters: Sequence[Chapter], sample_rate: int) -> list[tuple[str, str]]:
    """Xiph's chapter comments for OGG: ``CHAPTER001=HH:MM:SS.mmm`` (the start) and
    ``CHAPTER001NAME=title``. ffmpeg's OGG muxer ignores FFMETADATA ``[CHAPTER]`` blocks
    but writes these as ordinary tags, and its Vorbis reader turns them back into
    chapters."""
    if len(chapters) > 999:
        raise ValueError("Vorbis chapter comments number 001-999")
    comments = []
    for number, chapter in enumerate(chapters, 1):
        milliseconds = chapter.start * 1000 // sample_rate
        hours, rest = divmod(milliseconds, 3_600_000)
        minutes, rest = divmod(rest, 60_000)
        seconds, millis = divmod(rest, 1000)
        key = f"CHAPTER{number:03d}"
        comments.append((key, f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"))
        comments.append((f"{key}NAME", chapter.title))
    return comments
