"""Rendering paragraphs to verified WAV files with word and sentence timings.

``ParagraphRenderer`` is what the terminal UI and ``reader render`` call. It looks every
paragraph up in the content-addressed cache first; the misses are synthesised ``jobs`` at a
time: for eSpeak, which keeps process-wide state, each in a fresh child of one of ``jobs``
templates forked from this process (``reader.narration.pristinepool``); for engines without
such state, in worker processes and partly on a thread of the caller (safe from a Textual
worker thread: no signals, no stdout; see ``reader.narration.worker``). Any registered
engine speaks (the voice names it, ``engine:id``).
Nothing counts until it is read back from the cache and checked: the audio is non-empty, its
length equals the samples synthesised, and every word has a timing, in order, inside the
audio.

Units: rates in words per minute, pitch 0-100, volume as a factor (1.0 normal); timings are
sample indices into each paragraph's audio (see ``reader.narration.timing``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from reader.document import Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration import pristinepool
from reader.narration.align import AlignmentError, align, check
from reader.narration.cache import CacheEntry, NarrationCache, cache_key, default_cache_dir
from reader.narration.cachelimit import InUse, enforce_limit
from reader.narration.engines import engine_for
from reader.narration.engines.port import WordMark
from reader.narration.limits import MAX_JOBS
from reader.narration.pronunciations import Dictionary, load_dictionary
from reader.narration.spoken import Options, Speakable, speakable
from reader.narration.synthesis import NarrationSettings, synthesise_into_cache
from reader.narration.timing import RenderedParagraph
from reader.narration.worker import WorkerPool

__all__ = ["NarrationSettings", "ParagraphRenderer", "Progress", "RenderFailed"]

EVICTION_INTERVAL_S = 5.0
if TYPE_CHECKING:
    from reader.narration.cluster import ClusterPool
    from reader.narration.pristinepool import PristinePool

Progress = Callable[[int, int], None]


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


class ParagraphRenderer:
    """Renders paragraphs with one set of ``NarrationSettings``; use as a context manager
    so worker processes are shut down."""

    def __init__(
        self,
        settings: NarrationSettings,
        cache_dir: Path | None = None,
        jobs: int = 1,
        *,
        in_process: bool | None = None,
        cluster: str | None = None,
        pronunciations: Dictionary | None = None,
    ) -> None:
        if not 1 <= jobs <= MAX_JOBS:
            raise ReaderError(f"jobs {jobs} is out of range (1 to {MAX_JOBS})")
        self.settings = settings
        self.jobs = jobs
        self.cluster = cluster  # a Dask scheduler address: synthesise there, not here
        # What is said for each text ("$1 million" -> "one million dollars") and the map
        # back to the text's own offsets; the user's dictionary unless one is given.
        self._dictionary = load_dictionary() if pronunciations is None else pronunciations
        self._spoken: dict[str, Speakable] = {}
        self.cache = NarrationCache(cache_dir or default_cache_dir())
        # The keys this renderer works on stay safe from eviction until it is closed.
        self._in_use = InUse(self.cache.root)
        self._evicted_at = 0.0
        # Fails fast, in one line, before any worker starts: an unknown or unavailable
        # engine, or a voice it does not have.
        engine, voice = engine_for(settings.voice)
        self.engine_name = settings.engine_name
        self.engine_version = engine.version()
        # Engines that keep process-wide state (eSpeak) speak in pristine children of
        # templates forked from this process (``pristinepool``; ``in_process=False``: in
        # worker processes instead); others in worker processes and, with
        # ``in_process=True`` (their default), on a thread of this process.
        own_process = engine.capabilities.own_process
        self.in_process = not own_process if in_process is None else in_process
        self.pristine = own_process and in_process is not False and pristinepool.supports(settings)
        self.voice = f"{self.engine_name}:{voice}"
        self.synthesised = 0  # paragraphs synthesised (cache misses) by this renderer
        self.cache_hits = 0
        self._pool: WorkerPool | ClusterPool | PristinePool | None = None
        self._pool_lock = threading.Lock()
        if settings.voice is not None:
            engine.check_voice(voice)

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
        """Stop the worker processes and release this renderer's cache entries."""
        self._in_use.close()
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def spoken(self, text: str) -> Speakable:
        """What the engine is given for ``text`` (numbers, money, abbreviations and the
        pronunciation dictionary applied), with the map back to ``text``."""
        found = self._spoken.get(text)
        if found is None:
            options = Options(spell_us=self.engine_name == "piper")
            found = speakable(text, self._dictionary, options)
            if len(self._spoken) > 4096:  # a long session: forget, do not grow
                self._spoken.clear()
            self._spoken[text] = found
        return found

    def key(self, text: str) -> str:
        """The cache key of ``text`` spoken with these settings (keyed by what is said)."""
        s = self.settings
        return cache_key(
            self.spoken(text).text,
            self.voice,
            s.rate_wpm,
            s.pitch,
            s.engine_volume,
            engine=self.engine_name,
            engine_version=self.engine_version,
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
        self._in_use.add(self.key(paragraph.text) for paragraph in paragraphs)
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
        if missing:
            self._keep_within_limit()
        if failures:
            numbered = [(paragraphs[p].number, failures[p]) for p in sorted(failures)]
            raise RenderFailed(rendered, numbered)
        return [rendered[position] for position in range(total)]

    def _keep_within_limit(self) -> None:
        """Evict least-recently-used entries if the cache outgrew its limit (checked at
        most every few seconds: the check lists the whole cache)."""
        now = time.monotonic()
        if now - self._evicted_at >= EVICTION_INTERVAL_S:
            self._evicted_at = now
            enforce_limit(self.cache.root)

    def _synthesise(
        self, paragraphs: Sequence[Paragraph], missing: dict[str, list[int]]
    ) -> Iterator[tuple[str, int | str]]:
        """Yield ``(key, samples synthesised or failure reason)`` as syntheses finish."""
        if not missing:
            return
        root = str(self.cache.root)
        self.synthesised += len(missing)
        # Synthesis never runs on the calling thread: it only waits, so Ctrl-C lands there
        # and not inside an engine's callback (where ctypes would swallow it).
        with self._pool_lock:
            if self._pool is None and self.cluster:
                from reader.narration.cluster import ClusterPool

                self._pool = ClusterPool(self.cluster, self.settings.voice)
            elif self._pool is None and self.pristine:
                self._pool = pristinepool.adopt(self.settings, self.jobs)
            elif self._pool is None:
                local = partial(_local, self.settings, root) if self.in_process else None
                self._pool = WorkerPool(self.jobs, local, self.settings.voice)
        s = self.settings
        jobs = [
            (key, self.spoken(paragraphs[positions[0]].text).text)
            for key, positions in missing.items()
        ]
        try:
            yield from self._pool.run(jobs, s.as_list(), root)
        except OSError as error:
            raise ReaderError(f"cannot write the narration cache: {error}", EXIT_FAILURE) from None

    def _to_original(self, text: str, marks: Sequence[WordMark]) -> tuple[WordMark, ...]:
        spoken = self.spoken(text)
        if spoken.text == text:
            return tuple(marks)
        return _map_marks(spoken, marks)

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
            marks = self._to_original(paragraph.text, entry.marks)
            sync = align(paragraph, marks, entry.sample_count, entry.sample_rate)
            check(paragraph, sync)
        except AlignmentError as error:
            failures[position] = str(error)
            return
        rendered[position] = RenderedParagraph(entry.wav_path, sync)


def _map_marks(spoken: Speakable, marks: Sequence[WordMark]) -> tuple[WordMark, ...]:
    """Marks on the spoken text moved onto the original text's offsets."""
    moved = []
    for mark in marks:
        start, end = spoken.original_span(mark.char_start, mark.char_start + mark.char_length)
        moved.append(replace(mark, char_start=start, char_length=end - start))
    return tuple(moved)


def _local(settings: NarrationSettings, root: str, key: str, text: str) -> int:
    return synthesise_into_cache(text, settings, root, key)
