"""Every external process runs under a deadline: a hung ffmpeg or ffprobe is killed and
becomes one clear line. A stand-in that sleeps plays the hung tool (a fake isolates the
timing logic; the real tools are exercised everywhere else)."""

from __future__ import annotations

import os
import shutil
import time
import wave
from pathlib import Path

import pytest

from reader import media
from reader.audio.encode import encode
from reader.errors import EXIT_FAILURE, ReaderError


@pytest.fixture
def hung_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ffmpeg and ffprobe that never finish and never read their input; each writes its
    pid to ``pids`` first, so the test can check it was killed."""
    folder = tmp_path / "bin"
    folder.mkdir()
    sleep = shutil.which("sleep")
    assert sleep is not None
    for name in ("ffmpeg", "ffprobe"):
        script = folder / name
        # exec: the pid written is the process that media kills (no shell left behind).
        script.write_text(f"#!/bin/sh\necho $$ >> {tmp_path / 'pids'}\nexec {sleep} 60\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    return tmp_path / "pids"


def _killed(pids: Path) -> bool:
    deadline = time.monotonic() + 5
    numbers = [int(line) for line in pids.read_text().split()]
    while time.monotonic() < deadline:
        alive = []
        for pid in numbers:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return True
        time.sleep(0.05)
    return False


def _one_line(error: ReaderError) -> None:
    assert error.exit_code == EXIT_FAILURE
    assert "\n" not in error.line
    assert "was stopped" in error.line


def test_a_hung_run_is_killed_at_its_deadline(hung_tools: Path) -> None:
    started = time.monotonic()
    with pytest.raises(
        ReaderError, match=r"ffprobe took more than 0\.5 s over audio details"
    ) as caught:
        media.run("ffprobe", ["x"], "audio details", timeout=0.5)
    assert time.monotonic() - started < 10
    _one_line(caught.value)
    assert _killed(hung_tools)


def test_a_hung_encoder_fed_through_a_pipe_is_killed(hung_tools: Path) -> None:
    def write(sink) -> None:  # type: ignore[no-untyped-def]
        # Far more than a pipe holds: the writer blocks until the process is killed.
        for _ in range(200):
            sink.write(b"\0" * 65536)

    started = time.monotonic()
    with pytest.raises(ReaderError, match="ffmpeg took more than") as caught:
        media.feed("ffmpeg", ["x"], "book.mp3", write, timeout=0.5)
    assert time.monotonic() - started < 10
    _one_line(caught.value)
    assert _killed(hung_tools)


def test_encoding_has_a_deadline(
    hung_tools: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wav = tmp_path / "a.wav"
    with wave.open(str(wav), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(22050)
        handle.writeframes(b"\0\0" * 22050)
    monkeypatch.setattr(media, "START_SECONDS", 0.5)
    with pytest.raises(ReaderError, match="ffmpeg took more than") as caught:
        encode(wav, tmp_path / "a.mp3", "mp3")
    _one_line(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "bin", "pids"]


def test_deadlines_grow_with_the_audio() -> None:
    assert media.deadline(0) == media.START_SECONDS
    assert media.deadline(36_000) > media.deadline(600) > media.deadline(0)
    # Ten hours of speech: more than an hour at the slowest speed accepted.
    assert media.deadline(36_000) >= 3600
