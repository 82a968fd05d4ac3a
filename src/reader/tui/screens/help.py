"""The help screen: every key of the reading screen, generated from its live bindings
(after the user's keymap), so it cannot drift from what the keys do."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from reader.tui.screens.dialogs import SafeModal


def key_table(screen: Screen[Any], *, footer_only: bool = False) -> list[tuple[str, str]]:
    """(keys, description) for each binding of ``screen``, in declaration order
    (only those marked ``show`` when ``footer_only``)."""
    app = screen.app
    keys_by_action: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for _node, bindings_map in screen._binding_chain:
        for _key, bindings in bindings_map.key_to_bindings.items():
            for binding in bindings:
                if not binding.id or not binding.description or binding.system:
                    continue
                if footer_only and not binding.show:
                    continue
                action = binding.id or binding.action
                shown = app.get_key_display(binding)
                keys = keys_by_action.setdefault(action, [])
                if shown not in keys:
                    keys.append(shown)
                descriptions.setdefault(action, binding.description)
    return [(" ".join(keys_by_action[a]), descriptions[a]) for a in keys_by_action]


class HelpScreen(SafeModal):
    """All keys and what they do; any of escape, q, ? or f1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close help", id="help_close"),
        Binding("down,j", "scroll_body(1)", "Scroll down", show=False),
        Binding("up,k", "scroll_body(-1)", "Scroll up", show=False),
    ]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__(id="help")
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _ in self.rows), default=4) + 2
        lines = [f"{keys:<{width}}{text}" for keys, text in self.rows]
        with VerticalScroll(id="help-body", classes="dialog"):
            yield Static("Keys (Escape closes this list)", classes="dialog-title")
            yield Static("\n".join(lines), id="help-keys", markup=False)

    def action_close(self) -> None:
        """Back to reading."""
        self.dismiss(None)

    def action_scroll_body(self, rows: int) -> None:
        """Scroll the list by ``rows``."""
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_relative(y=rows, animate=False)
