"""What one run of the reader works on, apart from the app, so that screens can reach it
without importing the app module (which imports the screens: an import cycle).

Units: ``start`` is a 0-based paragraph index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from reader.document import Document
from reader.settings import DocumentState, Settings, SettingsStore
from reader.tui.narrator import Narrator


@dataclass
class Session:
    """Everything one run of the reader works on."""

    document: Document
    store: SettingsStore
    settings: Settings
    key: str
    state: DocumentState
    narrator: Narrator | None
    start: int | None = None
    notices: list[str] = field(default_factory=list)
    # Quiet screen (--quiet-screen): no ticking clock, no moving word highlight.
    quiet: bool = False

    def save(self) -> None:
        """Write this document's state and the preferences to the settings file."""
        self.settings.remember(self.key, self.state)
        self.store.save(self.settings)


class SessionApp(Protocol):
    """The app as screens see it: it holds the session."""

    session: Session
