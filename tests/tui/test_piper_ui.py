"""The natural voice in the reader (issue 9 item 5), with the real Piper model: a worker
starts loading the voice as soon as the reader opens with it (before any key), space is
answered by a first piece that is one short sentence, not the whole paragraph, and the
highlight is on a word of that sentence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from reader.document import Document
from reader.ingest import load_document
from reader.narration import worker
from reader.playback import Player
from reader.settings import SettingsStore, document_key
from reader.tui.app import ReaderApp
from reader.tui.renderers import PIPER_THREADS_ENV, DefaultFactory, default_factory, worker_threads
from reader.tui.screens.reading import ReaderScreen

VOICE = "piper:en_US-joe-medium"


async def _until(pilot: object, condition: Callable[[], bool], seconds: float = 120) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        waited += 0.05
        assert waited < seconds, "timed out waiting for narration"  # a hang guard only


@pytest.fixture
def no_thread_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Piper thread count chosen by the user (put back after the test)."""
    monkeypatch.setenv(PIPER_THREADS_ENV, "unset below")
    monkeypatch.delenv(PIPER_THREADS_ENV)


@pytest.mark.usefixtures("no_thread_choice")
async def test_natural_voice_loads_ahead_and_speaks_a_first_piece(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    path = tmp_path / "opening.md"
    path.write_text(f"# Opening\n\n{speech.paragraphs[0].text}\n", encoding="utf-8")
    document = load_document(path)
    store = SettingsStore(data_dir)
    settings = store.load()
    key = document_key(document.path)
    settings.remember(key, replace(settings.fresh_state(), voice=VOICE))
    store.save(settings)  # read with the natural voice before, as after choosing it with v

    before = {id(process) for _, process in worker._spares}
    factory = default_factory(tmp_path / "narration-cache")
    app = make_app(document, player=null_player, factory=factory, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        # Loading started with the reader, before any key: a worker for the voice.
        await _until(pilot, lambda: any(v == VOICE for v, _ in worker._spares), 10)
        started = [p for v, p in worker._spares if v == VOICE and id(p) not in before]
        assert started, "no worker was started ahead for the natural voice"
        # The reader's lone worker may use a second core (the same audio, sooner).
        environ = Path(f"/proc/{started[0].pid}/environ").read_bytes().split(b"\0")
        assert isinstance(factory, DefaultFactory)
        assert factory.piper_threads in {"1", "2"}
        assert f"{PIPER_THREADS_ENV}={factory.piper_threads}".encode() in environ
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        narrator = screen.narrator
        assert narrator is not None
        await pilot.press("space")
        await _until(pilot, lambda: null_player.snapshot().position > 0)
        # The first sound is the first piece: the paragraph's first sentence alone.
        assert narrator.requested[0] == (0, 0)
        pieces = narrator.pieces(0)
        assert len(pieces) > 1
        first_sentence = document.paragraphs[0].sentences[0]
        assert pieces[0].end == document.paragraphs[0].local(first_sentence.end)
        # The worker started ahead was the one that spoke (adopted by the renderer).
        assert all(p is not started[0] for _, p in worker._spares)
        await _until(pilot, lambda: screen.word_span is not None, 30)
        span = screen.word_span
        assert span is not None and span[1] <= pieces[0].end
        await pilot.press("s")


@pytest.mark.parametrize(
    ("cpus", "load", "threads"),
    [(2, 0.0, 2), (2, 1.4, 2), (2, 1.6, 1), (2, 3.0, 1), (1, 0.0, 1), (8, 6.0, 2)],
)
def test_a_second_thread_only_while_a_core_is_spare(cpus: int, load: float, threads: int) -> None:
    assert worker_threads(cpus, load) == threads
