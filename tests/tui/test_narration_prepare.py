"""The paragraph the reader rests on is rendered ahead (so space starts at once), and
paragraphs only passed over are not."""

from __future__ import annotations

from collections.abc import Callable

from reader.document import Document
from reader.playback import Player
from reader.tui.app import ReaderApp
from reader.tui.screens.reading import ReaderScreen
from reader.tui.screens.speech import PREPARE_DELAY


async def _rendered(pilot: object, screen: ReaderScreen, index: int) -> list[int]:
    waited = 0.0
    while True:
        renderer = screen.narrator._renderer if screen.narrator else None
        calls: list[int] = list(getattr(renderer, "calls", []))
        if index in calls or waited > 10:
            return calls
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        waited += 0.05


async def test_resting_on_a_paragraph_renders_it_ahead(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: object,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert await _rendered(pilot, screen, 0) == [0]
        await pilot.press("j", "j", "j")  # passes over indices 1 and 2, rests on 3
        calls = await _rendered(pilot, screen, 3)
        assert calls == [0, 3]
        await pilot.press("space")  # already rendered: nothing rendered again for it
        await pilot.pause(PREPARE_DELAY)
        assert screen.speech_state == "playing"
        assert screen.narrator is not None and screen.narrator._renderer is not None
        assert screen.narrator._renderer.calls.count(3) == 1  # type: ignore[attr-defined]
