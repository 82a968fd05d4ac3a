"""The narration controller of the terminal reader: renders paragraphs through any object
with ``render(paragraph) -> RenderedParagraph`` and tells the view where the device is.

Units: ``position`` is frames (samples) of the current paragraph's audio as consumed by the
audio device (see :mod:`reader.playback`); ``word``/``sentence`` are indices into the
paragraph's sync map; character offsets are paragraph-local, as in the sync map.

No Textual here: :meth:`Narrator.in_background` runs renders on daemon threads (synthesis
never runs on the event loop, and quitting never waits for a render to finish) and
:meth:`Narrator.where` is polled by a timer.
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reader.document import Document, Paragraph
from reader.narration.timing import RenderedParagraph, TimedUnit
from reader.playback import Clip, Player, PlayerState

CACHE_PARAGRAPHS = 8


class ParagraphRendererLike(Protocol):
    """Anything that turns a paragraph into audio with a sync map."""

    def render(self, paragraph: Paragraph) -> RenderedParagraph:
        """Narrate ``paragraph``."""
        ...


RendererFactory = Callable[[str | None, int], ParagraphRendererLike]
"""Makes a renderer for a voice (None: the default) and a rate in words per minute."""


@dataclass(frozen=True, slots=True)
class Spoken:
    """Where narration is: paragraph index, word and sentence indices in its sync map
    (None in pauses), their paragraph-local character spans, and the device position."""

    paragraph: int
    word: int | None
    sentence: int | None
    word_span: tuple[int, int] | None
    sentence_span: tuple[int, int] | None
    position: int
    sample_rate: int
    state: PlayerState


class Narrator:
    """Renders paragraphs (cached), feeds the player and reads back the spoken word."""

    def __init__(
        self,
        document: Document,
        player: Player,
        factory: RendererFactory,
        voice: str | None,
        rate: int,
    ) -> None:
        self.document = document
        self.player = player
        self._factory = factory
        # One tuple, replaced whole: the UI thread sets it without waiting for a render.
        self._wanted: tuple[str | None, int] = (voice, rate)
        self._made_for: tuple[str | None, int] | None = None
        self._renderer: ParagraphRendererLike | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, str | None, int], tuple[RenderedParagraph, Clip]]
        self._cache = OrderedDict()
        self._syncs: dict[int, RenderedParagraph] = {}
        self._seconds: dict[int, float] = {}
        self._closed = False

    def set_voice(self, voice: str | None, rate: int) -> None:
        """Use another voice or rate from the next render on (never waits for a render
        in progress, so the UI does not stall)."""
        self._wanted = (voice, rate)

    @property
    def rate(self) -> int:
        """Words per minute asked for."""
        return self._wanted[1]

    def _close_renderer(self) -> None:
        close = getattr(self._renderer, "close", None)
        leave = getattr(self._renderer, "__exit__", None)
        if callable(close):
            close()
        elif callable(leave):
            leave(None, None, None)
        self._renderer = None

    def render(self, index: int) -> tuple[RenderedParagraph, Clip]:
        """Narrate paragraph ``index`` (thread-safe; blocks while the engine works)."""
        with self._lock:
            wanted = self._wanted
            key = (index, *wanted)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            if self._renderer is not None and self._made_for != wanted:
                self._close_renderer()
            if self._renderer is None:
                self._renderer = self._factory(*wanted)
                self._made_for = wanted
            try:
                rendered = self._renderer.render(self.document.paragraphs[index])
            finally:
                if self._closed:  # closed while this render ran: release it now
                    self._close_renderer()
            clip = Clip.from_wav(rendered.wav_path, tag=index)
            self._cache[key] = (rendered, clip)
            while len(self._cache) > CACHE_PARAGRAPHS:
                self._cache.popitem(last=False)
            self._seconds[index] = rendered.sync.duration_ms / 1000.0
            return rendered, clip

    @staticmethod
    def in_background(work: Callable[[], None], name: str = "narration") -> threading.Thread:
        """Run ``work`` on a daemon thread. Not an executor thread: asyncio and
        ``concurrent.futures`` join those at exit, so quitting would wait for a long
        render to finish."""
        thread = threading.Thread(target=work, name=name, daemon=True)
        thread.start()
        return thread

    def start(self, rendered: RenderedParagraph, clip: Clip, offset: int = 0) -> None:
        """Play a rendered paragraph from the word at paragraph-local ``offset``."""
        self._syncs[clip.tag] = rendered
        self.player.play(clip, self.sample_for(rendered, offset))

    def follow_with(self, rendered: RenderedParagraph, clip: Clip) -> None:
        """Queue the next paragraph so it starts with no gap."""
        self._syncs[clip.tag] = rendered
        self.player.enqueue(clip)

    @staticmethod
    def sample_for(rendered: RenderedParagraph, offset: int) -> int:
        """The first sample of the word at or after paragraph-local ``offset``."""
        if offset <= 0:
            return 0
        for word in rendered.sync.words:
            if word.char_end > offset:
                return word.start_sample
        return rendered.sync.sample_count

    def seek(self, offset: int) -> bool:
        """Move within the paragraph being played; False when it is not rendered."""
        snap = self.player.snapshot()
        rendered = self._syncs.get(snap.tag) if snap.tag is not None else None
        if rendered is None:
            return False
        self.player.seek(self.sample_for(rendered, offset))
        return True

    def where(self) -> Spoken | None:
        """The paragraph, word and sentence at the position the device has played."""
        snap = self.player.snapshot()
        if snap.tag is None:
            return None
        rendered = self._syncs.get(snap.tag)
        if rendered is None:
            return None
        sync = rendered.sync
        word = sync.word_at(snap.position)
        sentence = sync.sentence_at(snap.position)
        word_span = None if word is None else _span(sync.words[word])
        sentence_span = None if sentence is None else _span(sync.sentences[sentence])
        return Spoken(
            snap.tag,
            word,
            sentence,
            word_span,
            sentence_span,
            snap.position,
            snap.sample_rate,
            snap.state,
        )

    def durations(self) -> dict[int, float]:
        """Seconds of audio of each paragraph rendered so far (a copy)."""
        return dict(self._seconds)

    def seconds_per_word(self) -> float:
        """Measured from the paragraphs rendered so far, else from the rate."""
        seconds = sum(self._seconds.values())
        words = sum(len(self.document.paragraphs[i].words) for i in self._seconds)
        if seconds > 0 and words:
            return seconds / words
        return 60.0 / self.rate

    def close(self) -> None:
        """Stop playback and release the renderer, without waiting for a render in
        progress (that render releases it when it ends)."""
        self._closed = True
        self.player.stop()
        if self._lock.acquire(blocking=False):
            try:
                self._close_renderer()
            finally:
                self._lock.release()


def _span(unit: TimedUnit) -> tuple[int, int]:
    return unit.char_start, unit.char_end


def default_factory(cache_dir: Path | None = None) -> RendererFactory | None:
    """The project's narration renderer (its cache in ``cache_dir``, default the user's
    cache folder), or None while it is not part of this build."""
    try:
        # Imported by name: the renderer lives on another branch until it is merged.
        module = importlib.import_module("reader.narration.renderer")
    except ImportError:
        return None

    def make(voice: str | None, rate: int) -> ParagraphRendererLike:
        # Pitch and volume are the engine-neutral defaults; the voice names its engine.
        settings = module.NarrationSettings(voice=voice, rate_wpm=rate)
        made: ParagraphRendererLike = module.ParagraphRenderer(
            settings, cache_dir=cache_dir, jobs=1
        )
        enter = getattr(made, "__enter__", None)
        if callable(enter):
            made = enter()
        return made

    return make
