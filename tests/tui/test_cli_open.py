"""``reader open`` options are checked before the terminal UI starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import build_parser, main


def test_audio_choice_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["open", "--audio", "loud"])
    assert raised.value.code == 2
    assert "invalid choice: 'loud'" in capsys.readouterr().err


def test_open_defaults() -> None:
    args = build_parser().parse_args(["open", "x.md", "--from", "3", "--audio", "null"])
    assert (args.file, args.start, args.audio) == ("x.md", 3, "null")
    assert build_parser().parse_args(["open"]).audio == "auto"


def test_missing_file_is_one_line_without_starting_the_ui(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    result = subprocess.run(
        [sys.executable, "-m", "reader", "open", str(missing), "--audio", "null"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "nope.md" in result.stderr


def test_open_refuses_when_stdout_is_not_a_terminal(tmp_path: Path, speech_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader", "open", str(speech_path), "--audio", "null"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "reader read" in result.stderr


@pytest.mark.parametrize(
    ("voice", "words"),
    [
        ("nosuch:voice", "unknown speech engine 'nosuch'"),
        ("piper:en_GB-nobody", "unknown Piper voice"),
        ("espeak:zz-not-a-voice", "zz-not-a-voice"),
    ],
)
def test_a_voice_that_cannot_speak_is_one_line_before_the_ui(
    speech_path: Path, voice: str, words: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader", "open", str(speech_path), "--voice", voice],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_open_takes_a_voice() -> None:
    args = build_parser().parse_args(["open", "--voice", "piper:en_US-joe-medium"])
    assert args.voice == "piper:en_US-joe-medium"
    assert build_parser().parse_args(["open"]).voice is None
