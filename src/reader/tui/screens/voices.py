"""The voice chooser: a dialog listing every engine's installed voices (id, name, engine,
language, quality; natural voices first), filtered as the reader types; Enter chooses,
Escape cancels. Each voice the reader may pick next (the natural ones once listed, and
each one highlighted) is passed to ``ready_ahead``, so that a slow one starts loading.

Units: none. Voice ids are qualified, ``engine:id`` (what ``--voice`` takes; a bare id saved
by an older version is an eSpeak voice); None is the default voice. Listing voices asks the
engines (eSpeak through ctypes), so it runs in a worker thread, never on the event loop
(each engine serialises it with any render in progress; nothing is printed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reader.errors import ReaderError
from reader.narration.engines import all_voices, get_engine, split_voice
from reader.narration.engines.port import VoiceInfo
from reader.sanitize import for_terminal
from reader.tui.screens.dialogs import _CANCEL, _Dialog

DEFAULT_ID = "\0default"  # an option id no voice can have


def list_voices() -> list[VoiceInfo]:
    """Every available engine's voices, natural ones first (right under the default: one
    arrow away for a reader looking for them, among a hundred eSpeak voices);
    ``ReaderError`` when no engine can speak here."""
    voices, problems = all_voices()
    if not voices and problems:
        raise ReaderError(next(iter(problems.values())))
    return sorted(voices, key=lambda voice: not natural(voice))


def natural(voice: VoiceInfo) -> bool:
    """Whether ``voice`` sounds human (its engine says so: Piper's)."""
    return get_engine(voice.engine).capabilities.natural


def _qualified(voice: str | None) -> str | None:
    """``engine:id`` of a saved voice (a bare id is eSpeak's), None for the default."""
    if voice is None:
        return None
    try:
        engine, local = split_voice(voice)
    except ReaderError:
        return voice  # an unknown engine: shown as saved, matches no listed voice
    return f"{engine}:{local}" if local is not None else None


def voice_words(voice: str | None) -> str:
    """How the status line and the dialog name a voice."""
    return "default voice" if voice is None else f"voice {for_terminal(voice)}"


class VoiceDialog(_Dialog):
    """Choose a voice; dismisses with ``("voice", id or None)``, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding("down", "move(1)", "Next voice", id="voice_next", show=False),
        Binding("up", "move(-1)", "Previous voice", id="voice_previous", show=False),
    ]

    def __init__(
        self,
        current: str | None,
        lister: Callable[[], list[VoiceInfo]] = list_voices,
        ready_ahead: Callable[[str | None], None] | None = None,
    ) -> None:
        super().__init__(id="voices")
        self.current = current
        self._current_id = _qualified(current)
        self.lister = lister
        self.ready_ahead = ready_ahead  # told voices likely next (None: the default voice)
        self.voices: list[VoiceInfo] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f"Choose a voice (now the {voice_words(self.current)}). "
                "Type part of an id, name, engine or language to filter; arrows move, "
                "Enter chooses:",
                classes="dialog-title",
            )
            yield Input(id="filter")
            yield OptionList(id="voice-list")
            yield Static("Listing the installed voices…", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#filter", Input).focus()
        self._list()

    @work(thread=True, exclusive=True, group="voices")
    def _list(self) -> None:
        try:
            voices = self.lister()
        except ReaderError as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        self.app.call_from_thread(self._listed, voices)

    def _listed(self, voices: list[VoiceInfo]) -> None:
        if not self.is_attached:  # cancelled while eSpeak was listing
            return
        self.voices = voices
        self.query_one(".dialog-error", Static).update(f"{len(voices)} voices installed.")
        self._fill(self.query_one("#filter", Input).value)
        if self.ready_ahead is not None:  # the natural voices, listed first, one arrow away
            for voice in filter(natural, voices):
                self.ready_ahead(voice.qualified_id)

    def _failed(self, message: str) -> None:
        if self.is_attached:
            self._error(message)

    def _option(self, voice: VoiceInfo) -> Option:
        mark = " (current)" if voice.qualified_id == self._current_id else ""
        quality = f", {voice.quality}" if voice.quality else ""
        words = (
            f"{voice.qualified_id} — {voice.name}, {voice.engine}, "
            f"language {voice.language}{quality}{mark}"
        )
        return Option(Text(for_terminal(words)), id=voice.qualified_id)

    def _fill(self, wanted: str) -> None:
        if self.voices is None:
            return
        words = wanted.casefold().split()
        options = self.query_one(OptionList)
        options.clear_options()
        if not words:
            mark = " (current)" if self.current is None else ""
            options.add_option(Option(Text(f"Default voice{mark}"), id=DEFAULT_ID))
        for voice in self.voices:
            haystack = f"{voice.qualified_id} {voice.name} {voice.language} {voice.quality}"
            haystack = haystack.casefold()
            if all(word in haystack for word in words):
                options.add_option(self._option(voice))
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        current = self._current_id if self._current_id is not None else DEFAULT_ID
        options.highlighted = ids.index(current) if current in ids else (0 if ids else None)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.cursor_on_list = False  # typing: the cursor goes back to the caret
        self._fill(event.value)

    def action_move(self, step: int) -> None:
        """Move the highlight while the filter keeps the focus."""
        options = self.query_one(OptionList)
        self.cursor_on_list = True  # braille follows the voice being chosen
        if options.option_count:
            now = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, now + step))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        option_id = event.option.id
        if self.ready_ahead is not None and option_id is not None:
            self.ready_ahead(None if option_id == DEFAULT_ID else option_id)

    def _choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        self.dismiss(("voice", None if option_id == DEFAULT_ID else option_id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        del event  # Enter chooses the highlighted voice, whatever is typed
        options = self.query_one(OptionList)
        if options.highlighted is None:
            self._error("no voice matches; change the filter")
            return
        self._choose(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)
