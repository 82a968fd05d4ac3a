"""The installed ``reader`` command: info, export, read, and one-line errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reader.document import Document
from tests.cli.conftest import Run


def _one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_info_json_on_speech(run: Run, speech_path: Path) -> None:
    result = run("info", str(speech_path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["paragraphs"] == 60
    assert data["metadata"]["speaker"] == "Attorney General Sessions"
    assert data["sections"][0]["paragraphs"][0]["opening"].startswith("Thank you, Tim")
    assert data["words"] > 1700


def test_info_text_outline(run: Run, addresses: Document) -> None:
    result = run("info", addresses.path)
    assert result.returncode == 0
    assert "Section 2: The Gettysburg Address (paragraphs 2 to 4)" in result.stdout
    assert "  2. Four score and seven years ago our fathers" in result.stdout


def test_export_range_to_stdout(run: Run, speech: Document) -> None:
    result = run("export", speech.path, "--paragraphs", "3-7")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[1] == "Paragraphs 3 to 7 of 60"
    assert result.stdout.count("\n\n") == 5
    assert speech.paragraphs[6].text in result.stdout


def test_export_to_file_refuses_overwrite(run: Run, tmp_path: Path, addresses: Document) -> None:
    out = tmp_path / "out.txt"
    first = run("export", addresses.path, "--section", "Gettysburg", "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert out.read_text().split("\n")[1] == "Paragraphs 2 to 4 of 11"
    again = run("export", addresses.path, "-o", str(out))
    assert "--force" in _one_line_error(again)
    assert run("export", addresses.path, "-o", str(out), "--force").returncode == 0
    assert "Paragraphs 1 to 11 of 11" in out.read_text()


def test_default_command_opens_speech_in_line_mode(run: Run) -> None:
    result = run("read", stdin="n\nq\n")
    assert result.returncode == 0
    assert "Paragraph 1 of 60" in result.stdout
    assert "Paragraph 2 of 60" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("export", "{speech}", "--paragraphs", "0"), "paragraphs run from 1 to 60"),
        (
            ("export", "{speech}", "--paragraphs", "61"),
            "paragraph 61 does not exist; paragraphs run from 1 to 60",
        ),
        (("export", "{speech}", "--paragraphs", "7-3"), "runs backwards"),
        (("export", "{speech}", "--paragraphs", "abc"), "paragraphs run from 1 to 60"),
        (("export", "{speech}", "--section", "4"), "sections run from 1 to 1"),
        (("export", "{speech}", "--wrap", "-5"), "out of range"),
        (("export", "{speech}", "--wrap", "x"), "whole number"),
        (("read", "{speech}", "--from", "61"), "paragraphs run from 1 to 60"),
        (("info", "missing.txt"), "no such file"),
        (("info", "."), "folder"),
        (("--max-mb", "-1", "info", "{speech}"), "out of range"),
        (("frobnicate", "x", "y"), "error"),
    ],
)
def test_errors_are_one_line(
    run: Run, speech_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run(*(a.replace("{speech}", str(speech_path)) for a in args))
    assert expected in _one_line_error(result)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.txt", b"", "empty"),
        ("spaces.md", b"  \n\n \t\n", "empty"),
        ("blob.txt", bytes(range(256)) * 10, "binary"),
    ],
)
def test_hostile_files_refused(
    run: Run, tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    for command in ("info", "export", "read"):
        assert expected in _one_line_error(run(command, str(path)))


def test_huge_file_refused(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"a" * (2 * 1024 * 1024))
    assert "limit" in _one_line_error(run("--max-mb", "1", "info", str(path)))


def test_escape_sequences_never_reach_output(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b[31m.txt"
    path.write_bytes(
        b"Hello \x1b[2J\x1b]0;owned\x07world.\xc2\x9b31m\n\nNext \xe2\x80\xae reversed."
    )
    for args, stdin in (
        (("export", str(path)), ""),
        (("read", str(path)), "n\ns\nq\n"),
        (("info", str(path)), ""),
        (("info", str(path), "--json"), ""),
    ):
        result = run(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream and "\x9b" not in stream and "\u202e" not in stream
        assert "Hello world." in result.stdout or "Hello world." in json.dumps(result.stdout)
    missing = run("info", str(tmp_path / "no\x1b[2Jfile.txt"))
    assert "\x1b" not in missing.stderr and "\\x1b" in missing.stderr
