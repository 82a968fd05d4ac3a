"""The terminal reader's app and the one factory the CLI, the tests and the benchmarks use.

Units: paragraph indices are 0-based (``start``); rates are words per minute.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.geometry import Offset

from reader.document import Document
from reader.playback import Player
from reader.sanitize import for_terminal
from reader.settings import SettingsStore, document_key
from reader.stale import clamp_state
from reader.tui.bindings import READING_BINDINGS
from reader.tui.narrator import Narrator, RendererFactory
from reader.tui.renderers import default_factory
from reader.tui.screens.reading import ReaderScreen
from reader.tui.screens.voices import voice_words
from reader.tui.session import Session
from reader.tui.themes import DEFAULT_THEME, THEME_NAMES, reader_themes, theme_variable_defaults

__all__ = ["ReaderApp", "Session", "crash_line", "create_app", "run"]


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
        # A document still loading finds some notices (what cleaning removed) at the end.
        self._notices_at_start = len(session.document.notices)
        # The first unexpected exception inside the UI and the file holding its traceback.
        self.crash: BaseException | None = None
        self.crash_log: Path | None = None
        for theme in reader_themes():
            self.register_theme(theme)
        name = session.state.theme if session.state.theme in THEME_NAMES else DEFAULT_THEME
        self._start_theme(name)
        if session.settings.keymap:
            # Before the screen exists, so the key line and help show the user's keys.
            self.set_keymap(session.settings.keymap)

    def _start_theme(self, name: str) -> None:
        """Set the first theme without Textual's theme watcher: before the app runs, the
        watcher queues a second parse of the whole stylesheet (a fifth of the start-up
        time); giving the stylesheet this theme's variables before its first parse makes
        that one right. What the watcher does besides is done here (Textual is pinned
        exactly)."""
        self.set_reactive(App.theme, name)
        # The stylesheet was made with the default theme's variables; it is first parsed
        # when the app starts, with these.
        self.stylesheet.set_variables(self.get_css_variables())
        theme = self.current_theme
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        classes[f"-theme-{theme.name}"] = True
        classes["-dark-mode"] = theme.dark
        classes["-light-mode"] = not theme.dark
        self.update_classes(classes, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)

    @property
    def cursor_position(self) -> Offset:
        """Where Textual puts the terminal cursor after each frame: asked of the screen on
        top every time (see :mod:`reader.tui.cursor`), else the last position set."""
        fallback: Offset = getattr(self, "_cursor_fallback", Offset(0, 0))
        try:
            screen = self.screen
        except Exception:  # no screen yet, or the app is closing
            return fallback
        where = getattr(screen, "terminal_cursor", None)
        found = where() if callable(where) else None
        return found if isinstance(found, Offset) else fallback

    @cursor_position.setter
    def cursor_position(self, value: Offset) -> None:
        # Textual's Input sets it; kept for screens that do not say where the cursor goes.
        self._cursor_fallback = value

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Values for the reader's own stylesheet variables under any theme."""
        return {**super().get_theme_variable_defaults(), **theme_variable_defaults()}

    def on_mount(self) -> None:
        """A document still loading loads the rest once the first screen is painted."""
        if not self.session.document.complete:
            # After the first frame has reached the terminal: the loading thread would
            # otherwise share the interpreter with the writing of that frame.
            self.call_after_refresh(self.set_timer, 0.1, self._load_rest)

    def _load_rest(self) -> None:
        # A daemon thread, not a Textual worker: quitting must not wait for the loading.
        threading.Thread(target=self._load_in_thread, name="load-document", daemon=True).start()

    def _load_in_thread(self) -> None:
        document = self.session.document
        try:
            while document.load_more():
                # Between batches the event loop gets the interpreter lock (a key press
                # waits for one batch at most, about 10 ms).
                time.sleep(0.002)
            # A narration clock made while loading counted only the paragraphs then
            # there: count them all here, off the event loop (a second for 50 MB).
            screen = self.get_screen_or_none()
            counts = None
            if screen is not None and screen.has_clock():
                counts = [paragraph.word_count for paragraph in document.paragraphs]
        except Exception as error:
            with contextlib.suppress(RuntimeError):  # the app has already gone
                self.call_from_thread(self._handle_exception, error)
            return
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(self._document_loaded, counts)

    def _document_loaded(self, counts: list[int] | None) -> None:
        """Work out again what the screen worked out from the start of the document (see
        ``document_grew``); ``counts``, every paragraph's words, when narration was running."""
        from reader.tui.widgets.reading import ReadingView

        screen = self.get_screen_or_none()
        if screen is None:
            return
        for view in screen.query(ReadingView):
            view.document_grew()
        screen.document_grew(counts)
        late = self.session.document.notices[self._notices_at_start :]
        if late:  # in the notice line, where the notices at the start were shown
            screen.notice = " ".join(late)

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

    def on_cursor_position(self, event: events.CursorPosition) -> None:
        """xterm sends shift+F3 as ESC[1;2R, which Textual parses as a cursor-position
        report (row 1, column 2); this app never asks for one, so it is the key."""
        screen = self.screen
        if (event.x, event.y) == (1, 0) and isinstance(screen, ReaderScreen):
            screen.action_search_previous()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, without any-motion mouse tracking (see tui/driver.py)."""
        from reader.tui.driver import quieter_mouse

        return quieter_mouse(super().get_driver_class())

    def _handle_exception(self, error: Exception) -> None:
        # Textual's handler (kept: it sets the exit code and lets Pilot re-raise) prints a
        # traceback over the terminal and loses the place. Save first, log the details.
        if self.crash is None:
            self.crash = error
            self.crash_log = _write_crash_log(self.session.store.directory, error)
            screen = self.get_screen_or_none()
            # The crash itself is what gets reported, not a second failure while saving.
            with contextlib.suppress(Exception):
                if screen is not None:
                    screen.speech_close()
                    screen.save_state()
                else:
                    self.session.save()
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        # Replaces Textual's traceback on the screen: ``run`` prints one line instead.
        self._close_messages_no_wait()

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
    voice: str | None = None,
    notices: list[str] | None = None,
    quiet: bool = False,
) -> ReaderApp:
    """Build the reader for ``document``.

    ``player`` plays narration (no player, no narration); ``factory`` makes the paragraph
    renderer (default: the project's narration renderer when it is installed); ``store``
    holds settings (default: the user's data folder); ``start`` is a 0-based paragraph
    that overrides the remembered position; ``voice`` (``engine:id``, from ``--voice``)
    overrides the remembered voice and is kept for the document, as a voice chosen with
    ``v`` is; ``quiet`` is the quiet screen for screen readers (no ticking clock, no
    moving word highlight).
    """
    store = store or SettingsStore()
    settings = store.load()
    key = document_key(document.path)
    remembered = settings.document(key)
    state = settings.state_for(key)
    # A document still loading: loaded as far as the place and bookmarks, to check them.
    document.ensure(max((state.paragraph, *state.bookmarks)))
    messages = list(notices or [])
    messages.extend(store.notices)
    state, stale = clamp_state(state, len(document))
    messages.extend(stale)
    unknown = sorted(set(settings.keymap) - known_binding_ids())
    if unknown:
        messages.append(
            f"Unknown key binding ids in the settings keymap, ignored: {', '.join(unknown)} "
            "(the README lists the ids)."
        )
    if remembered is not None and start is None and state.paragraph > 0 and not stale:
        messages.append(f"Resumed at paragraph {state.paragraph + 1}, where you left off.")
    if player is not None and player.notice:
        messages.append(player.notice)
    if voice is not None and voice != state.voice:
        state = replace(state, voice=voice)
        messages.append(f"Speaking with the {voice_words(voice)}.")
    factory = factory or default_factory()
    narrator = None
    if player is not None and factory is not None:
        narrator = Narrator(document, player, factory, state.voice, state.rate)
        # A voice slow to load (Piper) starts loading in a worker now, in parallel with
        # the first paint; the screen makes its renderer once it has painted.
        narrator.preload(renderer=False)
    session = Session(document, store, settings, key, state, narrator, start, messages, quiet)
    # A 1 MB document is millions of small immutable objects; left to the cyclic garbage
    # collector they are rescanned on every full collection, which showed up as key
    # presses slower than on the speech. They live as long as the app: take them out of
    # its sight.
    gc.freeze()
    return ReaderApp(session)


def run(
    document: Document,
    *,
    audio: str = "auto",
    start: int | None = None,
    store: SettingsStore | None = None,
    voice: str | None = None,
    quiet: bool = False,
) -> int:
    """Open the reader in this terminal until the reader quits. The audio device is
    opened first (outside the UI, so that driver chatter cannot reach the screen), and
    only when a narration renderer is available."""
    from reader.playback import open_player

    factory = default_factory()
    player = open_player(audio) if factory is not None else None
    try:
        store = store or SettingsStore()
        app = create_app(
            document,
            player=player,
            factory=factory,
            store=store,
            start=start,
            voice=voice,
            quiet=quiet,
        )
        app.run()
        if store.save_error:  # the place was not saved: say so once the screen is gone
            print(f"reader: {for_terminal(store.save_error)}", file=sys.stderr)
    finally:
        if player is not None:
            player.close()
    if app.crash is not None:
        print(crash_line(app.crash, app.crash_log), file=sys.stderr)
        return 1
    return app.return_code or 0


def known_binding_ids() -> set[str]:
    """Every binding id a keymap can name (the README lists them)."""
    from reader.tui.screens.dialogs import BookmarksDialog, ExportDialog
    from reader.tui.screens.help import HelpScreen
    from reader.tui.screens.voices import VoiceDialog

    ids = {"app_quit"}
    for bindings in (READING_BINDINGS, BookmarksDialog.BINDINGS, ExportDialog.BINDINGS,
                     HelpScreen.BINDINGS, VoiceDialog.BINDINGS):  # fmt: skip
        ids.update(b.id for b in bindings if isinstance(b, Binding) and b.id)
    return ids


def crash_line(error: BaseException, log: Path | None) -> str:
    """The one line printed after an unexpected error inside the UI."""
    from reader.sanitize import for_terminal

    what = for_terminal(f"{type(error).__name__}: {error}")[:200]
    where = f"details in {log}" if log is not None else "no log could be written"
    return f"reader: stopped on an unexpected error ({what}); your place is saved; {where}"


def _write_crash_log(folder: Path, error: BaseException) -> Path | None:
    """Write the traceback of ``error`` to ``folder/crash.log``; None when that fails."""
    path = folder / "crash.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
    except OSError:
        return None
    return path
