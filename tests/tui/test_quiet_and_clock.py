"""The quiet screen and the narration clock (issue 11 items 5 and 6)."""

from __future__ import annotations

from collections.abc import Callable

from reader.document import Document
from reader.playback import Player
from reader.tui.app import ReaderApp
from reader.tui.clock import NarrationClock
from reader.tui.screens.reading import ReaderScreen


async def _wait_for(pilot: object, condition: Callable[[], bool], seconds: float = 15) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.02)  # type: ignore[attr-defined]
        waited += 0.02
        assert waited < seconds, "timed out waiting for narration"


async def test_quiet_screen_has_no_ticking_clock_or_moving_word(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: object,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory, quiet=True)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("space")
        await _wait_for(pilot, lambda: null_player.snapshot().position > 0)
        seen = set()
        for _ in range(8):
            await pilot.pause(0.15)
            seen.add(screen.status)
            assert screen.word_span is None
        assert len(seen) == 1 and ":" not in next(iter(seen)).split("·")[3]
        assert null_player.snapshot().position > 0


async def test_status_clock_is_an_estimate_until_known(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: object,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("space")
        await _wait_for(pilot, lambda: screen.speech_state == "playing")
        await pilot.pause(0.3)
        assert "/ about " in screen.status


def test_clock_never_goes_back_on_a_steady_play_and_is_exact_when_all_known() -> None:
    clock = NarrationClock([10, 10, 10])
    # Playing paragraph 1 with paragraph 0 estimated at 1 s a word: 10 s before it.
    first = clock.words({}, 1.0, 1, 0.5, play=7)
    assert first == "00:10 / about 00:30"
    # Paragraph 0 turns out to take 4 s: the steady play does not jump back to 4.5 s.
    assert clock.words({0: 4.0}, 1.0, 1, 0.6, play=7).startswith("00:10")
    # A new play (the reader moved) shows the true figure.
    assert clock.words({0: 4.0}, 1.0, 1, 0.6, play=8).startswith("00:04")
    assert clock.words({0: 4.0, 1: 5.0, 2: 6.0}, 1.0, 2, 1.0, play=8) == "00:10 / 00:15"
