"""Keys announce what they did or why they could not; paging moves the view and not the
reading place; shift+F3 works in xterm-compatible terminals (issue 11 item 4)."""

from __future__ import annotations

from collections.abc import Callable

from textual import events

from reader.document import Document
from reader.playback import Player
from reader.settings import MAX_RATE
from reader.tui.app import ReaderApp
from reader.tui.screens.reading import ReaderScreen
from reader.tui.widgets.reading import ReadingView


async def test_width_and_spacing_keys_announce(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("less_than_sign")
        assert screen.notice == f"Reading column {screen.reading_width} characters wide."
        await pilot.press("L")
        assert screen.notice == "Line spacing: 1 blank row between lines."
        await pilot.press("plus")
        assert screen.notice == "Text size 2."


async def test_paging_keeps_the_reading_place_and_c_comes_back(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=3)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        view = screen.query_one(ReadingView)
        await pilot.press("pagedown", "pagedown", "ctrl+d")
        assert screen.current == 3
        assert 3 not in view.visible_paragraphs()
        assert "c goes back" in screen.notice
        await pilot.press("c")
        assert 3 in view.visible_paragraphs() and screen.current == 3
        await pilot.press("ctrl+f", "ctrl+b", "ctrl+u", "pageup")
        assert screen.current == 3


async def test_enter_is_next_paragraph_and_ctrl_c_hints(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=3)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("enter")
        assert screen.current == 4
        await pilot.press("ctrl+c")
        assert "press q" in screen.notice
        assert app.is_running


async def test_shift_f3_report_from_xterm_searches_backwards(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=30)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        screen.search_text = "police"
        # What Textual makes of ESC[1;2R (shift+F3 in xterm): a cursor-position report.
        app.post_message(events.CursorPosition(1, 0))
        await pilot.pause()
        assert screen.current < 30 and "Match in paragraph" in screen.notice
        before = screen.current
        await pilot.press("N")
        assert screen.current < before


async def test_rate_is_in_the_status_and_the_top_rate_names_its_limit(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: object,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        narrator = screen.narrator
        assert narrator is not None
        assert f"Rate {narrator.rate} wpm" in screen.status
        for _ in range((MAX_RATE - narrator.rate) // 25 + 2):
            await pilot.press("right_square_bracket")
        assert screen.notice == f"Fastest rate: {MAX_RATE} words a minute."
        assert f"Rate {narrator.rate} wpm" in screen.status
