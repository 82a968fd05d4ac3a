"""Settings: atomic round trip, corrupt files set aside, the data-folder override."""

from __future__ import annotations

from pathlib import Path

import pytest

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
        '{"keymap": {"next": 3}}',
        '{"documents": {"a": {"paragraph": -1}}}',
        '{"documents": {"a": {"bookmarks": "3"}}}',
        '{"preferences": {"granularity": "letter"}}',
        '{"preferences": {"rate": 9000}}',
        "\udcff",
    ],
)
def test_corrupt_file_is_set_aside_with_a_notice(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "settings.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    store = SettingsStore(folder)
    settings = store.load()
    assert settings == Settings()
    assert len(store.notices) == 1 and "could not be read" in store.notices[0]
    assert not (folder / "settings.json").exists()
    assert len(list(folder.glob("settings.json.corrupt-*"))) == 1


def test_save_failure_is_a_notice_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = SettingsStore(blocker / "inside")
    store.save(Settings())
    assert store.notices and "could not be saved" in store.notices[0]


def test_dump_is_parseable() -> None:
    settings = Settings()
    settings.remember("k", DocumentState(bookmarks=(1, 2)))
    assert parse_settings(dump_settings(settings)).document("k") == DocumentState(bookmarks=(1, 2))
