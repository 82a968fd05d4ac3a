"""Rendering paragraphs to verified WAV files with word and sentence timings.

``ParagraphRenderer`` is what the terminal UI and ``reader render`` call. It looks every
paragraph up in the content-addressed cache first; the misses are synthesised on the
calling thread (``jobs=1``, safe from a Textual worker thread: no signals, no stdout) or in
worker processes (``jobs>1``: eSpeak initialises once per process, so processes are the unit
of parallelism). Nothing counts until it is read back from the cache and checked: the audio
is non-empty, its length equals the samples synthesised, and every word has a timing, in
order, inside the audio.

Units: rates in words per minute, pitch 0-100, volume as a factor (1.0 normal); timings are
sample indices into each paragraph's audio (see ``reader.narration.timing``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType

from reader.document import Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration import engine
from reader.narration.align import AlignmentError, align, check
from reader.narration.cache import CacheEntry, NarrationCache, cache_key, default_cache_dir
from reader.narration.engine import EngineEvent
from reader.narration.limits import (
    MAX_ENGINE_RATE_WPM,
    MAX_JOBS,
    MAX_PITCH,
    MAX_RATE_WPM,
    MAX_VOLUME,
    MIN_RATE_WPM,
)
from reader.narration.timing import RenderedParagraph
from reader.narration.worker import WorkerPool

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class NarrationSettings:
    """How to speak: voice id (None for eSpeak's default English), words per minute,
    pitch 0-100 (50 normal) and volume factor 0-2 (1.0 normal)."""

    voice: str | None = None
    rate_wpm: int = 175
    pitch: int = 50
    volume: float = 1.0

    def __post_init__(self) -> None:
        if not MIN_RATE_WPM <= self.rate_wpm <= MAX_RATE_WPM:
            raise ReaderError(
                f"rate {self.rate_wpm} is out of range ({MIN_RATE_WPM} to {MAX_RATE_WPM} wpm)"
            )
        if not 0 <= self.pitch <= MAX_PITCH:
            raise ReaderError(f"pitch {self.pitch} is out of range (0 to {MAX_PITCH})")
        if not 0.0 < self.volume <= MAX_VOLUME:
            raise ReaderError(f"volume {self.volume} is out of range (above 0, up to 2.0)")

    @property
    def engine_rate(self) -> int:
        """The rate eSpeak speaks at (it is exact up to 430 wpm)."""
        return min(self.rate_wpm, MAX_ENGINE_RATE_WPM)

    @property
    def stretch(self) -> float:
        """How much faster than the engine the audio is played (1.0: not stretched)."""
        return self.rate_wpm / self.engine_rate

    @property
    def engine_volume(self) -> int:
        """eSpeak's volume (0-200, 100 normal)."""
        return round(self.volume * 100)


class RenderFailed(ReaderError):
    """Some paragraphs got no audio. ``rendered`` holds the ones that did (by position in
    the list given), ``failures`` the 1-based paragraph numbers with the reason."""

    def __init__(
        self, rendered: dict[int, RenderedParagraph], failures: list[tuple[int, str]]
    ) -> None:
        shown = "; ".join(f"paragraph {number}: {reason}" for number, reason in failures[:5])
        more = f" and {len(failures) - 5} more" if len(failures) > 5 else ""
        super().__init__(
            f"{len(failures)} paragraph(s) have no audio ({shown}{more})", EXIT_FAILURE
        )
        self.rendered = rendered
        self.failures = failures


def synthesise_into_cache(text: str, settings: NarrationSettings, root: str, key: str) -> int:
    """Synthesise ``text`` and store it under ``key``; returns the samples synthesised.

    Runs in a worker process or on the caller's thread. Rates above 430 wpm are spoken at
    430 and time-stretched, with the event positions scaled to the stretched audio.
    """
    result = engine.synthesise(
        text, settings.voice, settings.engine_rate, settings.pitch, settings.engine_volume
    )
    pcm, events = result.pcm, result.events
    if not pcm:
        raise ReaderError("the engine produced no audio", EXIT_FAILURE)
    if settings.stretch != 1.0:
        from reader.narration.assemble import time_stretch

        stretched = time_stretch(pcm, result.sample_rate, settings.stretch)
        scale = (len(stretched) // 2) / result.sample_count
        events = tuple(
            EngineEvent(e.kind, e.char_start, e.char_length, int(e.sample * scale)) for e in events
        )
        pcm = stretched
        if not pcm:
            raise ReaderError("time-stretching produced no audio", EXIT_FAILURE)
    NarrationCache(Path(root)).store(key, pcm, result.sample_rate, events)
    return len(pcm) // 2


class ParagraphRenderer:
    """Renders paragraphs with one set of ``NarrationSettings``; use as a context manager
    so worker processes are shut down."""

    def __init__(
        self, settings: NarrationSettings, cache_dir: Path | None = None, jobs: int = 1
    ) -> None:
        if not 1 <= jobs <= MAX_JOBS:
            raise ReaderError(f"jobs {jobs} is out of range (1 to {MAX_JOBS})")
        self.settings = settings
        self.jobs = jobs
        self.cache = NarrationCache(cache_dir or default_cache_dir())
        self.engine_version = engine.engine_version()
        self.synthesised = 0  # paragraphs synthesised (cache misses) by this renderer
        self.cache_hits = 0
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()
        if settings.voice is not None:  # fail fast, before any worker starts
            engine.check_voice(settings.voice)

    def __enter__(self) -> ParagraphRenderer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def key(self, text: str) -> str:
        """The cache key of ``text`` spoken with these settings."""
        s = self.settings
        return cache_key(
            text, s.voice, s.rate_wpm, s.pitch, s.engine_volume, engine_version=self.engine_version
        )

    def render(self, paragraph: Paragraph) -> RenderedParagraph:
        """One paragraph's verified audio and sync map (``ReaderError`` if it has none)."""
        return self.render_many([paragraph])[0]

    def render_many(
        self,
        paragraphs: Sequence[Paragraph],
        progress: Progress | None = None,
        *,
        on_rendered: Callable[[int, RenderedParagraph], None] | None = None,
    ) -> list[RenderedParagraph]:
        """Render every paragraph (in parallel when ``jobs > 1``), returned in the order
        given. ``progress(done, total)`` is called as paragraphs finish, and
        ``on_rendered(position, clip)`` as each one is verified (on the calling thread,
        while the others are still being synthesised). Raises ``RenderFailed`` after all
        others are done if any paragraph got no audio."""
        total = len(paragraphs)
        rendered: dict[int, RenderedParagraph] = {}
        failures: dict[int, str] = {}
        missing: dict[str, list[int]] = {}
        for position, paragraph in enumerate(paragraphs):
            key = self.key(paragraph.text)
            entry = None if key in missing else self.cache.load(key)
            if entry is None:
                missing.setdefault(key, []).append(position)
                continue
            self.cache_hits += 1
            self._finish(
                paragraphs=paragraphs,
                position=position,
                entry=entry,
                synthesised=None,
                rendered=rendered,
                failures=failures,
            )
            if on_rendered is not None and position in rendered:
                on_rendered(position, rendered[position])
        done = len(rendered) + len(failures)
        if progress is not None:
            progress(done, total)
        for key, outcome in self._synthesise(paragraphs, missing):
            positions = missing[key]
            for position in positions:
                if isinstance(outcome, str):
                    failures[position] = outcome
                else:
                    entry = self.cache.load(key)
                    self._finish(
                        paragraphs=paragraphs,
                        position=position,
                        entry=entry,
                        synthesised=outcome,
                        rendered=rendered,
                        failures=failures,
                    )
                    if on_rendered is not None and position in rendered:
                        on_rendered(position, rendered[position])
            done += len(positions)
            if progress is not None:
                progress(done, total)
        if failures:
            numbered = [(paragraphs[p].number, failures[p]) for p in sorted(failures)]
            raise RenderFailed(rendered, numbered)
        return [rendered[position] for position in range(total)]

    def _synthesise(
        self, paragraphs: Sequence[Paragraph], missing: dict[str, list[int]]
    ) -> Iterator[tuple[str, int | str]]:
        """Yield ``(key, samples synthesised or failure reason)`` as syntheses finish."""
        if not missing:
            return
        root = str(self.cache.root)
        self.synthesised += len(missing)
        # Even with one job, synthesis runs on a pool thread: the calling thread only waits,
        # so Ctrl-C lands there and not inside eSpeak's callback (where ctypes would swallow
        # it).
        with self._pool_lock:
            if self._pool is None:
                self._pool = WorkerPool(self.jobs, partial(_local, self.settings, root))
        s = self.settings
        jobs = [(key, paragraphs[positions[0]].text) for key, positions in missing.items()]
        try:
            yield from self._pool.run(jobs, [s.voice, s.rate_wpm, s.pitch, s.volume], root)
        except OSError as error:
            raise ReaderError(f"cannot write the narration cache: {error}", EXIT_FAILURE) from None

    def _finish(
        self,
        *,
        paragraphs: Sequence[Paragraph],
        position: int,
        entry: CacheEntry | None,
        synthesised: int | None,
        rendered: dict[int, RenderedParagraph],
        failures: dict[int, str],
    ) -> None:
        """Check an entry against its paragraph and count it only if it is whole."""
        paragraph = paragraphs[position]
        if entry is None:
            failures[position] = "its audio could not be read back from the cache"
            return
        if synthesised is not None and entry.sample_count != synthesised:
            failures[position] = (
                f"{entry.sample_count} samples stored but {synthesised} synthesised"
            )
            return
        try:
            sync = align(paragraph, entry.events, entry.sample_count, entry.sample_rate)
            check(paragraph, sync)
        except AlignmentError as error:
            failures[position] = str(error)
            return
        rendered[position] = RenderedParagraph(entry.wav_path, sync)


def _local(settings: NarrationSettings, root: str, key: str, text: str) -> int:
    return synthesise_into_cache(text, settings, root, key)
