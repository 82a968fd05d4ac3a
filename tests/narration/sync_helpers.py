"""A synthetic timeline for sync-format and chapter tests: words timed by their position
in the text, no engine."""

from __future__ import annotations

from pathlib import Path

from reader.ingest import parse_text
from reader.narration.syncformats import Timeline, build_timeline
from reader.narration.timing import ParagraphSync, RenderedParagraph, TimedUnit

RATE = 1000  # one sample a millisecond keeps the expected clocks readable
MS_PER_CHAR = 60  # a fast reader: 42 characters in 2.5 s


def fake_timeline(
    text: str, *, gap: int = 500, ms_per_char: int = MS_PER_CHAR, chapter_minutes: float = 10.0
) -> Timeline:
    """Every paragraph of ``text`` "spoken" at ``ms_per_char``, words timed by position."""
    document = parse_text(text, markdown=True)
    clips = []
    for paragraph in document.paragraphs:
        length = len(paragraph.text)
        words = tuple(
            TimedUnit(
                (w.start - paragraph.start) * ms_per_char,
                (w.end - paragraph.start) * ms_per_char,
                w.start - paragraph.start,
                w.end - paragraph.start,
                w.text,
            )
            for w in paragraph.words
        )
        sentences = tuple(
            TimedUnit(
                (s.start - paragraph.start) * ms_per_char,
                (s.end - paragraph.start) * ms_per_char,
                s.start - paragraph.start,
                s.end - paragraph.start,
                s.text,
            )
            for s in paragraph.sentences
        )
        sync = ParagraphSync(paragraph.index, RATE, length * ms_per_char, words, sentences)
        clips.append(RenderedParagraph(Path(f"p{paragraph.number:03d}.wav"), sync))
    gaps = [gap] * (len(clips) - 1) + [0]
    stems = [f"p{p.number:03d}" for p in document.paragraphs]
    return build_timeline(
        document, clips, document.paragraphs, gaps, stems, chapter_minutes=chapter_minutes
    )
