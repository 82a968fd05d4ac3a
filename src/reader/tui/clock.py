"""The status line's clock: how far narration is into the document and how long it is.

Durations come from the paragraphs rendered so far (exact), the rest from the words left
at the measured seconds per word (an estimate, shown as "about 09:20" until every
paragraph has been rendered). On a steady play the elapsed time never goes backwards: a
new measurement that shortens the estimate of earlier paragraphs is not shown as a jump
back; a move by the reader starts a new play.

Units: seconds; paragraph indices are 0-based; word counts per paragraph.
"""

from __future__ import annotations

from itertools import accumulate

from reader.tui.widgets.status import clock


class NarrationClock:
    """Elapsed and total narration time from known durations and word counts."""

    def __init__(self, word_counts: list[int]) -> None:
        self._starts = [0, *accumulate(word_counts)]
        self._play: int | None = None
        self._shown = 0.0

    def words_before(self, paragraph: int) -> int:
        """Words in the paragraphs before ``paragraph``."""
        return self._starts[paragraph]

    def times(
        self, durations: dict[int, float], per_word: float, paragraph: int, into: float
    ) -> tuple[float, float, bool]:
        """(elapsed, total, exact) for ``into`` seconds into ``paragraph``."""
        known_before = sum(s for i, s in durations.items() if i < paragraph)
        words_known_before = sum(self._words(i) for i in durations if i < paragraph)
        unknown_before = self._starts[paragraph] - words_known_before
        elapsed = known_before + unknown_before * per_word + into
        known_words = sum(self._words(i) for i in durations)
        total = sum(durations.values()) + (self._starts[-1] - known_words) * per_word
        exact = len(durations) >= len(self._starts) - 1
        return elapsed, max(total, elapsed), exact

    def _words(self, paragraph: int) -> int:
        return self._starts[paragraph + 1] - self._starts[paragraph]

    def words(
        self,
        durations: dict[int, float],
        per_word: float,
        paragraph: int,
        into: float,
        play: int | None,
    ) -> str:
        """ "01:32 / about 09:55" (or "/ 09:55" once exact). ``play`` names a steady
        play (None: not playing), within which the elapsed time never decreases."""
        elapsed, total, exact = self.times(durations, per_word, paragraph, into)
        if play is not None and play == self._play:
            elapsed = max(elapsed, self._shown)
        self._play, self._shown = play, elapsed
        return f"{clock(elapsed)} / {'' if exact else 'about '}{clock(max(total, elapsed))}"
