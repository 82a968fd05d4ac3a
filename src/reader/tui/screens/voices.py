"""The voice chooser: a dialog listing the installed voices (id, name, language), filtered
as the reader types; Enter chooses, Escape cancels.

Units: none. Voice ids are eSpeak NG's (what ``--voice`` takes); None is the default voice.
Listing voices asks eSpeak through ctypes, so it runs in a worker thread, never on the
event loop (the engine serialises it with any render in progress; it prints nothing).
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
from reader.narration.engine import Voice, list_voices
from reader.sanitize import for_terminal
from reader.tui.screens.dialogs import _CANCEL, _Dialog

DEFAULT_ID = "\0default"  # an option id no eSpeak voice can have


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
        self, current: str | None, lister: Callable[[], list[Voice]] = list_voices
    ) -> None:
        super().__init__(id="voices")
        self.current = current
        self.lister = lister
        self.voices: list[Voice] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f"Choose a voice (now the {voice_words(self.current)}). "
                "Type part of an id, name or language to filter; arrows move, Enter chooses:",
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

    def _listed(self, voices: list[Voice]) -> None:
        if not self.is_attached:  # cancelled while eSpeak was listing
            return
        self.voices = voices
        self.query_one(".dialog-error", Static).update(f"{len(voices)} voices installed.")
        self._fill(self.query_one("#filter", Input).value)

    def _failed(self, message: str) -> None:
        if self.is_attached:
            self._error(message)

    def _option(self, voice: Voice) -> Option:
        mark = " (current)" if voice.id == self.current else ""
        words = f"{voice.id} — {voice.name}, language {voice.language}{mark}"
        return Option(Text(for_terminal(words)), id=voice.id)

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
            haystack = f"{voice.id} {voice.name} {voice.language}".casefold()
            if all(word in haystack for word in words):
                options.add_option(self._option(voice))
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        current = self.current if self.current is not None else DEFAULT_ID
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
