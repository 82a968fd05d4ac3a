"""The small wording fixes of issue 11: singular counts, paragraph numbers from 1, and a
language with no voice is an error, not an empty list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEECH = str(ROOT / "texts" / "sessions-iacp-2018.md")


def _reader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args], capture_output=True, text=True, check=False
    )


def test_one_paragraph_is_singular(tmp_path: Path) -> None:
    result = _reader("export", SPEECH, "--paragraphs", "2", "-o", str(tmp_path / "one.txt"))
    assert result.returncode == 0, result.stderr
    assert "wrote 1 paragraph to" in result.stderr


def test_info_counts_one_of_each_in_the_singular(tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    one.write_text("Hello.\n", encoding="utf-8")
    result = _reader("info", str(one))
    assert result.returncode == 0, result.stderr
    assert "1 paragraph, 1 sentence, 1 word, 1 section\n" in result.stdout


def test_paragraph_zero_says_numbers_start_at_one() -> None:
    result = _reader("read", SPEECH, "--from", "0")
    assert result.returncode == 2
    assert "numbers start at 1" in result.stderr
    assert "1000000000" not in result.stderr


def test_a_language_without_voices_is_one_error_line() -> None:
    result = _reader("voices", "--language", "xx")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "'xx'" in result.stderr
