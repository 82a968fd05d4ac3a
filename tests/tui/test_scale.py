"""Large documents and large print: few widgets, and the reading place always in view."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reader.document import Document
from reader.ingest import parse_text
from reader.tui.app import ReaderApp
from reader.tui.largeprint import LEVELS
from reader.tui.screens.reading import ReaderScreen
from reader.tui.widgets.reading import ReadingView


def _big_document(speech: Document, count: int) -> Document:
    paragraphs = [f"({n}) {speech.paragraphs[n % len(speech)].text}" for n in range(count)]
    return parse_text("\n\n".join(paragraphs), markdown=False, path="big.txt")


async def test_thousands_of_paragraphs_mount_few_widgets(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    big = _big_document(speech, 3000)
    app = make_app(big, start=2999)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert len(list(app.query("*"))) < 20
        view = screen.query_one(ReadingView)
        assert view.visible_paragraphs()[-1] == 2999
        assert len(view._layouts) < 20, "only paragraphs near the screen are laid out"
        await pilot.press("g")
        assert view.visible_paragraphs()[0] == 0


@pytest.mark.parametrize("level", LEVELS)
async def test_spoken_word_stays_in_view_at_every_size(
    level: int, speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    index = 3  # a long paragraph
    paragraph = speech.paragraphs[index]
    app = make_app(speech, start=index)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press(*["plus"] * (level - 1))
        view = screen.query_one(ReadingView)
        for word in (
            paragraph.words[0],
            paragraph.words[len(paragraph.words) // 2],
            paragraph.words[-1],
        ):
            screen.word_span = (paragraph.local(word.start), paragraph.local(word.end))
            await pilot.pause()
            cell = view.cursor_cell()
            assert cell is not None, (level, word.text)
            assert 0 <= cell.y < view.size.height
            first, last = view.layout_of(index).rows_of(paragraph.local(word.start))
            assert cell.y + (last - first) < view.size.height, "whole word rows on screen"
