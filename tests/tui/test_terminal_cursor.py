"""The terminal cursor in a real pseudo-terminal (tmux): on the reading place from the
first paint, after dialogs and resizes, and on the focused field inside dialogs; real
resizes and exits (issue 11 items 1 and 2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.tui.terminal import Terminal, reader_terminal

from reader.document import Document


@pytest.fixture
def open_reader(data_dir: Path, speech_path: Path) -> Iterator[object]:
    opened: list[Terminal] = []

    def start(*args: str, size: tuple[int, int] = (80, 24)) -> Terminal:
        terminal = reader_terminal(data_dir, str(speech_path), *args, size=size)
        opened.append(terminal)
        return terminal

    yield start
    for terminal in opened:
        terminal.close()


def _assert_on_paragraph(terminal: Terminal, speech: Document, index: int) -> None:
    x, y = terminal.cursor()
    row = terminal.screen()[y]
    first_word = speech.paragraphs[index].text.split()[0]
    assert row[x:].startswith(first_word), (x, y, row)
    assert row.lstrip("▌ ").startswith(f"{index + 1} "), row


def test_cursor_on_the_place_at_first_paint_and_after_dialogs(
    open_reader: object, speech: Document
) -> None:
    terminal = open_reader("--from", "12")  # type: ignore[operator]
    terminal.wait_for("Paragraph 12 of 60")
    terminal.settle()
    _assert_on_paragraph(terminal, speech, 11)
    terminal.keys(":")
    terminal.wait_for("Go to paragraph")
    terminal.keys("4")
    terminal.settle()
    x, y = terminal.cursor()
    row = terminal.screen()[y]
    assert row[x - 1] == "4", row  # the caret after the typed digit
    terminal.keys("Escape")
    terminal.settle()
    _assert_on_paragraph(terminal, speech, 11)
    terminal.keys("m", "'")
    terminal.wait_for("Bookmarks (Enter")
    terminal.settle()
    x, y = terminal.cursor()
    assert terminal.screen()[y][x:].startswith("Paragraph 12:")
    terminal.keys("Escape")  # alone: Escape then j at once is read as alt+j
    terminal.settle()
    terminal.keys("j")
    terminal.settle()
    _assert_on_paragraph(terminal, speech, 12)


def test_cursor_after_resizes_and_on_resume(open_reader: object, speech: Document) -> None:
    terminal = open_reader("--from", "30")  # type: ignore[operator]
    terminal.wait_for("Paragraph 30 of 60")
    for width, height in ((160, 45), (20, 6), (200, 60), (33, 11), (80, 24)):
        terminal.resize(width, height)
    terminal.settle(1.5)
    _assert_on_paragraph(terminal, speech, 29)
    terminal.keys("q")
    assert terminal.exit_code() == 0
    again = open_reader()  # type: ignore[operator]
    again.wait_for("Resumed at paragraph 30")
    again.settle()
    _assert_on_paragraph(again, speech, 29)


def test_resize_storm_in_a_real_terminal(open_reader: object, speech: Document) -> None:
    terminal = open_reader("--from", "5")  # type: ignore[operator]
    terminal.wait_for("Paragraph 5 of 60")
    terminal.keys("+")
    for step in range(40):
        terminal.resize(20 + (step * 37) % 180, 5 + (step * 13) % 55)
    terminal.resize(80, 24)
    terminal.wait_for("Size 2")
    terminal.settle()
    _x, y = terminal.cursor()
    assert terminal.screen()[y].startswith("▌ 5 "), "the cursor is on the paragraph's first row"
    terminal.keys("q")
    assert terminal.exit_code() == 0


def test_no_any_motion_mouse_and_shift_f3_searches_back(open_reader: object) -> None:
    terminal = open_reader("--from", "40")  # type: ignore[operator]
    terminal.wait_for("Paragraph 40 of 60")
    assert terminal.mouse_modes() == (False, True)
    terminal.keys("/")
    terminal.wait_for("Search for")
    terminal.keys("police", "Enter")
    terminal.wait_for("Match in paragraph")
    terminal.keys("S-F3")  # tmux sends ESC[1;2R, as xterm does
    rows = terminal.wait_for("Match in paragraph")
    first = next(row for row in rows if "Match in paragraph" in row)
    terminal.settle()
    terminal.keys("S-F3")
    terminal.settle()
    second = next(row for row in terminal.screen() if "Match in paragraph" in row)
    assert first != second
