"""Paging while narration plays (issue 11 item 4): PgDn/PgUp/Ctrl-F/B/D/U move the view and
it stays there while the spoken word moves on, even into the next paragraph, until `c`
brings it back (or a key moves the reading place). Real renderer, real eSpeak NG, the
null audio device in real time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reader.document import Document
from reader.playback import Player
from reader.tui.app import ReaderApp
from reader.tui.narrator import RendererFactory
from reader.tui.renderers import default_factory
from reader.tui.screens.reading import ReaderScreen
from reader.tui.widgets.reading import ReadingView


@pytest.fixture
def real_factory(tmp_path: Path) -> RendererFactory:
    factory = default_factory(tmp_path / "narration-cache")
    assert factory is not None
    return factory


async def _until(pilot: object, condition: Callable[[], bool], seconds: float = 30) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.02)  # type: ignore[attr-defined]
        waited += 0.02
        assert waited < seconds, "timed out waiting for narration"  # a hang guard only


async def test_paging_holds_the_view_while_playing_until_c(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    real_factory: RendererFactory,
) -> None:
    app = make_app(speech, player=null_player, factory=real_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        view = screen.query_one(ReadingView)
        await pilot.press("space")
        await _until(pilot, lambda: screen.word_span is not None)
        await pilot.press("pagedown", "pagedown", "ctrl+d")
        paged = view.visible_paragraphs()
        assert 0 not in paged
        # The spoken word moves on, then narration moves into the next paragraph: the
        # view stays where it was paged to.
        words = {screen.word_span}
        for _ in range(20):
            await pilot.pause(0.05)
            words.add(screen.word_span)
        assert len(words) >= 3, "narration did not move on"
        assert view.visible_paragraphs() == paged
        rendered = screen.narrator.given(0) if screen.narrator else None
        assert rendered is not None
        null_player.seek(rendered.sync.sample_count - rendered.sync.sample_rate // 4)
        await _until(pilot, lambda: screen.current == 1)
        await pilot.pause(0.3)
        assert view.visible_paragraphs() == paged
        assert "c goes back" in screen.notice
        # c brings it back, and from then on the view follows the spoken word again.
        await pilot.press("c")
        assert 1 in view.visible_paragraphs()
        await pilot.press("ctrl+f", "ctrl+f")
        held = view.visible_paragraphs()
        assert screen.current not in held
        await pilot.pause(0.3)
        assert view.visible_paragraphs() == held
        # A key that moves the reading place also brings the view back to it.
        moved_to = screen.current + 1
        await pilot.press("j")
        await _until(pilot, lambda: screen.current == moved_to)
        await pilot.pause(0.2)
        assert moved_to in view.visible_paragraphs()
        assert screen.speech_state == "playing"
        await pilot.press("s")
