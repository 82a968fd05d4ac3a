"""Small wording and behaviour fixes of issue 11 (line mode's hints, plurals)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reader.document import Document
from reader.ingest import parse_text
from reader.linemode import run_line_reader


def _run(document: Document, commands: str) -> str:
    out = io.StringIO()
    run_line_reader(document, 0, io.StringIO(commands), out, False)
    return out.getvalue()


def test_line_mode_suggests_e_bang_for_an_existing_file(
    speech: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("keep")
    out = _run(speech, "e x.txt\nq\n")
    assert "e! x.txt replaces it" in out and "--force" not in out
    assert (tmp_path / "x.txt").read_text() == "keep"
    _run(speech, "e! x.txt\nq\n")
    assert (tmp_path / "x.txt").read_text() != "keep"


def test_one_sentence_is_singular() -> None:
    out = _run(parse_text("Just one sentence here.", markdown=False), "s\nq\n")
    assert "1 sentence\n" in out and "1 sentences" not in out
