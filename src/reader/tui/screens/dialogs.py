"""Small dialogs of the reading screen: go to a paragraph, search, bookmarks, export.

Units: paragraph indices returned by dialogs are 0-based; what people type and see is
1-based. Every dialog works from the keyboard alone: Enter accepts, Escape cancels.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Offset
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reader.document import Document
from reader.errors import ReaderError
from reader.export import ExportOptions, export_text, write_atomically
from reader.sanitize import for_terminal
from reader.sections import with_subsections
from reader.selection import parse_number, parse_ranges
from reader.tui.cursor import dialog_cursor

_CANCEL = Binding("escape", "cancel", "Cancel", id="dialog_cancel")


class SafeModal(ModalScreen[object]):
    """A modal screen that closes at most once, and only while it is on top.

    Textual's ``dismiss`` pops whatever screen is on top: a second Enter queued before the
    first one closed the dialog (or Escape right after Enter) popped the reading screen
    and crashed with ``ScreenStackError: Can't pop screen``.
    """

    _reader_closing = False

    # The VoiceDialog sets this while arrows move its list (the cursor follows the item).
    cursor_on_list = False

    def terminal_cursor(self) -> Offset | None:
        """The cell for the terminal cursor: the focused control or selected item."""
        return dialog_cursor(self, prefer_list=self.cursor_on_list)

    def dismiss(self, result: object | None = None) -> AwaitComplete:
        """Close with ``result``; ignored when already closing or not the top screen."""
        if self._reader_closing or not self.is_active:
            done: AwaitComplete = AwaitComplete.nothing()  # type: ignore[no-untyped-call]
            return done
        self._reader_closing = True
        return super().dismiss(result)


class _Dialog(SafeModal):
    BINDINGS: ClassVar[list[BindingType]] = [_CANCEL]

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)

    def _error(self, message: str) -> None:
        # Text, not markup: what the reader typed ("[3-" in a range) would be parsed as
        # Rich markup and crash with MarkupError (found by the long random-key run).
        self.query_one(".dialog-error", Static).update(Text(f"Error: {for_terminal(message)}"))


class GoToDialog(_Dialog):
    """Ask for a paragraph number; returns its 0-based index."""

    def __init__(self, count: int) -> None:
        super().__init__(id="go-to")
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Go to paragraph (1 to {self.count}):", classes="dialog-title")
            yield Input(id="number", restrict=r"[0-9]*")
            yield Static("", classes="dialog-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(parse_number(event.value, self.count))
        except ReaderError as error:
            self._error(str(error))


class SearchDialog(_Dialog):
    """Ask for words to search for (all must occur in a paragraph)."""

    def __init__(self, previous: str) -> None:
        super().__init__(id="search")
        self.previous = previous

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Search for (all words, any case):", classes="dialog-title")
            yield Input(self.previous, id="words")
            yield Static("", classes="dialog-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self._error("type at least one word")
            return
        self.dismiss(event.value.strip())


class BookmarksDialog(_Dialog):
    """Pick a bookmark (Enter) or delete one (d); returns the chosen paragraph index."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding("d,delete", "delete", "Delete bookmark", id="bookmark_delete"),
    ]

    def __init__(self, document: Document, bookmarks: list[int]) -> None:
        super().__init__(id="bookmarks")
        self.document = document
        self.bookmarks = list(bookmarks)
        self.deleted: list[int] = []

    def _option(self, index: int) -> Option:
        words = self.document.paragraphs[index].text.split()
        preview = " ".join(words[:8]) + (" …" if len(words) > 8 else "")
        # Text: a paragraph holding "[b=" must be shown, not parsed as markup.
        return Option(Text(for_terminal(f"Paragraph {index + 1}: {preview}")), id=str(index))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Bookmarks (Enter goes there, d deletes):", classes="dialog-title")
            yield OptionList(*(self._option(i) for i in self.bookmarks), id="marks")
            yield Static("", classes="dialog-error")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(("go", int(event.option.id), self.deleted))

    def action_delete(self) -> None:
        """Delete the highlighted bookmark."""
        marks = self.query_one(OptionList)
        if marks.highlighted is None:
            return
        option = marks.get_option_at_index(marks.highlighted)
        if option.id is not None:
            self.deleted.append(int(option.id))
        marks.remove_option_at_index(marks.highlighted)

    def action_cancel(self) -> None:
        """Close; deletions still count."""
        self.dismiss(("close", None, self.deleted))


class ExportDialog(_Dialog):
    """Ask for a range ("12", "3-7,12", "section" or "all") and a file; write it.

    Enter in either field exports. A file that exists is replaced only after the reader
    confirms: the dialog then offers "Replace" (Enter again, or ctrl+r). Paragraphs are not
    numbered, as ``reader export`` without ``--numbered`` and line mode write them.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding("ctrl+r", "replace", "Replace the existing file", id="export_replace"),
    ]

    def __init__(self, document: Document, current: int) -> None:
        super().__init__(id="export")
        self.document = document
        self.current = current
        self._confirmed: Path | None = None  # the existing file the reader agreed to replace

    def compose(self) -> ComposeResult:
        stem = Path(self.document.path).stem if self.document.path else "document"
        # Relative: written to the folder the reader was started from.
        default_path = for_terminal(f"{stem}-paragraph-{self.current + 1}.txt")
        with Vertical(classes="dialog"):
            yield Static("Export to plain text (Enter exports)", classes="dialog-title")
            yield Static('Paragraphs: a number, a range like 3-7,12, "section" or "all"')
            yield Input(str(self.current + 1), id="range")
            yield Static("File to write:")
            # Not selected on focus: a key typed after Tab must not replace the whole name.
            yield Input(default_path, id="path", select_on_focus=False)
            yield Static("", classes="dialog-error")

    def selection(self, text: str) -> list[int]:
        """0-based indices for what the reader typed."""
        wanted = text.strip().casefold()
        count = len(self.document.paragraphs)
        if wanted == "all":
            return list(range(count))
        if wanted == "section":
            paragraph = self.document.paragraphs[self.current]
            return list(with_subsections(self.document, self.document.section_of(paragraph)))
        return parse_ranges(text, count)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        del event
        self._export(replace=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "path":
            self._confirmed = None

    def action_replace(self) -> None:
        """Export, replacing the file if it exists."""
        self._export(replace=True)

    def _export(self, *, replace: bool) -> None:
        try:
            indices = self.selection(self.query_one("#range", Input).value)
            name = self.query_one("#path", Input).value.strip()
            if not name:
                raise ReaderError("give a file name to write")
            path = Path(name).expanduser().absolute()
            if path.exists() and not replace and self._confirmed != path:
                self._confirmed = path
                self._error(
                    f"{path} already exists. Replace it? Enter again or ctrl+r replaces it; "
                    "Escape keeps it."
                )
                return
            text = export_text(self.document, indices, ExportOptions())
            write_atomically(path, text, force=True if path == self._confirmed else replace)
        except ReaderError as error:
            self._error(str(error))
            return
        noun = "paragraph" if len(indices) == 1 else "paragraphs"
        self.dismiss(f"Exported {len(indices)} {noun} to {for_terminal(str(path))}.")
