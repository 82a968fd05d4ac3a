"""Persisted reader settings: preferences, key map and, per document, the last position,
bookmarks, text size, theme, voice and rate.

Units: positions are 0-based paragraph indices plus a paragraph-local character offset
(the start of the sentence being read); rates are words per minute; sizes are the 1-based
text-size level shown to people.

Everything lives in one JSON file under ``platformdirs.user_data_dir("reader")`` (or the
folder named by ``READER_DATA_DIR``, which tests use); :mod:`reader.settingsfile` reads,
locks and writes it. Several readers can run at once: a save re-reads the file under a
lock and writes back only what this reader changed since it loaded (per preference, per
key binding, per document), so two windows never erase each other's places.

What cannot be read is set aside (``settings.json.corrupt-<time>``) and reported in one
line: one bad document entry, or a bad ``preferences`` or ``keymap``, alone, the rest
kept; the whole file only when it is not a JSON object at all. A failed save is reported
too (``save_error``), never raised. No Textual here: the terminal UI only calls this.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from reader.atomic import NotARegularFile
from reader.narration.limits import DEFAULT_RATE_WPM, MAX_RATE_WPM, MIN_RATE_WPM
from reader.sanitize import for_terminal
from reader.settingsfile import Unreadable, locked, read_json, set_aside, write_json

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

    def state_for(self, key: str) -> DocumentState:
        """The state a document opens with: its remembered one, else a fresh one."""
        return self.documents.get(key) or self.fresh_state()

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


def _units(raw: dict[str, Any]) -> tuple[Settings, dict[str, Any], list[str]]:
    """The settings in ``raw`` and, in the same shape, the parts that are not valid, with
    the reasons: a bad part never costs the others."""
    settings, bad, reasons = Settings(), {}, []
    try:
        settings.preferences = _preferences(raw.get("preferences", {}))
    except CorruptSettings as error:
        bad["preferences"], reasons = raw["preferences"], [f"preferences: {error}"]
    keymap = raw.get("keymap", {})
    if isinstance(keymap, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        settings.keymap = dict(keymap)
    else:
        bad["keymap"] = keymap
        reasons.append('keymap must map binding ids to keys, e.g. {"next": "n,down"}')
    documents = raw.get("documents", {})
    if not isinstance(documents, dict):
        bad["documents"] = documents
        reasons.append("documents must be an object")
        documents = {}
    for key, entry in documents.items():
        try:
            settings.documents[key] = _document(entry)
        except CorruptSettings as error:
            bad.setdefault("documents", {})[key] = entry
            reasons.append(f"the entry for {key}: {error}")
    return settings, bad, reasons


def parse_settings(text: str) -> Settings:
    """Settings from the file's text; :class:`CorruptSettings` when any part is not valid."""
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise CorruptSettings(f"not valid JSON ({type(error).__name__})") from None
    if not isinstance(raw, dict):
        raise CorruptSettings("the file must hold a JSON object")
    settings, _bad, reasons = _units(raw)
    if reasons:
        raise CorruptSettings(reasons[0])
    return settings


def _entry(state: DocumentState) -> dict[str, Any]:
    entry = asdict(state)
    entry["bookmarks"] = list(state.bookmarks)
    return entry


def dump_settings(settings: Settings) -> str:
    """The file's text for ``settings`` (stable key order, readable by people)."""
    payload = {
        "version": FORMAT_VERSION,
        "preferences": asdict(settings.preferences),
        "keymap": settings.keymap,
        "documents": {key: _entry(state) for key, state in settings.documents.items()},
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _snapshot(settings: Settings) -> Settings:
    # Preferences and DocumentState are frozen: copying the containers is enough.
    return Settings(settings.preferences, dict(settings.keymap), dict(settings.documents))


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    section = raw.get(name)
    if not isinstance(section, dict):
        section = raw[name] = {}
    return section


def _merge(raw: dict[str, Any], before: Settings, now: Settings) -> None:
    """Write into ``raw`` (the file as it is now) only what changed from ``before`` to
    ``now`` in this reader; everything else, other readers' saves included, stays."""
    old_prefs, new_prefs = asdict(before.preferences), asdict(now.preferences)
    changed = {k: v for k, v in new_prefs.items() if old_prefs[k] != v}
    if changed or "preferences" not in raw:
        _section(raw, "preferences").update(changed or new_prefs)
    keymap = _section(raw, "keymap")
    for binding in before.keymap.keys() - now.keymap.keys():
        keymap.pop(binding, None)
    keymap.update({k: v for k, v in now.keymap.items() if before.keymap.get(k) != v})
    documents = _section(raw, "documents")
    for key, state in now.documents.items():
        if before.documents.get(key) != state:
            documents[key] = _entry(state)
    raw["version"] = FORMAT_VERSION


class SettingsStore:
    """Loads and saves the settings file; collects one-line notices for the user."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else data_dir()
        self.path = self.directory / SETTINGS_FILE
        self.notices: list[str] = []
        self.save_error: str | None = None  # why the last save failed; None after success
        self._loaded = Settings()  # as loaded or last saved: what this reader changed since
        self._refused = False

    def _note(self, text: str) -> None:
        # Paths and document keys come from the environment and from the file itself:
        # escaped here, so every place that shows a notice shows it safely.
        self.notices.append(for_terminal(text))

    def load(self) -> Settings:
        """The saved settings, or defaults when there are none or they are unreadable."""
        try:
            raw = read_json(self.path)
        except NotARegularFile:
            self._refused = True
            self._note(
                f"Settings file {self.path} is not a regular file; "
                "settings are not read or saved until it is removed."
            )
            return Settings()
        except (OSError, Unreadable) as error:
            return self._set_aside_file(getattr(error, "strerror", None) or str(error))
        if raw is None:
            return Settings()
        settings, bad, reasons = _units(raw)
        if bad:
            self._set_aside_parts(bad, reasons)
        self._loaded = _snapshot(settings)
        return settings

    def peek(self) -> Settings:
        """The saved settings as far as they can be read, for a look ahead: unlike
        :meth:`load` it never moves a bad file or part aside and notes nothing (the
        ``load`` that follows does both, once)."""
        try:
            raw = read_json(self.path)
        except (OSError, Unreadable):
            return Settings()
        return Settings() if raw is None else _units(raw)[0]

    def _set_aside_file(self, reason: str) -> Settings:
        try:
            where = f"moved to {set_aside(self.path)}"
        except OSError:
            where = "left in place"
        self._note(
            f"Settings file {self.path} could not be read ({reason}); {where}, using defaults."
        )
        return Settings()

    def _set_aside_parts(self, bad: dict[str, Any], reasons: list[str]) -> None:
        try:
            with locked(self.path):
                raw = read_json(self.path) or {}
                for name, value in bad.items():
                    if name != "documents" or not isinstance(raw.get(name), dict):
                        raw.pop(name, None)
                        continue
                    for key in value:
                        raw[name].pop(key, None)
                where = f"moved to {set_aside(self.path, bad)}"
                write_json(self.path, raw)
        except (OSError, Unreadable, ValueError, RecursionError):
            where = "left in place"
        more = f" and {len(reasons) - 1} more" if len(reasons) > 1 else ""
        self._note(f"Settings file {self.path}: {reasons[0]}{more}; {where}, the rest kept.")

    def save(self, settings: Settings) -> None:
        """Write what changed since :meth:`load` (or the last save) into the file as it is
        now, under the lock.

        Failure to save is reported as a notice and in ``save_error``, never raised:
        losing a reading position must not crash the reader.
        """
        try:
            if self._refused:
                raise OSError(0, "it is not a regular file")
            self.directory.mkdir(parents=True, exist_ok=True)
            with locked(self.path):
                try:
                    raw = read_json(self.path) or {}
                except Unreadable as error:
                    self._note(
                        f"Settings file {self.path} could not be read ({error}); "
                        f"moved to {set_aside(self.path)}."
                    )
                    raw = {}
                _merge(raw, self._loaded, settings)
                write_json(self.path, raw)
        except (OSError, ValueError, RecursionError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            self.save_error = for_terminal(
                f"Settings could not be saved to {self.path} ({reason})."
            )
            self._note(self.save_error)
            return
        self.save_error = None
        self._loaded = _snapshot(settings)
