"""Checks that the narration handed to the EPUB builder fits the document, so a broken
sync map becomes one clear error instead of a book that highlights the wrong words.

Units: ``char_start``/``char_end`` are offsets into ``Paragraph.text`` (paragraph-local);
``start_sample``/``end_sample`` are sample indices into the paragraph's audio.
"""

from __future__ import annotations

from collections.abc import Sequence

from reader.document import Document, Paragraph
from reader.errors import ReaderError
from reader.narration.timing import RenderedParagraph, TimedUnit

RERENDER = "render the narration again"


def check_clips(document: Document, clips: Sequence[RenderedParagraph]) -> None:
    """Raise :class:`ReaderError` unless there is one clip per paragraph, in order, each
    with a sync map whose units lie inside the paragraph's text and audio."""
    name = document.path or document.title
    if len(clips) != len(document.paragraphs):
        raise ReaderError(
            f"{name}: {len(document.paragraphs)} paragraphs but {len(clips)} narrated clips; "
            f"{RERENDER}"
        )
    for paragraph, clip in zip(document.paragraphs, clips, strict=True):
        sync = clip.sync
        where = f"{name}: paragraph {paragraph.number}"
        if sync.paragraph_index != paragraph.index:
            raise ReaderError(
                f"{where}: its clip belongs to paragraph {sync.paragraph_index + 1}; {RERENDER}"
            )
        # Clips are whole milliseconds: audio shorter than one would have no clip at all.
        if sync.sample_rate <= 0 or sync.sample_count * 1000 < sync.sample_rate:
            raise ReaderError(f"{where}: its audio is empty; {RERENDER}")
        check_units(paragraph, sync.words, sync.sample_count, f"{where} (words)")
        check_units(paragraph, sync.sentences, sync.sample_count, f"{where} (sentences)")


def check_units(
    paragraph: Paragraph, units: Sequence[TimedUnit], sample_count: int, where: str
) -> None:
    """Units must be in order, not overlap, and match the paragraph's text exactly."""
    text_end = 0
    audio_end = 0
    for unit in units:
        if not text_end <= unit.char_start < unit.char_end <= len(paragraph.text):
            raise ReaderError(f"{where}: {unit.text!r} is out of order or outside the text")
        if paragraph.text[unit.char_start : unit.char_end] != unit.text:
            raise ReaderError(f"{where}: {unit.text!r} does not match the paragraph's text")
        if not audio_end <= unit.start_sample < unit.end_sample <= sample_count:
            raise ReaderError(f"{where}: {unit.text!r} is out of order or outside the audio")
        text_end = unit.char_end
        audio_end = unit.end_sample
