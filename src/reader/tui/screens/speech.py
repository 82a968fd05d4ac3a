"""The reading state shared by the screen and its narration: what is current, what is
marked, and the narration loop (render in a worker thread, play, follow the device).

Units: ``current`` is a 0-based paragraph index; spans are paragraph-local character
offsets; playback positions are frames consumed by the audio device; times are seconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import cast

from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from reader.document import Paragraph
from reader.errors import ReaderError
from reader.narration.engines import rate_range
from reader.playback import PlayerState
from reader.tui.clock import NarrationClock
from reader.tui.narrator import Narrator, Rendered
from reader.tui.refusals import explained
from reader.tui.screens.voices import voice_words
from reader.tui.session import SessionApp
from reader.tui.themes import theme_label
from reader.tui.widgets.reading import ReadingView, Span

POLL_HZ = 60  # worst-case lag = one poll (17 ms) + one device period, well inside 50 ms
RATE_STEP = 25
# Seconds the reader rests on a paragraph before it is rendered ahead, so that space then
# starts at once even on a paragraph that takes long to synthesise (and moving quickly
# through the text renders nothing).
PREPARE_DELAY = 0.4


class SpeakingScreen(Screen[None]):
    """Reactive reading state plus play/pause/stop/rate and the highlight that follows."""

    current: reactive[int] = reactive(0, init=False)
    sentence: reactive[int] = reactive(0, init=False)
    word_span: reactive[Span] = reactive(None, init=False)
    sentence_span: reactive[Span] = reactive(None, init=False)
    level: reactive[int] = reactive(1, init=False)
    status: reactive[str] = reactive("", init=False)
    notice: reactive[str] = reactive("", init=False)

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.speech_state = "stopped"  # stopped, loading, playing, paused
        self._token = 0
        self._clock: NarrationClock | None = None
        self._last_spoken: tuple[int, float] = (0, 0.0)
        self._poll: Timer | None = None
        self._prepare_timer: Timer | None = None
        self._playing: tuple[int, int] | None = None  # (paragraph, piece) on the device

    @property
    def reader(self) -> SessionApp:
        """The app, as the holder of the session (typed without importing the app)."""
        return cast("SessionApp", self.app)

    @property
    def paragraph(self) -> Paragraph:
        """The current paragraph."""
        return self.reader.session.document.paragraphs[self.current]

    @property
    def last_index(self) -> int:
        """Index of the last paragraph."""
        return len(self.reader.session.document.paragraphs) - 1

    @property
    def narrator(self) -> Narrator | None:
        """The narration controller, or None when this build has no renderer."""
        return self.reader.session.narrator

    @property
    def speaking(self) -> bool:
        """Whether narration is loading, playing or paused."""
        return self.speech_state != "stopped"

    def sentence_offset(self) -> int:
        """Paragraph-local start of the current sentence."""
        sentences = self.paragraph.sentences
        if not sentences:
            return 0
        return self.paragraph.local(sentences[min(self.sentence, len(sentences) - 1)].start)

    def _update_spans(self) -> None:
        """Mark the sentence the reader is at, unless narration is marking it."""
        if self.speaking:
            return
        granularity = self.reader.session.settings.preferences.granularity
        self.word_span = None
        if granularity == "paragraph" or not self.paragraph.sentences:
            self.sentence_span = None
            return
        p = self.paragraph
        sentence = p.sentences[min(self.sentence, len(p.sentences) - 1)]
        self.sentence_span = (p.local(sentence.start), p.local(sentence.end))

    def place_cursor(self) -> None:
        """Put the terminal cursor on the reading place for braille and review cursors."""
        self.query_one(ReadingView).place_cursor()

    def document_grew(self, word_counts: list[int] | None) -> None:
        """The document finished loading: the status line's counts, and the narration
        clock from every paragraph's ``word_counts`` when it was running (else made again
        when narration next starts)."""
        self._clock = None if word_counts is None else NarrationClock(word_counts)
        self._refresh_status()

    def has_clock(self) -> bool:
        """Whether a narration clock is running (made from the paragraphs then loaded)."""
        return self._clock is not None

    def _refresh_status(self) -> None:
        document = self.reader.session.document
        sentences = len(self.paragraph.sentences)
        where = f"Paragraph {self.current + 1} of {len(document.paragraphs)}"
        if not document.complete:
            where += " so far"
        if sentences:
            where += f", sentence {min(self.sentence, sentences - 1) + 1} of {sentences}"
        parts = [
            where,
            f"Size {self.level}",
            f"Theme {theme_label(self.app.theme)}",
            self.playback_words(),
        ]
        if self.narrator is not None:
            parts.append(f"Rate {self.narrator.rate} wpm")
        voice = self.reader.session.state.voice
        if voice is not None:  # named in words; the default voice goes unsaid
            parts.append(f"Voice {voice_words(voice).removeprefix('voice ')}")
        self.status = " · ".join(parts)

    # ----- narration -------------------------------------------------------------------

    def prepare_narration(self) -> None:
        """Render the current paragraph ahead once the reader rests on it (not speaking)."""
        if self.narrator is None or self.speaking:
            return
        if self._prepare_timer is not None:
            self._prepare_timer.stop()
        self._prepare_timer = self.set_timer(PREPARE_DELAY, self._prepare)

    def _prepare(self) -> None:
        narrator = self.narrator
        if narrator is None or self.speaking:
            return
        index, offset = self.current, self.sentence_offset()

        def work() -> None:
            # A failure is reported when the reader presses space and it happens again.
            with contextlib.suppress(Exception):
                narrator.render(index, narrator.piece_at(index, offset))

        narrator.in_background(work)

    def speech_setup(self) -> None:
        """Start the (paused) timer that follows the audio device; once the first frame
        is painted, get a voice that is slow to load ready in the background."""
        self._poll = self.set_interval(1 / POLL_HZ, self.poll_speech, pause=True)
        narrator = self.narrator
        if narrator is not None:
            self.call_after_refresh(narrator.preload)

    def playback_words(self) -> str:
        """ "Playing 01:32 / 09:55", "Paused …", "Stopped", or why there is no sound."""
        narrator = self.narrator
        if narrator is None:
            return "No narration"
        names = {"stopped": "Stopped", "loading": "Preparing", "playing": "Playing"}
        name = names.get(self.speech_state, "Paused")
        if self._clock is None:
            return name
        per_word = narrator.seconds_per_word()
        if self.speech_state in ("playing", "paused"):
            paragraph, seconds = self._last_spoken
            play: int | None = self._token
        else:
            # Not speaking: the clock stands where narration would start (the reader may
            # have moved since it stopped).
            paragraph, play = self.current, None
            before = self.paragraph.sentences[: self.sentence]
            seconds = sum(len(sentence.words) for sentence in before) * per_word
        if self.reader.session.quiet:
            return name  # quiet screen: no ticking clock
        times = self._clock.words(narrator.durations(), per_word, paragraph, seconds, play)
        return f"{name} {times}"

    def speech_blocked(self) -> dict[str, bool]:
        """Narration keys that cannot work now."""
        narrator = self.narrator
        rate = narrator.rate if narrator else 0
        low, high = rate_range()
        return {
            "play_pause": narrator is None,
            "stop": not self.speaking,
            "voice": narrator is None,
            "faster": narrator is None or rate + RATE_STEP > high,
            "slower": narrator is None or rate - RATE_STEP < low,
        }

    @explained
    def action_play_pause(self) -> None:
        """Play from the current sentence, pause, or resume where it paused."""
        narrator = self.narrator
        if narrator is None:
            return
        if self.speech_state == "playing":
            narrator.player.pause()
            self.speech_state = "paused"
        elif self.speech_state == "paused":
            narrator.player.resume()
            self.speech_state = "playing"
        elif self.speech_state == "stopped":
            # Reading starts at the place: the view goes back to it after paging.
            self.query_one(ReadingView).back_to_place()
            self.start_speech(self.current, self.sentence_offset())
        self._refresh_status()
        self.refresh_bindings()

    @explained
    def action_stop(self) -> None:
        """Stop narration; the place stays."""
        self.stop_speech()

    def stop_speech(self) -> None:
        """Stop playing and go back to marking the current sentence."""
        self._token += 1
        if self.narrator is not None:
            self.narrator.player.stop()
        self.speech_state = "stopped"
        if self._poll is not None:
            self._poll.pause()
        self._update_spans()
        self._refresh_status()
        self.refresh_bindings()

    def _change_rate(self, delta: int) -> None:
        narrator = self.narrator
        if narrator is None:
            return
        session = self.reader.session
        low, high = rate_range()  # faster than the engine's exact range is time-stretched
        rate = max(low, min(high, narrator.rate + delta))
        narrator.set_voice(session.state.voice, rate)
        session.state = replace(session.state, rate=rate)
        self.notice = f"Speech rate {rate} words a minute."
        self._refresh_status()
        if self.speech_state in ("playing", "loading"):
            offset = self.word_span[0] if self.word_span else self.sentence_offset()
            self.start_speech(self.current, offset)
        self.refresh_bindings()

    def use_voice(self, voice: str | None) -> None:
        """Narrate with ``voice`` (None: the default) from the next render on, as the rate
        keys do: a render in progress is not waited for, speech restarts at the word."""
        narrator = self.narrator
        if narrator is None:
            return
        session = self.reader.session
        narrator.set_voice(voice, narrator.rate)
        narrator.preload()
        session.state = replace(session.state, voice=voice)
        self.notice = f"Speaking with the {voice_words(voice)}."
        if self.speech_state in ("playing", "loading"):
            offset = self.word_span[0] if self.word_span else self.sentence_offset()
            self.start_speech(self.current, offset)
        self._refresh_status()

    @explained
    def action_faster(self) -> None:
        """Speak faster."""
        self._change_rate(RATE_STEP)

    @explained
    def action_slower(self) -> None:
        """Speak slower."""
        self._change_rate(-RATE_STEP)

    def moved_while_speaking(self, offset: int) -> None:
        """The reader moved: the view follows the place again (after paging), playing
        narration moves along, paused narration forgets."""
        self.query_one(ReadingView).back_to_place()
        narrator = self.narrator
        if narrator is None or not self.speaking:
            return
        if self.speech_state == "paused":
            self.stop_speech()
            return
        snap = narrator.player.snapshot()
        if snap.tag == self.current and narrator.seek(offset):
            self.poll_speech()
            return
        self.start_speech(self.current, offset)

    def start_speech(self, index: int, offset: int) -> None:
        """Render paragraph ``index`` in a worker thread, then play from ``offset``."""
        narrator = self.narrator
        if narrator is None:
            return
        if self._clock is None:
            # Counted, not split: splitting every paragraph of a 50 MB book kept gigabytes.
            self._clock = NarrationClock([p.word_count for p in narrator.document.paragraphs])
        self._token += 1
        token = self._token
        narrator.player.stop()
        self.speech_state = "loading"
        if self._poll is not None:
            self._poll.resume()
        self._refresh_status()
        then = partial(self._rendered, token, offset)
        self._render_then(narrator, index, token, then, offset=offset)

    def _render_then(
        self,
        narrator: Narrator,
        index: int,
        token: int,
        then: Callable[[Rendered], None],
        *,
        piece: int | None = None,
        offset: int = 0,
    ) -> None:
        """Render piece ``piece`` of paragraph ``index`` (None: the piece holding
        ``offset``) on a render thread, then call ``then`` on the loop."""

        def work() -> None:
            try:
                number = narrator.piece_at(index, offset) if piece is None else piece
                made = narrator.render(index, number)
            except Exception as error:
                # Any failure becomes a notice: a thread's traceback would be printed over
                # the screen.
                expected = isinstance(error, ReaderError | OSError)
                reason = str(error) if expected else f"{type(error).__name__}: {error}"
                self._deliver(self._speech_failed, token, reason)
                return
            self._deliver(then, made)

        narrator.in_background(work)

    def _deliver(self, callback: Callable[..., None], *args: object) -> None:
        """Hand a render's outcome to the event loop (from a render thread); dropped when
        the app has already gone."""
        with contextlib.suppress(RuntimeError):  # the app quit while it rendered
            self.app.call_from_thread(callback, *args)

    def _speech_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self.stop_speech()
            self.notice = f"Narration failed: {message}"

    def _rendered(self, token: int, offset: int, made: Rendered) -> None:
        narrator = self.narrator
        if token != self._token or narrator is None:
            return
        narrator.start(made, offset)
        self.speech_state = "playing"
        self._playing = (made.clip.tag, made.clip.piece)
        self.poll_speech()
        self._prefetch(made.clip.tag, made.clip.piece, token)

    def _prefetch(self, index: int, piece: int, token: int) -> None:
        """Render what follows piece ``piece`` of paragraph ``index`` (the next piece, or
        the next paragraph) and queue it behind the one playing."""
        narrator = self.narrator
        following = None if narrator is None else narrator.after(index, piece)
        if narrator is None or following is None:
            return
        then = partial(self._queued, token)
        self._render_then(narrator, following[0], token, then, piece=following[1])

    def _queued(self, token: int, made: Rendered) -> None:
        if token == self._token and self.narrator is not None:
            self.narrator.follow_with(made)

    def poll_speech(self) -> None:
        """Follow the device: current paragraph, spoken word and sentence, the clock."""
        narrator = self.narrator
        if narrator is None or self.speech_state not in ("playing", "paused"):
            return
        spoken = narrator.where()
        if spoken is None:
            return
        if (spoken.paragraph, spoken.piece) != self._playing:
            # The device moved on to the queued piece: prepare the one after it.
            self._playing = (spoken.paragraph, spoken.piece)
            self._prefetch(spoken.paragraph, spoken.piece, self._token)
        if spoken.paragraph != self.current:
            with self.prevent():
                self.set_reactive(SpeakingScreen.sentence, 0)
            self.current = spoken.paragraph
        granularity = self.reader.session.settings.preferences.granularity
        quiet = self.reader.session.quiet
        self.word_span = spoken.word_span if granularity == "word" and not quiet else None
        if granularity != "paragraph" and spoken.sentence_span is not None:
            self.sentence_span = spoken.sentence_span
        elif granularity == "paragraph":
            self.sentence_span = None
        if spoken.sentence is not None and spoken.sentence < len(self.paragraph.sentences):
            with self.prevent():
                self.set_reactive(SpeakingScreen.sentence, spoken.sentence)
        self._last_spoken = (spoken.paragraph, spoken.seconds)
        finished = spoken.state is PlayerState.FINISHED and narrator.player.queued is None
        if finished and spoken.paragraph >= self.last_index and spoken.last_piece:
            self.stop_speech()
            self.notice = "End of the document."
            return
        if not quiet:  # quiet screen: the status changes only on actions
            self._refresh_status()
        self.place_cursor()

    def speech_close(self) -> None:
        """Stop narration before leaving."""
        if self.narrator is not None:
            self._token += 1
            self.narrator.close()
