"""The terminal reader's app and the one factory the CLI, the tests and the benchmarks use.

Units: paragraph indices are 0-based (``start``); rates are words per minute.
"""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from reader.document import Document
from reader.playback import Player
from reader.sanitize import for_terminal
from reader.settings import DocumentState, Settings, SettingsStore, document_key
from reader.tui.narrator import Narrator, RendererFactory, default_factory
from reader.tui.screens.reading import ReaderScreen
from reader.tui.themes import DEFAULT_THEME, THEME_NAMES, reader_themes, theme_variable_defaults


@dataclass
class Session:
    """Everything one run of the reader works on."""

    document: Document
    store: SettingsStore
    settings: Settings
    key: str
    state: DocumentState
    narrator: Narrator | None
    start: int | None = None
    notices: list[str] = field(default_factory=list)

    def save(self) -> None:
        """Write this document's state and the preferences to the settings file."""
        self.settings.remember(self.key, self.state)
        self.store.save(self.settings)


class ReaderApp(App[None]):
    """An accessible reader: numbered paragraphs, large print, themes and narration."""

    CSS_PATH = "styles/reader.tcss"
    TITLE = "reader"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit_app", "Quit", id="app_quit", show=False, priority=True),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        for theme in reader_themes():
            self.register_theme(theme)
        name = session.state.theme if session.state.theme in THEME_NAMES else DEFAULT_THEME
        self.theme = name
        if session.settings.keymap:
            # Before the screen exists, so the key line and help show the user's keys.
            self.set_keymap(session.settings.keymap)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Values for the reader's own stylesheet variables under any theme."""
        return {**super().get_theme_variable_defaults(), **theme_variable_defaults()}

    def get_default_screen(self) -> ReaderScreen:
        """The reading screen is the app's base screen (no blank screen painted first)."""
        return ReaderScreen()

    def action_quit_app(self) -> None:
        """Leave from anywhere, saving the place."""
        screen = self.get_screen_or_none()
        if screen is not None:
            screen.action_quit_reader()
        else:
            self.exit()

    def get_screen_or_none(self) -> ReaderScreen | None:
        """The reading screen, once it exists."""
        for screen in self.screen_stack:
            if isinstance(screen, ReaderScreen):
                return screen
        return None


def create_app(
    document: Document,
    *,
    player: Player | None = None,
    factory: RendererFactory | None = None,
    store: SettingsStore | None = None,
    start: int | None = None,
    notices: list[str] | None = None,
) -> ReaderApp:
    """Build the reader for ``document``.

    ``player`` plays narration (no player, no narration); ``factory`` makes the paragraph
    renderer (default: the project's narration renderer when it is installed); ``store``
    holds settings (default: the user's data folder); ``start`` is a 0-based paragraph
    that overrides the remembered position.
    """
    store = store or SettingsStore()
    settings = store.load()
    key = document_key(document.path)
    remembered = settings.document(key)
    state = remembered or settings.fresh_state()
    messages = list(notices or [])
    messages.extend(store.notices)
    if remembered is not None and start is None and 0 < remembered.paragraph < len(document):
        messages.append(f"Resumed at paragraph {remembered.paragraph + 1}, where you left off.")
    if player is not None and player.notice:
        messages.append(player.notice)
    factory = factory or default_factory()
    narrator = None
    if player is not None and factory is not None:
        narrator = Narrator(document, player, factory, state.voice, state.rate)
    session = Session(document, store, settings, key, state, narrator, start, messages)
    # A 1 MB document is millions of small immutable objects; left to the cyclic garbage
    # collector they are rescanned on every full collection, which showed up as key
    # presses slower than on the speech. They live as long as the app: take them out of
    # its sight.
    gc.freeze()
    return ReaderApp(session)


def run(
    document: Document, *, audio: str = "auto", start: int | None = None, data: Path | None = None
) -> int:
    """Open the reader in this terminal until the reader quits. The audio device is
    opened first (outside the UI, so that driver chatter cannot reach the screen), and
    only when a narration renderer is available."""
    from reader.playback import open_player

    factory = default_factory()
    player = open_player(audio) if factory is not None else None
    try:
        store = SettingsStore(data) if data else SettingsStore()
        create_app(document, player=player, factory=factory, store=store, start=start).run()
        if store.save_error:  # the place was not saved: say so once the screen is gone
            print(f"reader: {for_terminal(store.save_error)}", file=sys.stderr)
    finally:
        if player is not None:
            player.close()
    return 0
