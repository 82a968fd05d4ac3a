"""Search, go-to and export dialogs, driven from the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reader.document import Document
from reader.tui.app import ReaderApp
from reader.tui.screens.dialogs import ExportDialog, GoToDialog
from reader.tui.screens.reading import ReaderScreen


def _reading(app: ReaderApp) -> ReaderScreen:
    for screen in app.screen_stack:
        if isinstance(screen, ReaderScreen):
            return screen
    raise AssertionError("no reading screen")


async def test_search_next_and_previous(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    matches = [p.index for p in speech.paragraphs if "chiefs" in p.text.casefold()]
    assert len(matches) >= 2
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _reading(app)
        await pilot.press("slash", *"Chiefs", "enter")
        assert screen.current == matches[0]
        assert screen.search_terms == ("chiefs",)
        assert "Match in paragraph" in screen.notice
        await pilot.press("f3")
        assert screen.current == matches[1]
        await pilot.press("shift+f3")
        assert screen.current == matches[0]
        await pilot.press("ctrl+n")
        assert screen.current == matches[1]


async def test_search_without_match_says_so(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=3)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _reading(app)
        await pilot.press("slash", *"zzyzx", "enter")
        assert screen.current == 3
        assert "No paragraph contains 'zzyzx'" in screen.notice


async def test_go_to_checks_the_number(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _reading(app)
        await pilot.press("colon", "9", "9", "enter")
        assert isinstance(app.screen, GoToDialog)
        error = app.screen.query_one(".dialog-error")
        assert "paragraphs run from 1 to 60" in str(error.render())
        await pilot.press("backspace", "backspace", "4", "2", "enter")
        assert screen.current == 41
        await pilot.press("colon", "escape")
        # mypy keeps the isinstance narrowing of app.screen across the awaited key presses
        assert app.screen is screen  # type: ignore[comparison-overlap]


async def test_export_dialog_writes_a_range(
    speech: Document, make_app: Callable[..., ReaderApp], tmp_path: Path
) -> None:
    target = tmp_path / "out.txt"
    app = make_app(speech, start=2)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _reading(app)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        range_input = dialog.query_one("#range")
        path_input = dialog.query_one("#path")
        range_input.value = "3-5"  # type: ignore[attr-defined]
        path_input.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")  # Enter in the range field exports
        assert app.screen is screen
        assert screen.notice == f"Exported 3 paragraphs to {target}."
    text = target.read_text(encoding="utf-8")
    assert "Paragraphs 3 to 5 of 60" in text
    # The CLI's numbering rule: no numbers unless asked (reader export --numbered).
    assert "\n3. " not in text and "[3]" not in text
    for index in (2, 3, 4):
        assert speech.paragraphs[index].text in text
    assert speech.paragraphs[5].text not in text


async def test_export_refuses_existing_file_and_bad_range(
    speech: Document, make_app: Callable[..., ReaderApp], tmp_path: Path
) -> None:
    target = tmp_path / "exists.txt"
    target.write_text("keep me")
    app = make_app(speech)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#path").value = str(target)  # type: ignore[attr-defined]
        dialog.query_one("#path").focus()
        await pilot.press("enter")
        assert app.screen is dialog
        assert "already exists" in str(dialog.query_one(".dialog-error").render())
        assert "Replace it?" in str(dialog.query_one(".dialog-error").render())
        dialog.query_one("#range").value = "70"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert "does not exist" in str(dialog.query_one(".dialog-error").render())
        await pilot.press("escape")
    assert target.read_text() == "keep me"


async def test_export_replaces_after_confirming_and_tab_keeps_the_name(
    speech: Document, make_app: Callable[..., ReaderApp], tmp_path: Path
) -> None:
    target = tmp_path / "exists.txt"
    target.write_text("old")
    app = make_app(speech, start=2)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _reading(app)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        path_input = dialog.query_one("#path")
        default = path_input.value  # type: ignore[attr-defined]
        await pilot.press("tab", "x")  # the name is not selected: x is added, not a new name
        assert path_input.value == f"{default}x"  # type: ignore[attr-defined]
        path_input.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert app.screen is dialog and target.read_text() == "old"
        await pilot.press("enter")  # Replace
        assert app.screen is screen  # type: ignore[comparison-overlap]
    assert speech.paragraphs[2].text in target.read_text()


async def test_export_section(
    addresses: Document, make_app: Callable[..., ReaderApp], tmp_path: Path
) -> None:
    target = tmp_path / "section.txt"
    paragraph = addresses.paragraphs[-1]
    section = addresses.section_of(paragraph)
    app = make_app(addresses, start=paragraph.index)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        dialog = app.screen
        dialog.query_one("#range").value = "section"  # type: ignore[attr-defined]
        dialog.query_one("#path").value = str(target)  # type: ignore[attr-defined]
        dialog.query_one("#path").focus()
        await pilot.press("enter")
    text = target.read_text(encoding="utf-8")
    for index in section.paragraph_indices:
        assert addresses.paragraphs[index].text in text
