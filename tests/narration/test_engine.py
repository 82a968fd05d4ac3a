"""The eSpeak adapter against the real library: positions, voices, silence on stdout."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from reader.errors import ReaderError
from reader.narration import engine


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Café naïve résumé works.", "works"),
        ("Hello 😀 world again.", "world"),
        ("Ünïcödé — déjà vu, friends.", "friends"),
    ],
)
def test_word_positions_count_code_points(text: str, word: str) -> None:
    result = engine.synthesise(text)
    starts = {e.char_start for e in result.events if e.kind == "word"}
    assert text.index(word) in starts  # a byte-based position would land later


def test_samples_are_increasing_and_inside_the_audio() -> None:
    result = engine.synthesise("One sentence here. Then another one, after a pause.")
    samples = [e.sample for e in result.events if e.kind == "word"]
    assert samples == sorted(samples)
    assert samples[0] >= 0 and samples[-1] < result.sample_count
    assert result.sample_rate == 22050
    assert len(result.pcm) == 2 * result.sample_count


def test_nothing_reaches_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    engine.synthesise("Quiet, please.")
    engine.list_voices()
    assert capfd.readouterr().out == ""


def test_voices_are_listed_and_usable() -> None:
    voices = engine.list_voices()
    ids = {v.id for v in voices}
    assert any(v.language == "en-gb" and v.id == "gmw/en" for v in voices)
    assert all(v.id and v.name for v in voices)
    english = next(v for v in voices if v.language.startswith("en-us"))
    assert english.id in ids
    engine.check_voice(english.id)
    with pytest.raises(ReaderError, match="reader voices"):
        engine.check_voice("no-such-voice")


def test_missing_library_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", refuse)
    engine.engine_version.cache_clear()
    try:
        with pytest.raises(ReaderError, match="libespeak-ng1") as caught:
            engine.engine_version()
        assert caught.value.exit_code == 1
    finally:
        monkeypatch.undo()
        engine.engine_version.cache_clear()


def test_headless_commands_do_not_import_the_engine() -> None:
    code = (
        "import sys; from reader.cli import main; "
        "main(['info', 'texts/sessions-iacp-2018.md']); "
        "assert 'pyttsx3' not in sys.modules and 'textual' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
