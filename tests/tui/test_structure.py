"""Structure in the terminal UI (issue 10 item 3): headings drawn in the text at every
size, not counted as paragraphs and never holding the reading cursor; code lines and list
bullets kept; the table of contents (T) and the section keys (} and {), on a Markdown
file and on a multi-section EPUB book."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.widgets import Input, OptionList

from reader.document import Document
from reader.ingest import load_document, normalise_code
from reader.tui.app import ReaderApp
from reader.tui.largeprint import LEVELS
from reader.tui.layout import layout_paragraph
from reader.tui.screens.contents import ContentsDialog
from reader.tui.screens.dialogs import ExportDialog
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.reading import ReaderScreen
from reader.tui.widgets.reading import ReadingView

# The EPUB builder of the format tests, imported as they import it ("books", with
# tests/formats on the path: mypy's path has it too), so it is one module, not two.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formats"))
from books import epub3

STRUCTURED = """# A small manual

Opening words.

## Lists and code

Before the list.

- first bullet
- second bullet that is long enough to wrap onto a second line in a narrow column

1. numbered one
2. numbered two

```
def main():
    return 0
```

## Closing

The end.
"""


@pytest.fixture
def manual(tmp_path: Path) -> Document:
    path = tmp_path / "manual.md"
    path.write_text(STRUCTURED, encoding="utf-8")
    return load_document(path)


def _rows(view: ReadingView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


def _reading(app: ReaderApp) -> ReaderScreen:
    for screen in app.screen_stack:
        if isinstance(screen, ReaderScreen):
            return screen
    raise AssertionError("no reading screen")


async def test_headings_are_rows_of_their_own_not_paragraphs(
    manual: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(manual, start=1)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ReadingView)
        rows = _rows(view)
        heading = next(y for y, row in enumerate(rows) if "## Lists and code" in row)
        # No paragraph number and no current-paragraph bar beside a heading.
        assert rows[heading][: view.gutter_width].strip() == "", rows[heading]
        assert rows[heading][view.gutter_width :].startswith("## Lists and code")
        # The title is bold and underlined (not colour alone), the level marker bold.
        strip = list(view.render_line(heading))
        title = [s for s in strip if s.text.strip() and "#" not in s.text]
        marker = next(s for s in strip if s.text == "##")
        assert title and all(s.style and s.style.bold and s.style.underline for s in title)
        assert marker.style is not None and marker.style.bold
        # The paragraph under it is paragraph 2, and the cursor is on its first word.
        assert rows[heading + 2].startswith("▌2  Before the list."), rows[heading + 2]
        cell = view.cursor_cell()
        assert cell is not None and cell.y == heading + 2
        assert rows[cell.y][cell.x :].startswith("Before")
        assert "Paragraph 2 of 8" in _reading(app).status
        # Searching for a heading's words finds no paragraph: headings are not text.
        await pilot.press("slash", *"Closing", "enter")
        assert "No paragraph contains" in _reading(app).notice


@pytest.mark.parametrize("level", LEVELS[1:])
async def test_headings_in_every_size_of_large_print(
    level: int, manual: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(manual, start=1)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press(*["plus"] * (level - 1))
        await pilot.pause()
        screen = _reading(app)
        assert screen.level == level
        view = app.screen.query_one(ReadingView)
        layout = view.layout_of(1)
        assert layout.head >= layout.line_rows, "the heading is drawn at the text's size"
        roles = {piece.role for row in layout.rows[: layout.head] for piece in row}
        assert {"heading", "heading-mark"} <= roles
        rows = _rows(view)
        cell = view.cursor_cell()
        assert cell is not None
        # The cursor is on the paragraph's first text row (its number in the gutter),
        # below the heading's rows, which carry no number.
        assert rows[cell.y].startswith("▌2"), rows[cell.y]
        top = cell.y - layout.head
        assert top >= 0
        assert all(row[: view.gutter_width].strip() == "" for row in rows[top : cell.y])
        assert any(row[view.gutter_width :].strip() for row in rows[top : cell.y])
        # Underlined under each heading line's last glyph row only (not a strike-through).
        heading_lines = [first for first, start, _end in layout.lines if start < 0]
        underlined = [
            y
            for y in range(top, cell.y)
            if any(s.style and s.style.underline for s in view.render_line(y))
        ]
        assert underlined == [top + first + layout.line_rows - 1 for first in heading_lines]


async def test_code_keeps_its_lines_and_items_their_bullets(
    manual: Document, make_app: Callable[..., ReaderApp]
) -> None:
    code = next(p for p in manual.paragraphs if p.kind == "code")
    assert code.text == "def main():\n    return 0"
    app = make_app(manual, start=code.index)
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ReadingView)
        rows = _rows(view)
        gutter = view.gutter_width
        first = next(y for y, row in enumerate(rows) if row[gutter:].startswith("def main():"))
        assert rows[first + 1][gutter:].startswith("    return 0")
        bullet = next(y for y, row in enumerate(rows) if "first bullet" in row)
        assert rows[bullet][gutter:].startswith("• first bullet")
        long = next(y for y, row in enumerate(rows) if "second bullet" in row)
        # A hanging indent: the wrapped line starts under the text, not under the bullet.
        assert rows[long + 1][gutter:].startswith("  ") and rows[long + 1][gutter:].strip()
        assert any(row[gutter:].startswith("1. numbered one") for row in rows)
        await pilot.press("k", "j")
        assert _reading(app).current == code.index


async def test_a_multi_section_epub_shows_its_headings_and_contents_jump(
    tmp_path: Path, make_app: Callable[..., ReaderApp]
) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(epub3())
    book = load_document(path)
    titles = [s.title for s in book.sections]
    assert titles == ["Chapter One", "Chapter Two", "A subsection", "The quiet part"]
    app = make_app(book)
    async with app.run_test(size=(90, 40)) as pilot:
        await pilot.pause()
        screen = _reading(app)
        view = app.screen.query_one(ReadingView)
        assert _rows(view)[0][view.gutter_width :].startswith("# Chapter One")
        await pilot.press("T")
        dialog = app.screen
        assert isinstance(dialog, ContentsDialog)
        toc = dialog.query_one(OptionList)
        shown = [str(toc.get_option_at_index(i).prompt) for i in range(toc.option_count)]
        assert shown[0] == "Chapter One (paragraphs 1 to 14)"
        assert shown[2].startswith("  A subsection"), "indented by its level"
        assert toc.highlighted == 0, "it opens on the section being read"
        assert dialog.terminal_cursor() is not None
        await pilot.press("down", "down")
        cursor = dialog.terminal_cursor()
        assert cursor is not None
        assert app.screen.get_widget_at(cursor.x, cursor.y)[0] is toc
        await pilot.press("enter")
        await pilot.pause()
        third = book.sections[2]
        assert app.screen is screen
        assert screen.current == third.first
        assert "Section 3 of 4: A subsection" in screen.notice
        rows = _rows(view)
        assert any(row[view.gutter_width :].startswith("## A subsection") for row in rows)
        # Escape closes the contents and moves nothing.
        await pilot.press("T", "escape")
        assert app.screen is screen and screen.current == third.first
        # } and { move by section; at the ends they say why they cannot.
        await pilot.press("right_curly_bracket")
        assert screen.current == book.sections[3].first
        await pilot.press("right_curly_bracket")
        assert screen.notice == "Already in the last section (4 of 4)."
        await pilot.press("left_curly_bracket", "left_curly_bracket")
        assert screen.current == book.sections[1].first
        # Inside a section, { goes to its start first.
        await pilot.press("colon", "5", "enter", "left_curly_bracket")
        assert screen.current == 0
        assert screen.notice == "Section 1 of 4: Chapter One"
        await pilot.press("left_curly_bracket")
        assert screen.notice == "Already at the start of the first section."
        assert screen.current == 0


async def test_no_headings_said_in_words(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech, start=4)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _reading(app)
        for key in ("T", "right_curly_bracket", "left_curly_bracket"):
            await pilot.press(key)
            assert app.screen is screen, "no dialog for a document without headings"
            assert screen.notice.startswith("This document has no headings"), screen.notice
            assert screen.current == 4


async def test_every_structure_key_is_in_the_help(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech)
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(f"{keys} {what}" for keys, what in app.screen.rows)
        assert "T Table of contents" in text
        assert "} Next section" in text
        assert "{ Previous section" in text


@settings(max_examples=80, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab é\n  \t"), max_size=120).map(normalise_code),
    st.integers(8, 40),
    st.sampled_from(["code", "list-item"]),
)
@example(" " * 12 + "abc\n" + " " * 30 + "d", 8, "code")  # indentation wider than the window
def test_code_and_item_layouts_keep_every_character(text: str, width: int, kind: str) -> None:
    marker = "•" if kind == "list-item" else ""
    if kind != "code":
        text = " ".join(text.split())
    layout = layout_paragraph(text, width, 1, 0, kind=kind, marker=marker)
    shown = ""
    for row in layout.rows:
        assert sum(cell_len(piece.text) for piece in row) <= width, row
        for piece in row:
            if piece.is_word:
                assert text[piece.start : piece.end] == piece.text
                shown += piece.text
    assert shown == "".join(text.split()), "every character once, in order"
    if kind == "code":
        # Each source line starts a row, indented as written when that fits.
        row_starts = {}
        for row in layout.rows:
            words = [piece for piece in row if piece.is_word]
            if words:
                lead = sum(cell_len(p.text) for p in row[: row.index(words[0])])
                row_starts[words[0].start] = lead
        position = 0
        for line in text.split("\n"):
            if line.strip():
                indent = len(line) - len(line.lstrip())
                first = position + indent
                assert first in row_starts, (line, row_starts)
                if indent + len(line.split()[0]) <= width:
                    assert row_starts[first] == indent
            position += len(line) + 1
    if marker and text:
        assert layout.rows[0][0].text == "•" and layout.rows[0][0].role == "marker"


async def test_export_dialog_writes_the_chapter_with_its_subsections(
    tmp_path: Path, make_app: Callable[..., ReaderApp]
) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(epub3())
    book = load_document(path)
    target = tmp_path / "chapter.txt"
    app = make_app(book, start=book.sections[1].first)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#range", Input).value = "section"
        dialog.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        assert "Exported 3 paragraphs" in _reading(app).notice
    text = target.read_text(encoding="utf-8")
    assert text.startswith("A Test Book\nParagraphs 15 to 17 of 17\n\n# Chapter Two\n\n")
    assert "\n\n## A subsection\n\nDeeper text.\n\n## The quiet part\n\n" in text


@pytest.mark.parametrize("level", LEVELS[1:])
def test_code_indentation_and_bullets_in_large_print(level: int) -> None:
    code = layout_paragraph("def main():\n    return 0", 200, level, 0, kind="code")
    assert len(code.lines) == 2, "one text line per source line"
    second = code.rows[code.lines[1][0]]
    space = second[0]
    assert not space.is_word and space.text.strip() == ""
    word = next(piece for piece in second if piece.is_word)
    assert word.start == len("def main():\n    ")
    # Four spaces of indentation, drawn at the large print's space width.
    one_space = layout_paragraph("a b", 200, level, 0).rows[0][1]
    assert cell_len(space.text) == 4 * cell_len(one_space.text)
    item = layout_paragraph("apples and pears " * 6, 60, level, 0, kind="list-item", marker="•")
    assert item.rows[0][0].role == "marker"
    hang = item.rows[item.lines[1][0]][0]
    assert not hang.is_word and cell_len(hang.text) == cell_len(item.rows[0][0].text) + cell_len(
        item.rows[0][1].text
    ), "continuation lines start under the text, not under the bullet"
