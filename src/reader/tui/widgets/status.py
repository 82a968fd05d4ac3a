"""The title line, the one-line notice and the status line of the reading screen."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class TextLine(Static):
    """A line of plain text (never markup: titles and notices come from files)."""

    text: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def watch_text(self, text: str) -> None:
        self.update(text)
        self.display = bool(text) or self.id != "notice"


def clock(seconds: float) -> str:
    """``mm:ss`` (or ``h:mm:ss`` past an hour) for a duration in seconds."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
