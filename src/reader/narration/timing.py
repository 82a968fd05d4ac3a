"""The types narration produces and everyone else consumes (TUI highlighting, sync files,
EPUB overlays). No engine code here: importing this module loads nothing heavy.

Units: ``start_sample``/``end_sample`` are sample indices into the paragraph's own audio
(half-open, at ``sample_rate``); milliseconds are derived from them, never stored apart.
``char_start``/``char_end`` are character offsets into ``Paragraph.text`` (paragraph-local,
half-open), so ``paragraph.text[u.char_start:u.char_end] == u.text``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class TimedUnit:
    """A word or sentence with its place in the audio and in the paragraph text."""

    start_sample: int
    end_sample: int
    char_start: int
    char_end: int
    text: str

    def start_ms(self, sample_rate: int) -> float:
        """Start in milliseconds."""
        return self.start_sample * 1000.0 / sample_rate

    def end_ms(self, sample_rate: int) -> float:
        """End in milliseconds."""
        return self.end_sample * 1000.0 / sample_rate


@dataclass(frozen=True, slots=True)
class ParagraphSync:
    """The sync map of one paragraph's audio.

    ``words`` and ``sentences`` are in text order, non-overlapping, with
    ``0 <= start_sample < end_sample <= sample_count``.
    """

    paragraph_index: int
    sample_rate: int
    sample_count: int
    words: tuple[TimedUnit, ...]
    sentences: tuple[TimedUnit, ...]

    @property
    def duration_ms(self) -> float:
        """The length of the audio in milliseconds."""
        return self.sample_count * 1000.0 / self.sample_rate

    def word_at(self, sample: int) -> int | None:
        """Index of the word being spoken at ``sample`` (the last one that has started,
        while its span holds the sample), or None in a pause before the first word."""
        return _unit_at(self.words, sample)

    def sentence_at(self, sample: int) -> int | None:
        """Index of the sentence being spoken at ``sample``."""
        return _unit_at(self.sentences, sample)


def _unit_at(units: tuple[TimedUnit, ...], sample: int) -> int | None:
    starts = [unit.start_sample for unit in units]
    index = bisect_right(starts, sample) - 1
    if index < 0 or sample >= units[index].end_sample:
        return None
    return index


@dataclass(frozen=True, slots=True)
class RenderedParagraph:
    """One paragraph's narration: a verified WAV file and its sync map."""

    wav_path: Path
    sync: ParagraphSync

    @property
    def sample_rate(self) -> int:
        """Samples per second of the WAV."""
        return self.sync.sample_rate

    @property
    def sample_count(self) -> int:
        """Number of samples (frames, mono) in the WAV."""
        return self.sync.sample_count
