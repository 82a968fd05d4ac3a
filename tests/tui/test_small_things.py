"""Small wording and behaviour fixes of issue 11 (line mode's hints, plurals)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.document import Document
from reader.ingest import parse_text
from reader.linemode import run_line_reader
from reader.playback import Player
from reader.tui.app import ReaderApp, known_binding_ids
from reader.tui.screens.reading import ReaderScreen
from reader.tui.widgets.reading import DEFAULT_COLUMN, ReadingView


def _run(document: Document, commands: str) -> str:
    out = io.StringIO()
    run_line_reader(document, 0, io.StringIO(commands), out, interactive=False)
    return out.getvalue()


def test_line_mode_suggests_e_bang_for_an_existing_file(
    speech: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("keep")
    out = _run(speech, "e x.txt\nq\n")
    assert "e! x.txt replaces it" in out and "--force" not in out
    assert (tmp_path / "x.txt").read_text() == "keep"
    _run(speech, "e! x.txt\nq\n")
    assert (tmp_path / "x.txt").read_text() != "keep"


def test_one_sentence_is_singular() -> None:
    out = _run(parse_text("Just one sentence here.", markdown=False), "s\nq\n")
    assert "1 sentence\n" in out and "1 sentences" not in out


async def test_bookmarks_are_marked_and_the_column_defaults_to_80(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=1)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        view = screen.query_one(ReadingView)
        assert view.text_width == DEFAULT_COLUMN
        first_row = "".join(s.text for s in view.render_line(0))
        assert not first_row.lstrip().startswith("1*")
        await pilot.press("g", "m")
        await pilot.pause()
        first_row = "".join(s.text for s in view.render_line(0))
        assert first_row.lstrip("▌ ").startswith("1* ")
        await pilot.press("greater_than_sign")
        assert view.text_width == DEFAULT_COLUMN + 10


async def test_unknown_keymap_ids_are_named(
    speech: Document, make_app: Callable[..., ReaderApp], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "settings.json").write_text('{"keymap": {"nxt_paragraph": "x"}}')
    app = make_app(speech)
    async with app.run_test(size=(80, 24)):
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert "nxt_paragraph" in screen.notice and "README" in screen.notice


def test_readme_lists_every_binding_id() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [i for i in sorted(known_binding_ids()) if f"`{i}`" not in readme]
    assert missing == []


async def test_status_is_whole_in_a_narrow_window(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: object,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        status = screen.query_one("#status")
        needed = -(-len(screen.status) // status.size.width)
        assert needed >= 3 and status.size.height >= needed


async def test_last_paragraph_is_not_left_alone_on_an_empty_screen(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("G")
        await pilot.pause()
        view = screen.query_one(ReadingView)
        shown = view.visible_paragraphs()
        assert shown[-1] == 59 and len(shown) > 1
        rows = ["".join(s.text for s in view.render_line(y)) for y in range(view.size.height)]
        assert rows[-1].strip(), "the screen is filled down to its last row"


async def test_a_title_too_long_for_the_window_ends_in_an_ellipsis(
    make_app: Callable[..., ReaderApp],
) -> None:
    title = "A very long title that goes on well past the edge of a narrow window"
    document = parse_text(f"# {title}\n\nSome text.\n", markdown=True)
    app = make_app(document)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        shown = app.screen.query_one("#title").render_line(0).text.rstrip()
        assert shown.endswith("…") and shown[:-1].strip() in title
        await pilot.resize_terminal(120, 12)
        await pilot.pause()
        shown = app.screen.query_one("#title").render_line(0).text.strip()
        assert shown == title  # whole once it fits
