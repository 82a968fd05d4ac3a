"""Settings: round trip, what cannot be read set aside (alone when it can be), concurrent
readers keeping each other's places, special files, undecodable names."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from reader import settingsfile
from reader.settings import (
    DATA_DIR_ENV,
    DocumentState,
    Settings,
    SettingsStore,
    data_dir,
    document_key,
    dump_settings,
    parse_settings,
)


def test_data_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x"
    monkeypatch.delenv(DATA_DIR_ENV)
    assert data_dir().name == "reader"


def test_round_trip_and_preferences_follow_the_document(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "d")
    settings = store.load()
    key = document_key("texts/some.md")
    state = DocumentState(paragraph=12, offset=40, bookmarks=(3, 9), size=3, theme="t", rate=200)
    settings.remember(key, state)
    settings.keymap["next_paragraph"] = "x"
    store.save(settings)
    again = SettingsStore(tmp_path / "d").load()
    assert again.document(key) == state
    assert again.keymap == {"next_paragraph": "x"}
    assert (again.preferences.size, again.preferences.rate) == (3, 200)
    assert again.fresh_state().size == 3
    assert not list((tmp_path / "d").glob(".settings.json.*")), "temporary file left behind"


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        "\udcff",
        "[" * 100_000,
        '{"documents": ' * 100_000,
        '{"preferences": {"size": ' + "9" * 5000 + "}}",
    ],
)
def test_unreadable_file_is_set_aside_with_a_notice(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "settings.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    store = SettingsStore(folder)
    settings = store.load()
    assert settings == Settings()
    assert len(store.notices) == 1 and "could not be read" in store.notices[0]
    assert not (folder / "settings.json").exists()
    assert len(list(folder.glob("settings.json.corrupt-*"))) == 1


def test_huge_file_is_set_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settingsfile, "MAX_BYTES", 1000)
    (tmp_path / "settings.json").write_text(json.dumps({"keymap": {"x": "y" * 2000}}))
    store = SettingsStore(tmp_path)
    assert store.load() == Settings()
    assert "larger than" in store.notices[0]


GOOD = {"paragraph": 7, "offset": 3, "bookmarks": [1, 2]}


@pytest.mark.parametrize(
    ("bad", "kept"),
    [
        ({"documents": {"/b": {"paragraph": -1}}}, "keymap"),
        ({"documents": {"/b": {"bookmarks": "3"}}}, "keymap"),
        ({"documents": {"/b": [1]}}, "keymap"),
        ({"keymap": {"next": 3}}, "documents"),
        ({"preferences": {"granularity": "letter"}}, "documents"),
        ({"preferences": {"rate": 9000}}, "keymap"),
    ],
)
def test_one_bad_part_is_set_aside_alone(tmp_path: Path, bad: dict[str, Any], kept: str) -> None:
    raw: dict[str, Any] = {"keymap": {"quit": "q,x"}, "documents": {"/a": GOOD}}
    for name, value in bad.items():
        raw[name] = {**raw[name], **value} if name == "documents" else value
    (tmp_path / "settings.json").write_text(json.dumps(raw))
    store = SettingsStore(tmp_path)
    settings = store.load()
    assert settings.document("/a") == DocumentState(paragraph=7, offset=3, bookmarks=(1, 2))
    assert settings.document("/b") is None
    assert settings.keymap == ({} if "keymap" in bad else {"quit": "q,x"})
    assert len(store.notices) == 1 and "the rest kept" in store.notices[0], store.notices
    (aside,) = tmp_path.glob("settings.json.corrupt-*")
    assert json.loads(aside.read_text()) == bad
    on_disk = json.loads((tmp_path / "settings.json").read_text())
    assert on_disk[kept] == raw[kept] and on_disk["documents"].get("/a") == GOOD
    assert SettingsStore(tmp_path).load() == settings  # and no second notice next time


def test_save_failure_is_a_notice_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = SettingsStore(blocker / "inside")
    store.save(Settings())
    assert store.notices and "could not be saved" in store.notices[0]
    assert store.save_error == store.notices[0]


def test_read_only_save_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SettingsStore(tmp_path)
    settings = store.load()
    settings.remember("/a", DocumentState(paragraph=4))

    def read_only(self: Path, target: Path) -> Path:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(Path, "replace", read_only)
    store.save(settings)
    assert store.save_error is not None and "Read-only file system" in store.save_error
    monkeypatch.undo()
    store.save(settings)
    assert store.save_error is None
    assert SettingsStore(tmp_path).load().document("/a") == DocumentState(paragraph=4)


def test_symlinked_file_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "reader.json"
    real.parent.mkdir()
    real.write_text("{}")
    real.chmod(0o600)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "settings.json").symlink_to(real)
    store = SettingsStore(folder)
    settings = store.load()
    settings.remember("/a", DocumentState(paragraph=2))
    store.save(settings)
    assert (folder / "settings.json").is_symlink()
    assert json.loads(real.read_text())["documents"]["/a"]["paragraph"] == 2
    assert real.stat().st_mode & 0o777 == 0o600
    assert not store.notices


def test_fifo_is_refused_and_never_hangs(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "settings.json")
    store = SettingsStore(tmp_path)
    result: list[Settings] = []
    worker = threading.Thread(target=lambda: result.append(store.load()), daemon=True)
    worker.start()
    worker.join(10)
    assert result == [Settings()], "loading a FIFO hung"
    assert "not a regular file" in store.notices[0]
    store.save(Settings())
    assert store.save_error is not None
    assert stat.S_ISFIFO((tmp_path / "settings.json").stat().st_mode)


def test_undecodable_file_names_are_kept_exactly(tmp_path: Path) -> None:
    name = os.fsdecode(b"/books/caf\xe9.txt")
    store = SettingsStore(tmp_path)
    settings = store.load()
    settings.remember(name, DocumentState(paragraph=9))
    store.save(settings)
    assert not store.notices
    (tmp_path / "settings.json").read_bytes().decode("utf-8")  # still valid UTF-8
    assert SettingsStore(tmp_path).load().document(name) == DocumentState(paragraph=9)


_SAVER = """
import sys, time
import errno
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from reader.settings import DocumentState, SettingsStore
folder, key, ready, go = sys.argv[1:]
store = SettingsStore(Path(folder))
settings = store.load()
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.005)
settings.remember(key, DocumentState(paragraph=len(key)))
store.save(settings)
assert not store.notices, store.notices
"""


@pytest.mark.parametrize("trial", range(6))
def test_two_readers_keep_both_places(tmp_path: Path, trial: int) -> None:
    # Both load before either saves, as two windows opened at once and closed together.
    keys = ["/first.txt", "/the-second.txt"]
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(tmp_path), key, str(tmp_path / key[1:]), str(go)]
        )
        for key in keys
    ]
    while not all((tmp_path / key[1:]).exists() for key in keys):
        time.sleep(0.005)
    go.touch()
    assert [child.wait(60) for child in children] == [0, 0]
    settings = SettingsStore(tmp_path).load()
    for key in keys:
        assert settings.document(key) == DocumentState(paragraph=len(key)), trial


def test_dump_is_parseable() -> None:
    settings = Settings()
    settings.remember("k", DocumentState(bookmarks=(1, 2)))
    assert parse_settings(dump_settings(settings)).document("k") == DocumentState(bookmarks=(1, 2))


def test_notices_about_hostile_keys_are_escaped(tmp_path: Path) -> None:
    key = "/books/\x1b]52;c;SGVsbG8=\x07\u202e.txt"
    (tmp_path / "settings.json").write_text(json.dumps({"documents": {key: {"paragraph": -1}}}))
    store = SettingsStore(tmp_path)
    store.load()
    (notice,) = store.notices
    assert "\\x1b]52" in notice and "\x1b" not in notice and "\u202e" not in notice
