"""The terminal reader on a book still loading (issue 14 item 1): it paints the start,
loads the rest in a thread, then shows the exact count, the late headings and the end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from reader.ingest import load_document, open_document
from reader.settings import SettingsStore
from reader.tui.app import ReaderApp, create_app
from reader.tui.screens.reading import ReaderScreen
from reader.tui.widgets.reading import ReadingView
from tests.long_book import write_long_book


def test_the_ui_loads_the_rest_after_painting_the_start(tmp_path: Path) -> None:
    path = write_long_book(tmp_path)
    whole = load_document(path)
    total = len(whole.paragraphs)
    document = open_document(path)
    at_first = len(document.paragraphs)
    assert at_first < total
    app = create_app(document, store=SettingsStore(tmp_path / "data"))
    seen: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            seen.append(app.screen.status)  # type: ignore[attr-defined]
            for _ in range(600):
                if document.complete:
                    break
                await pilot.pause(0.05)
            await pilot.pause()
            seen.append(app.screen.status)  # type: ignore[attr-defined]
            view = app.screen.query_one(ReadingView)
            last_chapter = whole.sections[-1]
            assert last_chapter.first in view._headings
            await pilot.press("end")
            await pilot.pause()
            seen.append(app.screen.status)  # type: ignore[attr-defined]

    asyncio.run(scenario())
    assert document.complete
    assert document == whole
    assert seen[0].startswith("Paragraph 1 of ")
    assert seen[1].startswith(f"Paragraph 1 of {total},")
    assert seen[2].startswith(f"Paragraph {total} of {total}")


def test_keys_that_need_the_whole_book_wait_for_it_and_say_so(tmp_path: Path) -> None:
    path = write_long_book(tmp_path)
    total = len(load_document(path).paragraphs)
    document = open_document(path)
    app = create_app(document, store=SettingsStore(tmp_path / "data"))
    held: list[bool] = []
    app._load_rest = lambda: held.append(True)  # type: ignore[method-assign]
    seen: dict[str, str] = {}

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, ReaderScreen)
            for _ in range(100):
                if held:
                    break
                await pilot.pause(0.02)
            assert held and not document.complete  # the rest is held back: still loading
            loaded = len(document.paragraphs)
            await pilot.press("end")
            await pilot.pause()
            seen["end"] = screen.notice
            seen["status"] = screen.status
            assert screen.current == 0  # not the last paragraph loaded so far
            ReaderApp._load_rest(app)  # let the rest load
            for _ in range(600):
                if screen.current == total - 1:
                    break
                await pilot.pause(0.05)
            seen["after"] = screen.status
            seen["loaded"] = str(loaded)

    asyncio.run(scenario())
    assert "Still loading the document" in seen["end"] and "the last paragraph" in seen["end"]
    assert seen["status"].startswith(f"Paragraph 1 of {seen['loaded']} so far")
    assert seen["after"].startswith(f"Paragraph {total} of {total},")
