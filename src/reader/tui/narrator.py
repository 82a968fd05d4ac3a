"""The narration controller of the terminal reader: renders paragraphs through any object
with ``render(paragraph) -> RenderedParagraph`` and tells the view where the device is.

Units: ``position`` is frames (samples) of the current piece's audio as consumed by the
audio device (see :mod:`reader.playback`; a paragraph short enough is one piece);
``word``/``sentence`` are indices into the paragraph's words and sentences; character
offsets are paragraph-local, as in the sync map (a piece's are moved to the paragraph's).

No Textual here: :meth:`Narrator.in_background` runs renders on daemon threads (synthesis
never runs on the event loop, and quitting never waits for a render to finish) and
:meth:`Narrator.where` is polled by a timer.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Protocol

from reader.document import Document, Paragraph
from reader.errors import ReaderError
from reader.narration.engines import split_voice
from reader.narration.timing import RenderedParagraph, TimedUnit
from reader.playback import Clip, Player, PlayerState
from reader.tui.pieces import DEFAULT_SIZES, SIZES, Piece, plan

CACHE_PIECES = 12


class ParagraphRendererLike(Protocol):
    """Anything that turns a paragraph into audio with a sync map."""

    def render(self, paragraph: Paragraph) -> RenderedParagraph:
        """Narrate ``paragraph``."""
        ...


RendererFactory = Callable[[str | None, int], ParagraphRendererLike]
"""Makes a renderer for a voice (None: the default) and a rate in words per minute."""


@dataclass(frozen=True, slots=True)
class Spoken:
    """Where narration is: paragraph index, word and sentence indices in the paragraph
    (None in pauses), their paragraph-local character spans, the device position in the
    piece being played, which piece that is (and whether it is the paragraph's last), and
    the seconds of the paragraph spoken (earlier pieces included)."""

    paragraph: int
    word: int | None
    sentence: int | None
    word_span: tuple[int, int] | None
    sentence_span: tuple[int, int] | None
    position: int
    sample_rate: int
    state: PlayerState
    piece: int = 0
    last_piece: bool = True
    seconds: float = 0.0


class Narrator:
    """Renders paragraphs piece by piece (cached), feeds the player and reads back the
    spoken word. A long paragraph is spoken in pieces (see :mod:`reader.tui.pieces`), so
    the first sound never waits for the whole paragraph's synthesis."""

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
        self._cache: OrderedDict[tuple[int, int, str | None, int], Rendered]
        self._cache = OrderedDict()
        self._plans: dict[tuple[int, tuple[int, int]], tuple[Piece, ...]] = {}
        self._plans_lock = threading.Lock()
        # What the player has been given, by (paragraph, piece): the sync map moved to
        # paragraph offsets, and the piece.
        self._syncs: dict[tuple[int, int], tuple[RenderedParagraph, Piece]] = {}
        self._seconds: dict[int, float] = {}
        self._piece_seconds: dict[tuple[int, int], float] = {}
        self._starts: dict[int, list[int]] = {}
        self._word_counts: dict[int, int] = {}  # sentence starts of the paragraph playing
        self.requested: list[tuple[int, int]] = []  # (paragraph, piece) asked of the renderer
        self._closed = False
        # Voices got ready ahead from the chooser (see warm), and the calls on the
        # factory that do and undo that, made in order on one thread of their own.
        self._warmed: set[str | None] = set()
        self._voice_calls: queue.SimpleQueue[Callable[[], object]] | None = None

    def set_voice(self, voice: str | None, rate: int) -> None:
        """Use another voice or rate from the next render on (never waits for a render
        in progress, so the UI does not stall)."""
        self._wanted = (voice, rate)

    @property
    def voice(self) -> str | None:
        """The voice asked for (None: the default)."""
        return self._wanted[0]

    @property
    def rate(self) -> int:
        """Words per minute asked for."""
        return self._wanted[1]

    def preload(self, *, renderer: bool = True) -> None:
        """Get the voice asked for ready ahead, on a background thread (never on the
        caller's): a worker that loads a voice slow to load (see
        :class:`reader.tui.renderers.DefaultFactory`), and, with ``renderer``, the
        renderer for it (which imports and reads more: done once the reader has
        painted)."""
        prepare = getattr(self._factory, "prepare", None)
        voice = self._wanted[0]
        if not callable(prepare):
            return

        def work() -> None:
            with contextlib.suppress(Exception):  # a failure shows when space is pressed
                if prepare(voice) and renderer:
                    with self._lock:
                        self._renderer_for(self._wanted)
                        if self._closed:  # the reader quit meanwhile
                            self._close_renderer()

        self.in_background(work, name="narration-preload")

    def warm(self, voice: str | None) -> None:
        """Start getting ``voice`` ready, as :meth:`preload` does for the voice asked for:
        the chooser calls this for the voice it highlights, so that a voice slow to load
        (Piper) loads while the reader decides. Never waits; :meth:`settle` lets go of
        those not chosen."""
        prepare = getattr(self._factory, "prepare", None)
        if callable(prepare):
            self._warmed.add(voice)
            self._call_in_order(lambda: prepare(voice))

    def settle(self) -> None:
        """The chooser has closed: end what :meth:`warm` started for voices other than
        the one asked for now (a loaded Piper model holds some 250 MB)."""
        release = getattr(self._factory, "release", None)
        others, self._warmed = self._warmed - {self._wanted[0]}, set()
        if callable(release):
            for voice in others:
                self._call_in_order(partial(release, voice))

    def _call_in_order(self, call: Callable[[], object]) -> None:
        """Run ``call`` on the voice thread, after the calls queued before it (so that a
        release never overtakes the start it undoes); its errors show when space is
        pressed."""
        if self._voice_calls is None:
            calls: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
            self._voice_calls = calls

            def serve() -> None:
                while True:
                    next_call = calls.get()
                    with contextlib.suppress(Exception):
                        next_call()

            self.in_background(serve, name="narration-voices")
        self._voice_calls.put(call)

    def _renderer_for(self, wanted: tuple[str | None, int]) -> ParagraphRendererLike:
        """The renderer for ``wanted`` (made, or remade for another voice or rate); call
        with the lock held."""
        if self._renderer is not None and self._made_for != wanted:
            self._close_renderer()
        if self._renderer is None:
            self._renderer = self._factory(*wanted)
            self._made_for = wanted
        return self._renderer

    def pieces(self, index: int) -> tuple[Piece, ...]:
        """How paragraph ``index`` is cut for the voice asked for now (computed once)."""
        sizes = piece_sizes(self._wanted[0])
        key = (index, sizes)
        with self._plans_lock:
            found = self._plans.get(key)
        if found is None:
            found = plan(self.document.paragraphs[index], *sizes)
            with self._plans_lock:
                self._plans[key] = found
        return found

    def piece_at(self, index: int, offset: int) -> int:
        """The piece of paragraph ``index`` that holds paragraph-local ``offset``."""
        for piece in self.pieces(index):
            if piece.holds(offset):
                return piece.number
        return 0

    def after(self, index: int, piece: int) -> tuple[int, int] | None:
        """The (paragraph, piece) spoken after ``piece`` of ``index``; None at the end."""
        if piece + 1 < len(self.pieces(index)):
            return index, piece + 1
        if index + 1 < len(self.document.paragraphs):
            return index + 1, 0
        return None

    def _close_renderer(self) -> None:
        close = getattr(self._renderer, "close", None)
        leave = getattr(self._renderer, "__exit__", None)
        if callable(close):
            close()
        elif callable(leave):
            leave(None, None, None)
        self._renderer = None

    def render(self, index: int, piece: int = 0) -> Rendered:
        """Narrate piece ``piece`` of paragraph ``index`` (thread-safe; blocks while the
        engine works). The sync map comes back in paragraph offsets, the audio as a clip
        tagged with the paragraph and the piece."""
        with self._lock:
            wanted = self._wanted
            key = (index, piece, *wanted)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            pieces = self.pieces(index)
            part = pieces[min(piece, len(pieces) - 1)]
            renderer = self._renderer_for(wanted)
            self.requested.append((index, part.number))
            paragraph = self.document.paragraphs[index]
            try:
                rendered = renderer.render(part.text_of(paragraph))
            finally:
                if self._closed:  # closed while this render ran: release it now
                    self._close_renderer()
            rendered = _moved(rendered, part)
            clip = Clip.from_wav(rendered.wav_path, tag=index, piece=part.number)
            made = Rendered(rendered, clip, part)
            self._cache[key] = made
            while len(self._cache) > CACHE_PIECES:
                self._cache.popitem(last=False)
            seconds = rendered.sync.duration_ms / 1000.0
            self._piece_seconds[(index, part.number)] = seconds
            known = [self._piece_seconds.get((index, p.number)) for p in pieces]
            if all(s is not None for s in known):
                self._seconds[index] = sum(s for s in known if s is not None)
            return made

    @staticmethod
    def in_background(work: Callable[[], None], name: str = "narration") -> threading.Thread:
        """Run ``work`` on a daemon thread. Not an executor thread: asyncio and
        ``concurrent.futures`` join those at exit, so quitting would wait for a long
        render to finish."""
        thread = threading.Thread(target=work, name=name, daemon=True)
        thread.start()
        return thread

    def start(self, made: Rendered, offset: int = 0) -> None:
        """Play a rendered piece from the word at paragraph-local ``offset``."""
        self._syncs[(made.clip.tag, made.clip.piece)] = (made.rendered, made.piece)
        start = self.sample_for(made.rendered, offset) if made.piece.holds(offset) else 0
        self.player.play(made.clip, start)

    def follow_with(self, made: Rendered) -> None:
        """Queue the next piece (or paragraph) so it starts with no gap."""
        self._syncs[(made.clip.tag, made.clip.piece)] = (made.rendered, made.piece)
        self.player.enqueue(made.clip)

    @staticmethod
    def sample_for(rendered: RenderedParagraph, offset: int) -> int:
        """The first sample of the word at or after paragraph-local ``offset``."""
        if offset <= 0:
            return 0
        for word in rendered.sync.words:
            if word.char_end > offset:
                return word.start_sample
        return rendered.sync.sample_count

    def playing(self) -> RenderedParagraph | None:
        """The rendered piece the device is on (sync map in paragraph offsets)."""
        snap = self.player.snapshot()
        found = None if snap.tag is None else self._syncs.get((snap.tag, snap.piece))
        return None if found is None else found[0]

    def given(self, index: int, piece: int = 0) -> RenderedParagraph | None:
        """A rendered piece once the player has been given it."""
        found = self._syncs.get((index, piece))
        return None if found is None else found[0]

    def seek(self, offset: int) -> bool:
        """Move within the piece being played; False when ``offset`` is not in it."""
        snap = self.player.snapshot()
        found = None if snap.tag is None else self._syncs.get((snap.tag, snap.piece))
        if found is None or not found[1].holds(offset):
            return False
        self.player.seek(self.sample_for(found[0], offset))
        return True

    def where(self) -> Spoken | None:
        """The paragraph, word and sentence at the position the device has played."""
        snap = self.player.snapshot()
        if snap.tag is None:
            return None
        found = self._syncs.get((snap.tag, snap.piece))
        if found is None:
            return None
        rendered, piece = found
        sync = rendered.sync
        paragraph = self.document.paragraphs[snap.tag]
        word = sync.word_at(snap.position)
        in_sentence = sync.sentence_at(snap.position)
        word_span = None if word is None else _span(sync.words[word])
        sentence = sentence_span = None
        if in_sentence is not None:
            unit = sync.sentences[in_sentence]
            if piece.whole:
                sentence_span = _span(unit)
            sentence = self._sentence_at(paragraph, unit.char_start)
            if not piece.whole:  # a clause piece: the whole sentence, not the clause
                found_sentence = paragraph.sentences[sentence]
                sentence_span = (
                    paragraph.local(found_sentence.start),
                    paragraph.local(found_sentence.end),
                )
        return Spoken(
            snap.tag,
            None if word is None else piece.first_word + word,
            sentence,
            word_span,
            sentence_span,
            snap.position,
            snap.sample_rate,
            snap.state,
            piece.number,
            piece.last,
            self._seconds_before(snap.tag, piece.number) + snap.position / snap.sample_rate,
        )

    def _sentence_at(self, paragraph: Paragraph, offset: int) -> int:
        """The index of the paragraph's sentence that holds paragraph-local ``offset``
        (the sentence starts are listed once per paragraph: this runs 60 times a second)."""
        starts = self._starts.get(paragraph.index)
        if starts is None:
            starts = [paragraph.local(s.start) for s in paragraph.sentences]
            self._starts = {paragraph.index: starts}
        return max(0, bisect_right(starts, offset) - 1)

    def _seconds_before(self, index: int, piece: int) -> float:
        """Seconds of paragraph ``index`` before its piece ``piece`` (estimated from the
        words where a piece is not rendered)."""
        if piece == 0:
            return 0.0
        per_word = self.seconds_per_word()
        total = 0.0
        for part in self.pieces(index)[:piece]:
            known = self._piece_seconds.get((index, part.number))
            total += known if known is not None else part.words * per_word
        return total

    def durations(self) -> dict[int, float]:
        """Seconds of audio of each paragraph rendered so far (a copy)."""
        return dict(self._seconds)

    def seconds_per_word(self) -> float:
        """Measured from the paragraphs rendered so far, else from the rate."""
        seconds = sum(self._seconds.values())
        words = sum(self._words(i) for i in self._seconds)
        if seconds > 0 and words:
            return seconds / words
        return 60.0 / self.rate

    def _words(self, index: int) -> int:
        """How many words paragraph ``index`` has (counted once: polled 60 times a
        second)."""
        found = self._word_counts.get(index)
        if found is None:
            found = self._word_counts[index] = len(self.document.paragraphs[index].words)
        return found

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


@dataclass(frozen=True, slots=True)
class Rendered:
    """One rendered piece: its sync map (paragraph offsets), its clip and the piece."""

    rendered: RenderedParagraph
    clip: Clip
    piece: Piece


def piece_sizes(voice: str | None) -> tuple[int, int]:
    """(first piece, largest piece) in words for the engine that speaks ``voice``."""
    try:
        engine = split_voice(voice)[0]
    except ReaderError:
        return DEFAULT_SIZES
    return SIZES.get(engine, DEFAULT_SIZES)


def _moved(rendered: RenderedParagraph, piece: Piece) -> RenderedParagraph:
    """A piece's sync map with its character offsets moved to the paragraph's."""
    if piece.start == 0:
        return replace(rendered, sync=replace(rendered.sync, paragraph_index=piece.paragraph))
    shift = piece.start

    def moved(units: tuple[TimedUnit, ...]) -> tuple[TimedUnit, ...]:
        return tuple(replace(u, char_start=u.char_start + shift, char_end=u.char_end + shift)
                     for u in units)  # fmt: skip

    sync = replace(
        rendered.sync,
        paragraph_index=piece.paragraph,
        words=moved(rendered.sync.words),
        sentences=moved(rendered.sync.sentences),
    )
    return replace(rendered, sync=sync)


def _span(unit: TimedUnit) -> tuple[int, int]:
    return unit.char_start, unit.char_end
