"""The progress of a batch render as people see it: on a terminal one status line that is
rewritten in place (documents, paragraphs, hours of audio, elapsed time, time left); when
stderr is not a terminal (a log, CI) one plain line per document started and finished.

Units: seconds; audio in hours and minutes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from reader.narration.batch import BatchItem, DocumentOutcome, Estimate, clock
from reader.sanitize import for_terminal

REDRAW_S = 0.2


class BatchDisplay:
    """A :class:`reader.narration.batch.BatchProgress` writing to stderr."""

    def __init__(self, items: Sequence[BatchItem], *, enabled: bool = True) -> None:
        self.items = items
        self.enabled = enabled
        self.terminal = enabled and sys.stderr.isatty()
        self.estimate = Estimate(sum(item.size for item in items))
        self.index = 0
        self.finished_bytes = 0
        self.paragraphs = 0
        self.current_paragraphs = 0
        self.audio_seconds = 0.0
        self._drawn = 0.0
        self._width = 0

    def document_started(self, index: int, item: BatchItem) -> None:
        """Show the document that starts."""
        self.index = index
        self.current_paragraphs = 0
        if self.enabled and not self.terminal:
            self._line(f"[{index + 1}/{len(self.items)}] {for_terminal(str(item.path))}")
        self._draw(force=True)

    def paragraphs_done(self, done: int, total: int) -> None:
        """Count the current document's paragraphs and move the estimate on."""
        self.current_paragraphs = done
        size = self.items[self.index].size
        self.estimate.done_bytes = self.finished_bytes + (size * done / total if total else 0)
        self._draw()

    def document_finished(self, index: int, outcome: DocumentOutcome) -> None:
        """Add the document's paragraphs and audio; say how it went."""
        self.finished_bytes += outcome.item.size
        self.estimate.done_bytes = self.finished_bytes
        self.current_paragraphs = 0
        summary = outcome.summary
        if summary is not None:
            self.paragraphs += summary.paragraphs
            self.audio_seconds += summary.seconds or 0.0
        if not self.enabled:
            return
        name = for_terminal(str(outcome.item.path))
        if summary is None:
            self._line(f"[{index + 1}/{len(self.items)}] {name}: failed: {outcome.error}")
        elif not self.terminal:
            audio = "" if summary.seconds is None else f", {clock(summary.seconds)} of audio"
            self._line(
                f"[{index + 1}/{len(self.items)}] {name}: {summary.paragraphs} paragraphs"
                f"{audio} ({summary.synthesised} synthesised)"
            )
        self._draw(force=True)

    def note(self, text: str) -> None:
        """A notice about one document (already escaped)."""
        if self.enabled:
            self._line(f"note: {text}")

    def stopped(self) -> None:
        """The batch stops early: end the status line, so the reason starts a line."""
        self.close()

    def close(self) -> None:
        """End the status line."""
        if self.terminal and self._width:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._width = 0

    def status(self) -> str:
        """The status line's text."""
        left = self.estimate.left()
        hours = self.audio_seconds / 3600
        return (
            f"document {min(self.index + 1, len(self.items))}/{len(self.items)} · "
            f"{self.paragraphs + self.current_paragraphs:,} paragraphs · "
            f"{hours:.1f} h of audio · {clock(self.estimate.elapsed())} elapsed"
            + ("" if left is None else f" · about {clock(left)} left")
        )

    def _line(self, text: str) -> None:
        if self.terminal and self._width:
            sys.stderr.write("\r" + " " * self._width + "\r")
            self._width = 0
        print(f"reader: {text}", file=sys.stderr, flush=True)

    def _draw(self, *, force: bool = False) -> None:
        if not self.terminal:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_S:
            return
        self._drawn = now
        text = f"reader: {self.status()}"
        sys.stderr.write("\r" + text.ljust(self._width))
        sys.stderr.flush()
        self._width = len(text)
