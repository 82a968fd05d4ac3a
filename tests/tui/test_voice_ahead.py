"""A voice slow to load (Piper) is loaded ahead of space (issue 9 item 5): ``reader open``
starts its worker before it parses the document and imports the UI, and the voice
chooser starts one for the voice it highlights, ending it when another is chosen. The
workers are real ``python -m reader.narration.worker`` processes loading the real model;
the order of calls is checked with a recording factory around the fixture renderer."""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.tui.terminal import reader_terminal
from tests.tui.test_voices import _highlighted, _open

from reader.commands import common, documents
from reader.document import Document
from reader.narration import worker
from reader.playback import Player
from reader.settings import SettingsStore, document_key
from reader.tui import app as tui_app
from reader.tui.app import ReaderApp
from reader.tui.narrator import ParagraphRendererLike, RendererFactory
from reader.tui.renderers import DefaultFactory, default_factory, start_ahead
from reader.tui.screens.reading import ReaderScreen
from reader.tui.screens.voices import DEFAULT_ID

VOICE = "piper:en_US-joe-medium"


def _spares(voice: str = VOICE) -> list[Any]:
    return [process for warmed, process in worker._spares if warmed == voice]


@pytest.fixture
def no_spares() -> Iterator[None]:
    """No worker waiting for the natural voice before or after the test."""
    worker.release(VOICE)
    yield
    worker.release(VOICE)


def _remember(data_dir: Path, path: Path, voice: str | None) -> SettingsStore:
    store = SettingsStore(data_dir)
    settings = store.load()
    settings.remember(document_key(str(path)), replace(settings.fresh_state(), voice=voice))
    store.save(settings)
    return SettingsStore(data_dir)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("remembered", "given"),
    [(VOICE, None), ("espeak:en-us", "piper:")],  # "piper:": Piper's own default voice
)
@pytest.mark.usefixtures("no_spares")
def test_open_starts_the_voice_before_it_parses(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    remembered: str,
    given: str | None,
) -> None:
    path = tmp_path / "book.md"
    path.write_text("# A book\n\nIt was a dark and stormy night.\n", encoding="utf-8")
    _remember(data_dir, path, remembered)
    waiting_at_parse: list[int] = []
    load = common.load

    def parse(args: argparse.Namespace, *, stream: bool = False) -> Document:
        waiting_at_parse.append(len(_spares()))
        return load(args, stream=stream)

    opened: list[dict[str, Any]] = []

    def ui(document: Document, **kwargs: Any) -> int:
        opened.append(kwargs)
        return 0

    monkeypatch.setattr(documents, "load", parse)
    monkeypatch.setattr(tui_app, "run", ui)
    monkeypatch.setattr(sys, "stdout", _Terminal())
    args = argparse.Namespace(
        file=str(path), max_bytes=None, start=None, audio="null", quiet_screen=False, voice=given
    )
    assert documents.run_open(args) == 0
    assert waiting_at_parse == [1], "the worker was not started before the document was parsed"
    (kwargs,) = opened
    assert isinstance(kwargs["store"], SettingsStore)  # the UI reads the settings peeked at
    assert kwargs["voice"] == (None if given is None else VOICE)
    (process,) = _spares()
    assert process.poll() is None


@pytest.mark.usefixtures("no_spares")
def test_a_fast_voice_or_unreadable_settings_start_nothing_and_move_nothing(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "book.md"
    store = _remember(data_dir, path, "espeak:en-us")
    start_ahead(path, store)
    assert not _spares() and not _spares("espeak:en-us")
    bad = data_dir / "settings.json"
    bad.write_text("{ not json", encoding="utf-8")
    store = SettingsStore(data_dir)
    start_ahead(path, store)  # a look ahead: the file is neither moved nor reported
    assert bad.read_text(encoding="utf-8") == "{ not json"
    assert store.notices == []
    store.load()  # the reader's own load reports it, once
    assert len(store.notices) == 1 and not bad.exists()


@pytest.mark.usefixtures("no_spares")
def test_the_worker_started_ahead_is_the_one_that_speaks(
    data_dir: Path, tmp_path: Path, speech: Document
) -> None:
    path = tmp_path / "book.md"
    store = _remember(data_dir, path, VOICE)
    start_ahead(path, store)
    start_ahead(path, store)  # asked again: still one worker
    (ahead,) = _spares()
    factory = default_factory(tmp_path / "cache")
    assert isinstance(factory, DefaultFactory)
    assert factory.prepare(VOICE)  # the reading screen asks too: the same worker counts
    assert _spares() == [ahead]
    started = set(worker._everyone)
    renderer = factory(VOICE, 185)
    try:
        rendered = renderer.render(replace(speech.paragraphs[0], text="Thank you, Tim."))
    finally:
        getattr(renderer, "close", lambda: None)()
    assert rendered.sync.words, "the natural voice did not speak"
    assert _spares() == [], "the worker started ahead was not adopted"
    assert set(worker._everyone) <= started, "another worker was started to speak"


@pytest.mark.usefixtures("no_spares")
def test_release_ends_a_worker_nobody_took() -> None:
    worker.prestart(VOICE, 1)
    (process,) = _spares()
    worker.release(VOICE)
    assert _spares() == []
    deadline = time.monotonic() + 20
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is not None, "the released worker kept running"


class _Recording:
    """The fixture renderer, with the calls that get a voice ready and let it go."""

    def __init__(self, inner: RendererFactory) -> None:
        self.inner = inner
        self.calls: list[tuple[str, object]] = []

    def __call__(self, voice: str | None, rate: int) -> ParagraphRendererLike:
        return self.inner(voice, rate)

    def prepare(self, voice: str | None) -> bool:
        self.calls.append(("prepare", voice))
        return False

    def release(self, voice: str | None) -> None:
        self.calls.append(("release", voice))


async def _until_called(recording: _Recording, call: tuple[str, object], pilot: Any) -> None:
    for _ in range(500):  # the voice thread works in the background
        if call in recording.calls:
            return
        await pilot.pause(0.01)
    raise AssertionError(f"{call} was never made: {recording.calls}")


async def test_the_chooser_readies_the_highlighted_voice_and_lets_go_of_the_rest(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
) -> None:
    recording = _Recording(fixture_factory)
    app = make_app(speech, player=null_player, factory=recording)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        recording.calls.clear()  # what the reader did on opening
        dialog = await _open(app, pilot)
        # Listed: the natural voice gets ready before any key (it is one arrow away).
        await _until_called(recording, ("prepare", VOICE), pilot)
        assert _highlighted(dialog) == DEFAULT_ID
        recording.calls.clear()
        await pilot.press(*"scotland")  # one highlighted gets ready as well
        await pilot.pause()
        assert _highlighted(dialog) == "espeak:gmw/en-GB-scotland"
        await _until_called(recording, ("prepare", "espeak:gmw/en-GB-scotland"), pilot)
        await pilot.press("escape")  # cancelled: the voices readied are let go
        await pilot.pause()
        released: tuple[str, object] = ("release", VOICE)
        await _until_called(recording, released, pilot)
        await _until_called(recording, ("release", "espeak:gmw/en-GB-scotland"), pilot)
        assert ("release", None) not in recording.calls  # the default: the voice in use

        recording.calls.clear()
        await _open(app, pilot)  # highlights the default voice, the current one
        await pilot.press(*"piper", "enter")  # chosen: kept, the default let go
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        await _until_called(recording, ("release", None), pilot)
        assert ("prepare", VOICE) in recording.calls
        assert released not in recording.calls
        assert app.session.state.voice == VOICE


async def test_a_voice_given_on_the_command_line_speaks_and_is_kept(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
    data_dir: Path,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory, voice="espeak:gmw/de")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert screen.narrator is not None and screen.narrator.voice == "espeak:gmw/de"
        assert "Voice espeak:gmw/de" in screen.status
        assert "Speaking with the voice espeak:gmw/de." in screen.notice
        await pilot.press("q")
    saved = SettingsStore(data_dir).load().document(document_key(speech.path))
    assert saved is not None and saved.voice == "espeak:gmw/de"


def test_open_with_the_natural_voice_in_a_real_terminal(data_dir: Path, speech_path: Path) -> None:
    terminal = reader_terminal(data_dir, str(speech_path), "--voice", "piper:", size=(100, 30))
    try:
        terminal.wait_for(f"Speaking with the voice {VOICE}.")
        terminal.keys("Space")
        rows = terminal.wait_for("Playing", timeout=60)
        assert any(f"Voice {VOICE}" in row for row in rows)
        terminal.keys("q")
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    saved = SettingsStore(data_dir).load().document(document_key(str(speech_path)))
    assert saved is not None and saved.voice == VOICE
