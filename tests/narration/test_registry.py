"""The engine registry: voice ids, lazy loading, engines that are not installed, ranges."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reader.errors import ReaderError
from reader.narration import engines
from reader.narration.engines import split_voice
from reader.narration.renderer import NarrationSettings
from reader.settings import MAX_RATE, MIN_RATE

from .narration_helpers import ROOT, run_reader


@pytest.mark.parametrize(
    ("voice", "expected"),
    [
        (None, ("espeak", None)),
        ("en-us", ("espeak", "en-us")),  # settings files from before there were engines
        ("gmw/en-US", ("espeak", "gmw/en-US")),
        ("espeak:gmw/en-US", ("espeak", "gmw/en-US")),
        ("piper:en_US-joe-medium", ("piper", "en_US-joe-medium")),
        ("espeak:", ("espeak", None)),
    ],
)
def test_split_voice(voice: str | None, expected: tuple[str, str | None]) -> None:
    assert split_voice(voice) == expected


def test_an_unknown_engine_is_one_line() -> None:
    with pytest.raises(ReaderError, match="unknown speech engine 'festival'"):
        split_voice("festival:kal")
    with pytest.raises(ReaderError, match="unknown speech engine"):
        NarrationSettings(voice="festival:kal")


def test_a_missing_engine_module_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engines.ENGINES, "piper", "reader.narration.engines.no_such_module")
    engines._load.cache_clear()
    try:
        problem = engines.unavailable("piper")
        assert problem is not None and "pip install 'reader[neural]'" in problem
        with pytest.raises(ReaderError, match=r"reader\[neural\]"):
            engines.engine_for("piper:en_US-joe-medium")
        voices, problems = engines.all_voices()
        assert voices and all(v.engine == "espeak" for v in voices)
        assert set(problems) == {"piper"}
    finally:
        monkeypatch.undo()
        engines._load.cache_clear()


def test_one_rate_range_everywhere() -> None:
    assert engines.rate_range() == (MIN_RATE, MAX_RATE) == (80, 1200)
    assert NarrationSettings(rate_wpm=1200).engine_rate == 430
    assert NarrationSettings(rate_wpm=1200).stretch == pytest.approx(1200 / 430)
    assert NarrationSettings(rate_wpm=200).stretch == 1.0
    with pytest.raises(ReaderError, match="80 to 1200"):
        NarrationSettings(rate_wpm=1201)


def test_importing_the_registry_loads_no_engine() -> None:
    code = (
        "import sys, reader.narration.engines as e, reader.narration.synthesis; "
        "e.split_voice('espeak:en'); e.rate_range(); "
        "print(sorted(m for m in sys.modules if m.startswith(('pyttsx3', 'piper', "
        "'reader.narration.engines.'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['reader.narration.engines.port']"


def test_voices_command_lists_engine_language_and_quality(tmp_path: Path) -> None:
    result = run_reader("voices", "--language", "de", cache=tmp_path)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split()[:4] == ["ID", "ENGINE", "LANGUAGE", "QUALITY"]
    assert any(row.startswith("espeak:gmw/de ") and " espeak " in row for row in rows)
    assert all("robotic" in row for row in rows)


def test_render_accepts_qualified_and_bare_voice_ids(tmp_path: Path) -> None:
    folder = tmp_path
    for voice in ("espeak:gmw/de", "gmw/de"):
        result = run_reader(
            "render", str(ROOT / "texts" / "sessions-iacp-2018.md"), "--format", "wav",
            "--paragraphs", "2", "--voice", voice, "--quiet", "-o", str(folder / "out"),
            cache=folder / "cache",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
