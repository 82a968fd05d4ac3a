"""The table of contents: every section, indented by its heading level, with its
paragraph numbers; Enter goes to the highlighted one, Escape closes.

Units: the dialog returns a 0-based section index; what people see is 1-based.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader import sections
from reader.document import Document
from reader.sanitize import for_terminal
from reader.tui.screens.dialogs import _Dialog


class ContentsDialog(_Dialog):
    """Pick a section (Enter) to go to its first paragraph; returns the section index.

    The list opens on the section being read, and the terminal cursor sits on the
    highlighted item (see :mod:`reader.tui.cursor`)."""

    def __init__(self, document: Document, current_section: int) -> None:
        super().__init__(id="contents")
        self.document = document
        self.current_section = current_section

    def _option(self, index: int) -> Option:
        section = self.document.sections[index]
        indent = "  " * max(0, section.level - 1)
        where = sections.span(self.document, section)
        # Text, not markup: a title holding "[b]" is shown as written.
        shown = f"{indent}{sections.label(section)} ({where})"
        return Option(Text(for_terminal(shown)), id=str(index))

    def compose(self) -> ComposeResult:
        count = len(self.document.sections)
        noun = "section" if count == 1 else "sections"
        with Vertical(classes="dialog"):
            yield Static(
                f"Contents, {count} {noun} (Enter goes there, Escape closes):",
                classes="dialog-title",
            )
            yield OptionList(*(self._option(i) for i in range(count)), id="toc")

    def on_mount(self) -> None:
        toc = self.query_one(OptionList)
        toc.highlighted = self.current_section
        toc.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(int(event.option.id))
