"""The terminal cursor around headings and in the table of contents, in a real
pseudo-terminal (tmux): on the first word of the paragraph under a heading (never on the
heading), on the highlighted section of the contents, and back on the reading place after
a jump, at the terminal's font and in large print (issue 10 item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.tui.terminal import Terminal, reader_terminal

from reader.document import Document


@pytest.fixture
def terminal(data_dir: Path, addresses_path: Path) -> Iterator[Terminal]:
    opened = reader_terminal(data_dir, str(addresses_path), "--from", "2", size=(90, 30))
    yield opened
    opened.close()


def _cursor_row(terminal: Terminal) -> tuple[int, str]:
    x, y = terminal.cursor()
    return x, terminal.screen()[y]


def test_cursor_under_headings_and_in_the_contents(terminal: Terminal, addresses: Document) -> None:
    terminal.wait_for("Paragraph 2 of 11")
    terminal.settle()
    x, y = terminal.cursor()
    rows = terminal.screen()
    assert rows[y].lstrip("▌ ").startswith("2 "), rows[y]
    assert rows[y][x:].startswith("Four score"), rows[y]
    assert "## The Gettysburg Address" in rows[y - 2], "the heading is drawn above it"
    terminal.keys("T")
    terminal.wait_for("Contents, 4 sections")
    terminal.settle()
    x, row = _cursor_row(terminal)
    assert row[x:].lstrip().startswith("The Gettysburg Address (paragraphs 2 to 4)"), row
    terminal.keys("Down")
    terminal.settle()
    x, row = _cursor_row(terminal)
    assert row[x:].lstrip().startswith("From President John F. Kennedy"), row
    terminal.keys("Enter")
    terminal.wait_for("Section 3 of 4")
    terminal.settle()
    x, y = terminal.cursor()
    rows = terminal.screen()
    first_word = addresses.paragraphs[4].text.split()[0]
    assert rows[y].lstrip("▌ ").startswith("5 "), rows[y]
    assert rows[y][x:].startswith(first_word), rows[y]
    assert "## From President John F. Kennedy" in rows[y - 2]
    # In large print the cursor is on the paragraph's first glyph row, not the heading's.
    terminal.keys("+")
    terminal.wait_for("Size 2")
    terminal.keys("}")
    terminal.wait_for("Section 4 of 4: Notes")
    terminal.settle()
    _x, y = terminal.cursor()
    assert terminal.screen()[y].lstrip("▌ ").startswith("9"), terminal.screen()[y]
    assert terminal.screen()[y - 1].strip() == "", "a blank row between heading and text"
    terminal.keys("q")
    assert terminal.exit_code() == 0
