"""The terminal reader with hostile and non-UTF-8 file names: the export dialog's
suggested name is escaped, and the place of a Latin-1-named file is saved at quit."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.ingest import parse_text
from reader.sanitize import for_terminal
from reader.settings import SettingsStore, document_key
from reader.tui.app import ReaderApp
from reader.tui.screens.dialogs import ExportDialog

TEXT = "One paragraph.\n\nTwo paragraphs.\n\nThree paragraphs.\n"
NAMES = [
    b"x\x1b]52;c;SGVsbG8gZnJvbSBmaWxlbmFtZQ==\x1b\\z.txt",
    b"title\x1b]0;pwned\x07.txt",
    "c1\u009b31m\u202eevil.txt".encode(),
    b"caf\xe9.txt",
]


@pytest.mark.parametrize("name", NAMES, ids=["osc52", "title", "c1-bidi", "latin1"])
async def test_export_dialog_suggests_an_escaped_name(
    name: bytes, make_app: Callable[..., ReaderApp], tmp_path: Path
) -> None:
    path = os.fsdecode(tmp_path / os.fsdecode(name))
    app = make_app(parse_text(TEXT, markdown=False, path=path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        suggested: str = dialog.query_one("#path").value  # type: ignore[attr-defined]
    assert suggested == for_terminal(f"{Path(os.fsdecode(name)).stem}-paragraph-1.txt")
    assert all(char.isprintable() for char in suggested), repr(suggested)


async def test_the_place_of_a_latin1_named_file_is_saved(
    make_app: Callable[..., ReaderApp], data_dir: Path, tmp_path: Path
) -> None:
    path = os.fsdecode(tmp_path / os.fsdecode(b"caf\xe9.txt"))
    document = parse_text(TEXT, markdown=False, path=path)
    app = make_app(document)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j", "q")
    store = SettingsStore(data_dir)
    state = store.load().document(document_key(path))
    assert state is not None and state.paragraph == 2
    assert not store.notices
