"""What is spoken besides the paragraphs: opening credits ("<title>. By <author>."), each
section's heading, and closing credits ("End of <title>.").

Each is an *entry* of the full-length audio like a paragraph: its own audio file (with the
pause after it), its place in the timeline, its caption cue. The sync maps keep paragraphs
and announcements apart, so nothing that reads paragraphs changes: the whole-document map's
``paragraphs`` array holds paragraphs only (their offsets simply count the spoken headings
before them) and a new ``announcements`` array holds the rest; the read-along book reads
paragraphs only (its text shows the headings; a paragraph's audio file still ends where
the next entry starts). A chapter starts where its heading is spoken.

An announcement is spoken as a ``Paragraph`` that is not in the document (``index`` -1),
so the renderer, the cache and the word alignment treat it as any other text.

Pure: no audio. Units: none (texts); gaps in samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reader.document import Document, Paragraph
from reader.narration.languages import document_language, primary

PARAGRAPH = "paragraph"
OPENING = "opening"
HEADING = "heading"
CLOSING = "closing"

# The words around the title and the author, by primary language; others read the title
# and the author alone ("<title>. <author>." and "<title>.").
_WORDS: dict[str, tuple[str, str]] = {
    "en": ("By", "End of"),
    "de": ("Von", "Ende von"),
    "fr": ("Par", "Fin de"),
    "es": ("Por", "Fin de"),
    "it": ("Di", "Fine di"),
    "pt": ("Por", "Fim de"),
    "nl": ("Door", "Einde van"),
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing spoken in the full-length audio, in order: a paragraph of the document
    or an announcement (``kind``), with the file stem its audio is written under."""

    kind: str
    paragraph: Paragraph
    stem: str


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _spoken(text: str, section_index: int) -> Paragraph:
    return Paragraph(-1, section_index, 0, len(text), text)


def credits_texts(document: Document) -> tuple[str, str]:
    """The opening and closing credits of ``document``."""
    by, end = _WORDS.get(primary(document_language(document)), ("", ""))
    title = document.title
    author = document.metadata.speaker or dict(document.metadata.extra).get("author", "")
    opening = _sentence(title)
    if author:
        opening += f" {by} {_sentence(author)}" if by else f" {_sentence(author)}"
    closing = _sentence(f"{end} {title}" if end else title)
    return opening, closing


def plan_entries(
    document: Document,
    paragraphs: Sequence[Paragraph],
    stems: Sequence[str],
    *,
    credits: bool,
    headings: bool,
) -> list[Entry]:
    """The entries of a render of ``paragraphs`` (named ``stems``): credits around them
    when ``credits`` and every paragraph of the document is there, and before each
    paragraph that opens a titled section its heading when ``headings``."""
    whole = len(paragraphs) == len(document.paragraphs)
    width = max(3, len(str(len(document.sections))))
    entries: list[Entry] = []
    opening, closing = credits_texts(document)
    if credits and whole and paragraphs:
        entries.append(Entry(OPENING, _spoken(opening, 0), "opening"))
    for paragraph, stem in zip(paragraphs, stems, strict=True):
        section = document.section_of(paragraph)
        # Opening credits have just said the title: a first heading that repeats it is not
        # said again.
        repeat = bool(entries) and section.index == 0 and section.title == document.title
        if headings and section.title and section.first == paragraph.index and not repeat:
            heading = _spoken(_sentence(section.title), section.index)
            entries.append(Entry(HEADING, heading, f"h{section.number:0{width}d}"))
        entries.append(Entry(PARAGRAPH, paragraph, stem))
    if credits and whole and paragraphs:
        last = paragraphs[-1].section_index
        entries.append(Entry(CLOSING, _spoken(closing, last), "closing"))
    return entries


def entry_gaps(document: Document, entries: Sequence[Entry], gap: int) -> list[int]:
    """The pause after each entry, in samples: ``gap``, doubled before a heading (spoken
    or not: a new titled section), before the closing credits and after the opening ones;
    none after the last."""
    gaps = []
    for index, entry in enumerate(entries):
        if index + 1 == len(entries):
            gaps.append(0)
            continue
        following = entries[index + 1]
        new_section = (
            entry.kind == PARAGRAPH
            and following.kind == PARAGRAPH
            and following.paragraph.section_index != entry.paragraph.section_index
            and bool(document.sections[following.paragraph.section_index].title)
        )
        longer = new_section or entry.kind == OPENING or following.kind in (HEADING, CLOSING)
        gaps.append(gap * 2 if longer else gap)
    return gaps
