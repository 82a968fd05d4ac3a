"""Keys that move the view but not the reading place (page and half-page up and down, back
to the place), and the Ctrl+C hint; the reading screen builds on this.

Units: ``fraction`` is a share of the view's height; the view scrolls in rows (whole text
lines in large print).
"""

from __future__ import annotations

from reader.tui.screens.speech import SpeakingScreen
from reader.tui.widgets.reading import ReadingView


class PagingScreen(SpeakingScreen):
    """Paging keys: the view scrolls, the reading place (and the narration) stay."""

    def _page(self, fraction: float) -> None:
        view = self.query_one(ReadingView)
        view.scroll_rows(
            int(fraction * max(1, view.size.height - 2)) or (1 if fraction > 0 else -1)
        )
        self.notice = "Paged away from the reading place; the view stays here: c goes back."

    def action_page(self, fraction: float) -> None:
        """Scroll the view by ``fraction`` of a screen without moving the reading place."""
        self._page(fraction)

    def action_quit_hint(self) -> None:
        """Ctrl+C does not quit a reader; say what does."""
        self.notice = "To quit, press q (or Ctrl+Q from anywhere); your place is saved."

    def action_back_to_place(self) -> None:
        """Bring the view back to the reading place."""
        self.query_one(ReadingView).back_to_place()
        self.notice = f"Back at paragraph {self.current + 1}."
