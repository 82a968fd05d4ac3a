"""Persisted reader settings: preferences, key map and, per document, the last position,
bookmarks, text size, theme, voice and rate.

Units: positions are 0-based paragraph indices plus a paragraph-local character offset
(the start of the sentence being read); rates are words per minute; sizes are the 1-based
text-size level shown to people.

Everything lives in one JSON file under ``platformdirs.user_data_dir("reader")`` (or the
folder named by ``READER_DATA_DIR``, which tests use). Writes go through a temporary file
and a rename, so a crash never leaves half a file. A file that cannot be read is set aside
(renamed with a ``.corrupt-<time>`` suffix) and reported in one line; the reader then
starts from defaults instead of crashing. No Textual here: the terminal UI only calls this.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from reader.atomic import atomic_file
from reader.narration.limits import DEFAULT_RATE_WPM, MAX_RATE_WPM, MIN_RATE_WPM

DATA_DIR_ENV = "READER_DATA_DIR"
SETTINGS_FILE = "settings.json"
FORMAT_VERSION = 1
GRANULARITIES = ("word", "sentence", "paragraph")
# One source for the rate range: the narration limits (faster than an engine's exact
# range is time-stretched), so the UI, this file and `reader render` accept the same rates.
DEFAULT_RATE = DEFAULT_RATE_WPM
MIN_RATE = MIN_RATE_WPM
MAX_RATE = MAX_RATE_WPM


def data_dir() -> Path:
    """The folder that holds the settings file (not created here)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("reader"))


@dataclass(frozen=True, slots=True)
class Preferences:
    """Settings that apply to every document unless a document has its own."""

    size: int = 1
    theme: str = "reader-dark"
    voice: str | None = None
    rate: int = DEFAULT_RATE
    granularity: str = "word"
    reading_width: int = 0
    line_spacing: int = 0


@dataclass(frozen=True, slots=True)
class DocumentState:
    """What the reader remembers about one document."""

    paragraph: int = 0
    offset: int = 0
    bookmarks: tuple[int, ...] = ()
    size: int = 1
    theme: str = "reader-dark"
    voice: str | None = None
    rate: int = DEFAULT_RATE


@dataclass(slots=True)
class Settings:
    """The whole settings file in memory."""

    preferences: Preferences = field(default_factory=Preferences)
    keymap: dict[str, str] = field(default_factory=dict)
    documents: dict[str, DocumentState] = field(default_factory=dict)

    def document(self, key: str) -> DocumentState | None:
        """The remembered state of a document, or None when it was never opened."""
        return self.documents.get(key)

    def fresh_state(self) -> DocumentState:
        """The state of a document opened for the first time (from the preferences)."""
        p = self.preferences
        return DocumentState(size=p.size, theme=p.theme, voice=p.voice, rate=p.rate)

    def remember(self, key: str, state: DocumentState) -> None:
        """Store a document's state; its size, theme, voice and rate become the defaults."""
        self.documents[key] = state
        self.preferences = replace(
            self.preferences,
            size=state.size,
            theme=state.theme,
            voice=state.voice,
            rate=state.rate,
        )


def document_key(path: str) -> str:
    """The key a document is remembered under: its absolute path."""
    return str(Path(path).resolve()) if path else "<untitled>"


class CorruptSettings(ValueError):
    """The settings file exists but does not hold valid settings."""


def _int(value: Any, low: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CorruptSettings(f"{what} must be a whole number from {low} to {high}")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise CorruptSettings(f"{what} must be text")
    return value


def _voice(value: Any) -> str | None:
    return None if value is None else _str(value, "voice")


def _preferences(raw: Any) -> Preferences:
    if not isinstance(raw, dict):
        raise CorruptSettings("preferences must be an object")
    base = Preferences()
    granularity = _str(raw.get("granularity", base.granularity), "granularity")
    if granularity not in GRANULARITIES:
        raise CorruptSettings(f"granularity must be one of {', '.join(GRANULARITIES)}")
    return Preferences(
        size=_int(raw.get("size", base.size), 1, 99, "size"),
        theme=_str(raw.get("theme", base.theme), "theme"),
        voice=_voice(raw.get("voice", base.voice)),
        rate=_int(raw.get("rate", base.rate), MIN_RATE, MAX_RATE, "rate"),
        granularity=granularity,
        reading_width=_int(raw.get("reading_width", 0), 0, 10_000, "reading_width"),
        line_spacing=_int(raw.get("line_spacing", 0), 0, 9, "line_spacing"),
    )


def _document(raw: Any) -> DocumentState:
    if not isinstance(raw, dict):
        raise CorruptSettings("each document entry must be an object")
    marks = raw.get("bookmarks", [])
    if not isinstance(marks, list):
        raise CorruptSettings("bookmarks must be a list")
    return DocumentState(
        paragraph=_int(raw.get("paragraph", 0), 0, 10**9, "paragraph"),
        offset=_int(raw.get("offset", 0), 0, 10**9, "offset"),
        bookmarks=tuple(sorted({_int(m, 0, 10**9, "bookmark") for m in marks})),
        size=_int(raw.get("size", 1), 1, 99, "size"),
        theme=_str(raw.get("theme", "reader-dark"), "theme"),
        voice=_voice(raw.get("voice")),
        rate=_int(raw.get("rate", DEFAULT_RATE), MIN_RATE, MAX_RATE, "rate"),
    )


def parse_settings(text: str) -> Settings:
    """Settings from the file's text; :class:`CorruptSettings` when it is not valid."""
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CorruptSettings(f"not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise CorruptSettings("the file must hold a JSON object")
    keymap = raw.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise CorruptSettings('keymap must map binding ids to keys, e.g. {"next": "n,down"}')
    documents = raw.get("documents", {})
    if not isinstance(documents, dict):
        raise CorruptSettings("documents must be an object")
    return Settings(
        preferences=_preferences(raw.get("preferences", {})),
        keymap=dict(keymap),
        documents={str(k): _document(v) for k, v in documents.items()},
    )


def dump_settings(settings: Settings) -> str:
    """The file's text for ``settings`` (stable key order, readable by people)."""
    documents = {}
    for key, state in settings.documents.items():
        entry = asdict(state)
        entry["bookmarks"] = list(state.bookmarks)
        documents[key] = entry
    payload = {
        "version": FORMAT_VERSION,
        "preferences": asdict(settings.preferences),
        "keymap": settings.keymap,
        "documents": documents,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


class SettingsStore:
    """Loads and saves the settings file; collects one-line notices for the user."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else data_dir()
        self.path = self.directory / SETTINGS_FILE
        self.notices: list[str] = []

    def load(self) -> Settings:
        """The saved settings, or defaults when there are none or they are unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except (OSError, UnicodeDecodeError) as error:
            return self._set_aside(str(error))
        try:
            return parse_settings(text)
        except CorruptSettings as error:
            return self._set_aside(str(error))

    def _set_aside(self, reason: str) -> Settings:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            self.path.replace(aside)
            where = f"moved to {aside.name}"
        except OSError:
            where = "left in place"
        self.notices.append(
            f"Settings file {self.path} could not be read ({reason}); {where}, using defaults."
        )
        return Settings()

    def save(self, settings: Settings) -> None:
        """Write atomically (temporary file in the same folder, then rename).

        Failure to save is reported as a notice, never raised: losing a reading position
        must not crash the reader.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with atomic_file(self.path) as handle:
                handle.write(dump_settings(settings).encode("utf-8"))
        except OSError as error:
            self.notices.append(f"Settings could not be saved to {self.path} ({error.strerror}).")
