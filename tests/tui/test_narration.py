"""Narration in the reader, in real time on miniaudio's null backend: the highlighted word
is the one whose span holds the position the device has consumed."""

from __future__ import annotations

from collections.abc import Callable

from reader.document import Document
from reader.playback import Player, PlayerState
from reader.tui.app import ReaderApp
from reader.tui.narrator import RendererFactory
from reader.tui.screens.reading import ReaderScreen

LAG_MS = 50


def _screen(app: ReaderApp) -> ReaderScreen:
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    return screen


async def _wait_for(pilot: object, condition: Callable[[], bool], seconds: float = 10) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.02)  # type: ignore[attr-defined]
        waited += 0.02
        assert waited < seconds, "timed out waiting for narration"


async def test_highlight_follows_device_position(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: screen.speech_state == "playing")
        narrator = screen.narrator
        assert narrator is not None
        checked = 0
        seen_words = set()
        for _ in range(6):
            await pilot.pause(0.2)
            snap = null_player.snapshot()
            highlighted = screen.word_span
            rendered = narrator.playing()
            assert rendered is not None
            sync = rendered.sync
            lag = int(sync.sample_rate * LAG_MS / 1000)
            candidates = set()
            for sample in range(max(0, snap.position - lag), snap.position + 1, 50):
                word = sync.word_at(sample)
                if word is not None:
                    unit = sync.words[word]
                    candidates.add((unit.char_start, unit.char_end))
            if not candidates:
                continue
            assert screen.current == snap.tag
            assert highlighted in candidates, (highlighted, candidates, snap.position)
            seen_words.add(highlighted)
            checked += 1
        assert checked >= 4
        assert len(seen_words) >= 3, "the highlight did not move with the audio"
        assert "Playing" in screen.status
        await pilot.press("space")
        paused_at = null_player.snapshot().position
        await pilot.pause(0.3)
        assert null_player.snapshot().state is PlayerState.PAUSED
        assert null_player.snapshot().position == paused_at
        assert "Paused" in screen.status
        await pilot.press("space")
        await pilot.pause(0.2)
        assert null_player.snapshot().position > paused_at
        await pilot.press("s")
        assert screen.speech_state == "stopped"
        assert null_player.snapshot().state is PlayerState.STOPPED


async def test_moving_while_playing_moves_playback(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: screen.speech_state == "playing")
        await pilot.press("j", "j", "j")
        await _wait_for(pilot, lambda: null_player.snapshot().tag == 3)
        assert screen.current == 3
        await pilot.press("right_parenthesis")
        await pilot.pause(0.1)
        second = speech.paragraphs[3].sentences[1]
        assert screen.sentence == 1
        spoken = screen.narrator.where() if screen.narrator else None
        assert spoken is not None and spoken.word_span is not None
        assert spoken.word_span[0] >= speech.paragraphs[3].local(second.start)


async def test_playback_continues_into_next_paragraph(
    addresses: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
) -> None:
    app = make_app(addresses, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _screen(app)
        await pilot.press("space")
        await _wait_for(pilot, lambda: screen.speech_state == "playing")
        await _wait_for(pilot, lambda: null_player.queued == 1)
        frames = null_player.snapshot()
        rendered = screen.narrator.given(0) if screen.narrator else None
        assert rendered is not None
        # Jump near the end of the first paragraph; the queued one must follow gaplessly.
        null_player.seek(rendered.sync.sample_count - 2205)
        await _wait_for(pilot, lambda: screen.current == 1, seconds=5)
        assert null_player.snapshot().tag == 1
        assert frames.tag == 0


async def test_rate_keys_change_the_renderer(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _screen(app)
        assert screen.narrator is not None
        before = screen.narrator.rate
        await pilot.press("right_square_bracket")
        assert screen.narrator.rate == before + 25
        assert "words a minute" in screen.notice
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert screen.narrator.rate == before - 25
        assert app.session.state.rate == before - 25
