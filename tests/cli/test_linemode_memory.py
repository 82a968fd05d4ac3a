"""Line mode remembers (issue 10 item 5): the place and bookmarks are kept in the same
per-document settings as the terminal UI, resumed on the next session, and bookmarks are
set with ``m`` and used with ``'``."""

from __future__ import annotations

import io
from pathlib import Path

from reader.document import Document
from reader.linemode import run_line_reader
from reader.settings import DocumentState, SettingsStore, document_key


def _session(
    document: Document, commands: str, store: SettingsStore, start: int | None = None
) -> str:
    out = io.StringIO()
    run_line_reader(document, start, io.StringIO(commands), out, False, store=store)
    return out.getvalue()


def test_the_place_and_bookmarks_are_kept_and_resumed(speech: Document, tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    first = _session(speech, "12\nm\n30\nm\nq\n", store)
    assert "Paragraph 12 bookmarked" in first and "Paragraph 30 bookmarked" in first
    saved = SettingsStore(tmp_path).load().document(document_key(speech.path))
    assert saved is not None
    assert saved.paragraph == 29 and saved.bookmarks == (11, 29)

    second = _session(speech, "'\n'1\nq\n", SettingsStore(tmp_path))
    assert "Resuming at paragraph 30, where you left off." in second
    assert "  '1  paragraph 12:" in second and "  '2  paragraph 30:" in second
    assert second.rstrip().endswith(f"{speech.paragraphs[11].text}\nreader>")


def test_m_again_removes_and_empty_lists_say_so(speech: Document, tmp_path: Path) -> None:
    out = _session(speech, "'\nm\nm\n'\nq\n", SettingsStore(tmp_path))
    assert out.count("No bookmarks yet") == 2
    assert "Bookmark on paragraph 1 removed" in out


def test_from_wins_over_the_remembered_place(speech: Document, tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    _session(speech, "40\nq\n", store)
    out = _session(speech, "q\n", SettingsStore(tmp_path), start=4)
    assert "Resuming" not in out
    assert "Paragraph 5 of 60" in out


def test_a_place_past_a_shortened_file_is_clamped_with_a_notice(
    speech: Document, tmp_path: Path
) -> None:
    store = SettingsStore(tmp_path)
    settings = store.load()
    settings.documents[document_key(speech.path)] = DocumentState(paragraph=500, bookmarks=(3, 700))
    store.save(settings)
    out = _session(speech, "'\nq\n", SettingsStore(tmp_path))
    assert "past the end" in out and "Removed 1 bookmark" in out
    assert "Paragraph 60 of 60" in out
    assert "  '1  paragraph 4:" in out


def test_the_uis_size_theme_and_voice_are_left_alone(speech: Document, tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    settings = store.load()
    key = document_key(speech.path)
    settings.documents[key] = DocumentState(paragraph=2, offset=40, size=3, voice="gmw/de")
    store.save(settings)
    _session(speech, "q\n", SettingsStore(tmp_path))
    kept = SettingsStore(tmp_path).load().document(key)
    assert kept == DocumentState(paragraph=2, offset=40, size=3, voice="gmw/de")
