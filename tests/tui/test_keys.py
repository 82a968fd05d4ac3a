"""Every binding of the reading screen, driven with Pilot, checked by state and screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reader.document import Document
from reader.tui.app import ReaderApp
from reader.tui.bindings import READING_BINDINGS
from reader.tui.screens.dialogs import BookmarksDialog, ExportDialog, GoToDialog, SearchDialog
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.reading import ReaderScreen
from reader.tui.themes import PALETTE_BY_NAME, THEME_NAMES
from reader.tui.widgets.reading import FULL_WIDTH, ReadingView

Check = Callable[[ReaderScreen, ReaderApp], bool]

# (key, starting paragraph, check after the key)
CASES: list[tuple[str, int, Check]] = [
    ("n", 5, lambda s, a: s.current == 6),
    ("j", 5, lambda s, a: s.current == 6),
    ("down", 5, lambda s, a: s.current == 6),
    ("p", 5, lambda s, a: s.current == 4),
    ("k", 5, lambda s, a: s.current == 4),
    ("up", 5, lambda s, a: s.current == 4),
    ("home", 5, lambda s, a: s.current == 0),
    ("g", 5, lambda s, a: s.current == 0),
    ("end", 5, lambda s, a: s.current == s.last_index),
    ("G", 5, lambda s, a: s.current == s.last_index),
    ("right_parenthesis", 3, lambda s, a: (s.current, s.sentence) == (3, 1)),
    ("left_parenthesis", 3, lambda s, a: (s.current, s.sentence) == (2, 0)),
    ("plus", 0, lambda s, a: s.level == 2),
    ("minus", 0, lambda s, a: s.level == 1),
    ("0", 0, lambda s, a: s.level == 1),
    ("t", 0, lambda s, a: a.theme == THEME_NAMES[1]),
    ("less_than_sign", 0, lambda s, a: 0 < s.reading_width < 80),
    ("L", 0, lambda s, a: s.line_spacing == 1),
    ("h", 0, lambda s, a: a.session.settings.preferences.granularity == "sentence"),
    ("m", 7, lambda s, a: a.session.state.bookmarks == (7,)),
    ("colon", 0, lambda s, a: isinstance(a.screen, GoToDialog)),
    ("slash", 0, lambda s, a: isinstance(a.screen, SearchDialog)),
    ("e", 0, lambda s, a: isinstance(a.screen, ExportDialog)),
    ("question_mark", 0, lambda s, a: isinstance(a.screen, HelpScreen)),
    ("f1", 0, lambda s, a: isinstance(a.screen, HelpScreen)),
]


@pytest.mark.parametrize(("key", "start", "check"), CASES, ids=[c[0] for c in CASES])
async def test_key(
    key: str, start: int, check: Check, speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=start)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press(key)
        await pilot.pause()
        assert check(screen, app)
        assert f"Paragraph {screen.current + 1} of 60" in screen.status


def test_every_binding_is_covered() -> None:
    """A new binding without a test here fails this test."""
    covered = {key for key, _start, _check in CASES}
    # tests/tui/test_narration.py and test_voices.py
    narration = {"play_pause", "stop", "faster", "slower", "voice"}
    elsewhere = {"search_next", "search_previous", "bookmarks", "quit", "wider"}
    # tests/tui/test_keys_speak.py
    elsewhere |= {"page_down", "page_up", "half_page_down", "half_page_up", "back_to_place",
                  "quit_hint"}  # fmt: skip
    # tests/tui/test_structure.py
    elsewhere |= {"contents", "next_section", "previous_section"}
    for binding in READING_BINDINGS:
        assert not isinstance(binding, tuple)
        assert binding.id and binding.description
        keys = set(binding.key.split(","))
        assert keys & covered or binding.id in narration | elsewhere, binding.id


async def test_wider_after_narrower(speech: Document, make_app: Callable[..., ReaderApp]) -> None:
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("less_than_sign", "less_than_sign")
        narrow = screen.reading_width
        await pilot.press("greater_than_sign")
        assert screen.reading_width == narrow + 10
        for _ in range(10):
            await pilot.press("greater_than_sign")
        assert screen.reading_width == FULL_WIDTH
        assert screen.notice == "The reading column is already as wide as the window."


async def test_impossible_keys_say_why(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        said = {}
        for key in ("p", "f3", "apostrophe", "space", "s", "minus"):
            screen.notice = ""
            await pilot.press(key)
            said[key] = screen.notice
        assert said["p"] == "Already at the first paragraph."
        assert said["f3"] == "No search yet: press / to search."
        assert said["apostrophe"].startswith("No bookmarks yet")
        assert said["space"].startswith("No narration")
        assert said["s"] == "Narration is already stopped."
        assert said["minus"] == "Smallest text size: 1."
        await pilot.press("end")
        await pilot.press("n")
        assert screen.notice == "Already at the last paragraph (60 of 60)."
        for _ in range(5):
            await pilot.press("plus")
        assert screen.notice == "Largest text size: 5."
        assert screen.current == 59 and app.screen is screen


async def test_quit_saves_and_reopening_resumes(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j", "j", "right_parenthesis", "plus", "t", "q")
    assert app.return_code == 0
    again = make_app(speech)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, ReaderScreen)
        assert (screen.current, screen.sentence, screen.level) == (3, 1, 2)
        assert again.theme == THEME_NAMES[1]
        assert "Resumed at paragraph 4" in screen.notice
        view = screen.query_one(ReadingView)
        assert 3 in view.visible_paragraphs()
        assert view.styles.background.hex.lower() == PALETTE_BY_NAME[THEME_NAMES[1]].body_bg


async def test_keymap_from_settings_remaps_and_help_follows(
    speech: Document, make_app: Callable[..., ReaderApp], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "settings.json").write_text('{"keymap": {"next_paragraph": "x", "help": "f2"}}')
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("j")
        assert screen.current == 0
        await pilot.press("x")
        assert screen.current == 1
        assert "f2 Help" in str(screen.query_one("#keys").render())
        await pilot.press("question_mark")
        assert app.screen is screen
        await pilot.press("f2")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {text: keys for keys, text in help_screen.rows}
        assert rows["Next paragraph"] == "x"
        assert rows["Previous paragraph"] == "p k ↑"
        await pilot.press("escape")
        assert app.screen is screen


async def test_cursor_sits_at_reading_place(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        view = screen.query_one(ReadingView)
        y = app.cursor_position.y - view.content_region.y
        x = app.cursor_position.x - view.content_region.x
        assert x == view.gutter_width
        line = "".join(s.text for s in view.render_line(y))
        assert line[x:].startswith(speech.paragraphs[2].text.split()[0])


async def test_bookmark_list_goes_and_deletes(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=4)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("m", "end", "m", "apostrophe")
        assert isinstance(app.screen, BookmarksDialog)
        await pilot.press("enter")
        assert screen.current == 4
        await pilot.press("apostrophe", "d", "escape")
        assert app.session.state.bookmarks == (59,)
        await pilot.press("m")
        assert app.session.state.bookmarks == (4, 59)  # type: ignore[comparison-overlap]
        await pilot.press("m")
        assert app.session.state.bookmarks == (59,)
