"""Narration in the reader with the project's real renderer (exact eSpeak NG word samples),
in real time on miniaudio's null backend: the highlighted word is the one whose span in the
real sync map holds the position the device has consumed, at most 50 ms behind it.

The document is the speech's first three paragraphs, so the test stays short.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reader.document import Document
from reader.ingest import load_document
from reader.narration.renderer import ParagraphRenderer
from reader.narration.timing import RenderedParagraph
from reader.playback import Player, PlayerState
from reader.tui.app import ReaderApp
from reader.tui.narrator import Narrator, RendererFactory
from reader.tui.renderers import default_factory
from reader.tui.screens.reading import ReaderScreen

LAG_MS = 50
PARAGRAPHS = 3


@pytest.fixture
def opening(speech: Document, tmp_path: Path) -> Document:
    """The speech's title and first three paragraphs as a document of their own."""
    body = "\n\n".join(p.text for p in speech.paragraphs[:PARAGRAPHS])
    path = tmp_path / "opening.md"
    path.write_text(f"# {speech.title}\n\n{body}\n", encoding="utf-8")
    document = load_document(path)
    assert [p.text for p in document.paragraphs] == [p.text for p in speech.paragraphs[:PARAGRAPHS]]
    return document


@pytest.fixture
def real_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RendererFactory:
    """The app's own factory, with its narration cache in this test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # belt and braces
    factory = default_factory(tmp_path / "narration-cache")
    assert factory is not None, "the narration renderer is part of this build"
    return factory


def _screen(app: ReaderApp) -> ReaderScreen:
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    return screen


def _narrator(screen: ReaderScreen) -> Narrator:
    narrator = screen.narrator
    assert narrator is not None
    return narrator


def _need(rendered: RenderedParagraph | None) -> RenderedParagraph:
    assert rendered is not None, "the player was given no such piece"
    return rendered


async def _wait_for(pilot: object, condition: Callable[[], bool], seconds: float = 20) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.02)  # type: ignore[attr-defined]
        waited += 0.02
        assert waited < seconds, "timed out waiting for narration"


def _check_highlight(screen: ReaderScreen, player: Player) -> tuple[int, int] | None:
    """Compare the highlighted word with the real sync map at the device's position.

    Returns the highlighted span, or None when the device sat in a pause between words
    for the whole allowed lag (nothing to compare)."""
    highlighted = screen.word_span  # read first: the device only moves on
    snap = player.snapshot()
    assert snap.tag is not None and snap.state is PlayerState.PLAYING
    sync = _need(_narrator(screen).playing()).sync
    assert screen.current == snap.tag
    lag = sync.sample_rate * LAG_MS // 1000
    candidates: set[tuple[int, int] | None] = set()
    for sample in range(max(0, snap.position - lag), snap.position + 1, 20):
        word = sync.word_at(sample)
        unit = None if word is None else sync.words[word]
        candidates.add(None if unit is None else (unit.char_start, unit.char_end))
    assert highlighted in candidates, (highlighted, candidates, snap.position)
    if highlighted is None:
        return None
    text = screen.paragraph.text[highlighted[0] : highlighted[1]]
    assert text in {u.text for u in sync.words}
    return highlighted


def _exact_at_rest(screen: ReaderScreen, player: Player) -> None:
    """Paused, the device position stands still: the highlight must be its word exactly."""
    snap = player.snapshot()
    assert snap.state is PlayerState.PAUSED and snap.tag is not None
    sync = _need(_narrator(screen).playing()).sync
    word = sync.word_at(snap.position)
    expected = None if word is None else (sync.words[word].char_start, sync.words[word].char_end)
    assert screen.word_span == expected


async def test_real_renderer_highlight_pause_resume(
    opening: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    real_factory: RendererFactory,
) -> None:
    app = make_app(opening, player=null_player, factory=real_factory)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: null_player.snapshot().position > 0)
        narrator = _narrator(screen)
        assert isinstance(narrator._renderer, ParagraphRenderer)
        sync = _need(narrator.given(0)).sync
        lengths = {w.end_sample - w.start_sample for w in sync.words}
        assert len(lengths) > len(sync.words) // 2, "word timings are eSpeak's, not spread"
        seen = set()
        for _ in range(20):  # ~2 s: a word boundary falls inside any lag over 50 ms
            await pilot.pause(0.1)
            seen.add(_check_highlight(screen, null_player))
        seen.discard(None)
        assert len(seen) >= 4, "the highlight did not move with the audio"

        await pilot.press("space")
        paused = null_player.snapshot()
        await pilot.pause(0.2)
        assert null_player.snapshot() == paused  # the device consumed nothing more
        _exact_at_rest(screen, null_player)
        assert "Paused" in screen.status

        await pilot.press("space")
        await pilot.pause(0.15)
        resumed = null_player.snapshot()
        assert resumed.tag == paused.tag and resumed.position > paused.position
        _check_highlight(screen, null_player)
        await pilot.press("s")
        assert null_player.snapshot().state is PlayerState.STOPPED


async def test_real_renderer_continues_into_next_paragraph(
    opening: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    real_factory: RendererFactory,
) -> None:
    app = make_app(opening, player=null_player, factory=real_factory)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: null_player.queued == 1)
        first = _need(_narrator(screen).given(0)).sync
        # Near the end of the first paragraph: the second must follow on its own.
        null_player.seek(first.sample_count - first.sample_rate // 2)
        await _wait_for(pilot, lambda: null_player.snapshot().tag == 1)
        await _wait_for(pilot, lambda: screen.current == 1)
        seen = set()
        for _ in range(4):
            await pilot.pause(0.15)
            seen.add(_check_highlight(screen, null_player))
        seen.discard(None)
        assert seen, "no word of the second paragraph was highlighted"
        assert "Paragraph 2 of 3" in screen.status


async def test_real_renderer_moving_moves_playback(
    opening: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    real_factory: RendererFactory,
) -> None:
    app = make_app(opening, player=null_player, factory=real_factory)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: null_player.snapshot().position > 0)
        await pilot.press("right_parenthesis")  # the next sentence, same paragraph
        second = opening.paragraphs[0].local(opening.paragraphs[0].sentences[1].start)
        sync = _need(_narrator(screen).given(0)).sync
        start = next(w.start_sample for w in sync.words if w.char_start >= second)
        snap = null_player.snapshot()
        assert snap.tag == 0 and snap.position >= start
        await pilot.pause(0.1)
        span = _check_highlight(screen, null_player)
        assert span is None or span[0] >= second

        await pilot.press("j")  # the next paragraph plays from its start
        await _wait_for(pilot, lambda: null_player.snapshot().tag == 1)
        assert screen.current == 1
        await pilot.pause(0.15)
        _check_highlight(screen, null_player)

        await pilot.press("k")
        await _wait_for(pilot, lambda: null_player.snapshot().tag == 0)
        await pilot.pause(0.1)
        assert screen.current == 0
        _check_highlight(screen, null_player)


async def test_stopped_clock_follows_the_reader(
    opening: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    real_factory: RendererFactory,
) -> None:
    app = make_app(opening, player=null_player, factory=real_factory)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: null_player.snapshot().position > 0)
        await pilot.pause(0.3)
        await pilot.press("s")
        assert "Stopped 00:00 /" in screen.status  # still in the first paragraph's opening
        await pilot.press("G")
        assert "Stopped 00:00 /" not in screen.status, screen.status
        await pilot.press("g")
        assert "Stopped 00:00 /" in screen.status, screen.status


class _BrokenRenderer:
    """Isolates the failure path: a renderer with a bug (not a ReaderError)."""

    def render(self, paragraph: object) -> object:
        raise ValueError("a bug in a renderer")


async def test_a_failing_render_is_a_notice_not_a_traceback(
    opening: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    escaped: list[object] = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    app = make_app(opening, player=null_player, factory=lambda voice, rate: _BrokenRenderer())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: "Narration failed" in screen.notice)
        assert "ValueError: a bug in a renderer" in screen.notice
        assert screen.speech_state == "stopped"
    assert escaped == []
