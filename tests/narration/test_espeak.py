"""The eSpeak engine against the real library: positions, voices, missing library or data."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.errors import ReaderError
from reader.narration.engines import espeak
from reader.narration.engines.port import SpeechRequest

from .narration_helpers import ROOT, run_reader

ENGINE = espeak.ENGINE
REQUEST = SpeechRequest(voice="en", rate_wpm=175)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Café naïve résumé works.", "works"),
        ("Hello 😀 world again.", "world"),
        ("Ünïcödé — déjà vu, friends.", "friends"),
    ],
)
def test_word_positions_count_code_points(text: str, word: str) -> None:
    result = ENGINE.synthesise(text, REQUEST)
    starts = {m.char_start for m in result.marks if m.kind == "word"}
    assert text.index(word) in starts  # a byte-based position would land later


def test_samples_are_increasing_and_inside_the_audio() -> None:
    result = ENGINE.synthesise("One sentence here. Then another one, after a pause.", REQUEST)
    samples = [m.sample for m in result.marks if m.kind == "word"]
    assert samples == sorted(samples)
    assert samples[0] >= 0 and samples[-1] < result.sample_count
    assert result.sample_rate == 22050 == ENGINE.capabilities.sample_rate
    assert len(result.pcm) == 2 * result.sample_count


def test_rates_beyond_the_exact_range_are_clamped() -> None:
    text = "The quick brown fox jumps over the lazy dog, twice over."
    fastest = ENGINE.synthesise(text, SpeechRequest("en", 430))
    beyond = ENGINE.synthesise(text, SpeechRequest("en", 900))
    assert beyond.pcm == fastest.pcm  # eSpeak's inexact fast mode is never used


def test_other_voices_in_between_leave_no_trace() -> None:
    text = "The quick brown fox jumps over the lazy dog, twice over."
    first = ENGINE.synthesise(text, REQUEST)
    ENGINE.synthesise("Guten Morgen, meine Damen und Herren.", SpeechRequest("gmw/de", 300, 70))
    ENGINE.synthesise("Bonjour à tous.", SpeechRequest("fr", 120, 20, 1.5))
    again = ENGINE.synthesise(text, REQUEST)
    assert again == first


def test_voices_are_listed_and_usable() -> None:
    voices = ENGINE.voices()
    assert any(v.language == "en-gb" and v.id == "gmw/en" for v in voices)
    assert all(v.id and v.name and v.engine == "espeak" and v.quality for v in voices)
    english = next(v for v in voices if v.language.startswith("en-us"))
    ENGINE.check_voice(english.id)
    with pytest.raises(ReaderError, match="reader voices"):
        ENGINE.check_voice("no-such-voice")


def test_the_data_folder_is_the_one_the_library_uses() -> None:
    folder = espeak.data_folder()
    assert (folder / "phontab").is_file()
    espeak.check_data()  # the installed data is complete


def test_missing_library_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", refuse)
    espeak._library.cache_clear()
    espeak.library_version.cache_clear()
    try:
        with pytest.raises(ReaderError, match="libespeak-ng1") as caught:
            ENGINE.version()
        assert caught.value.exit_code == 1
    finally:
        monkeypatch.undo()
        espeak._library.cache_clear()
        espeak.library_version.cache_clear()


@pytest.mark.parametrize(
    "command", [["voices", "--engine", "espeak"], ["render", "--format", "wav", "-o", "OUT"]]
)
def test_missing_data_is_one_line_not_an_exit_inside_espeak(
    command: list[str], tmp_path: Path
) -> None:
    # With ESPEAK_DATA_PATH at an empty folder, espeak_Initialize would call exit(1) in
    # our process, silently, after printing its own message.
    empty = tmp_path / "empty-data"
    empty.mkdir()
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    if command[0] == "render":
        args.insert(1, str(ROOT / "texts" / "sessions-iacp-2018.md"))
        args += ["--paragraphs", "1-2", "--jobs", "2"]
    result = run_reader(*args, cache=tmp_path / "cache", env={"ESPEAK_DATA_PATH": str(empty)})
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reader: ") and "espeak-ng-data" in lines[0]
    assert str(empty) in lines[0] and "phontab" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_headless_commands_do_not_import_the_engine() -> None:
    code = (
        "import sys; from reader.cli import main; "
        "main(['info', 'texts/sessions-iacp-2018.md']); "
        "import reader.narration.engines, reader.narration.renderer; "
        "assert 'pyttsx3' not in sys.modules and 'textual' not in sys.modules; "
        "assert 'reader.narration.engines.espeak' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
