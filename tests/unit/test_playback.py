"""The player on miniaudio's null backend: a real device thread pulling real frames."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.errors import ReaderError
from reader.playback import Clip, Player, PlayerState


@pytest.fixture
def player() -> Iterator[Player]:
    made = Player("null")
    yield made
    made.close()


def _wait(condition, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_clock_counts_frames_consumed_and_pause_holds(player: Player) -> None:
    assert player.is_null
    clip = Clip(bytes(2 * 22050 * 3), 22050, tag=7)
    player.play(clip)
    _wait(lambda: player.snapshot().position > 2205)
    snap = player.snapshot()
    assert snap.tag == 7 and snap.state is PlayerState.PLAYING
    player.pause()
    held = player.snapshot().position
    time.sleep(0.15)
    assert player.snapshot().position == held
    player.resume()
    _wait(lambda: player.snapshot().position > held)
    player.seek(22050 * 2)
    assert player.snapshot().position >= 22050 * 2
    player.stop()
    assert player.snapshot().tag is None


def test_queued_clip_follows_without_gap(player: Player) -> None:
    first = Clip(bytes(2 * 2205), 22050, tag=1)
    second = Clip(bytes(2 * 22050), 22050, tag=2)
    player.play(first)
    player.enqueue(second)
    _wait(lambda: player.snapshot().tag == 2)
    assert player.snapshot().state is PlayerState.PLAYING
    _wait(lambda: player.snapshot().state is PlayerState.FINISHED, seconds=5)
    assert player.snapshot().position == second.frames


def test_real_espeak_wav_plays(player: Player, tmp_path: Path) -> None:
    wav = tmp_path / "a.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "Hello there."], check=True)
    clip = Clip.from_wav(wav)
    assert clip.sample_rate == 22050 and clip.frames > 5000
    player.play(clip)
    _wait(lambda: player.snapshot().state is PlayerState.FINISHED)
    assert player.snapshot().position == clip.frames


def test_bad_wav_and_bad_choice_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF nonsense")
    with pytest.raises(ReaderError, match="cannot read the narration audio"):
        Clip.from_wav(bad)
    with pytest.raises(ReaderError, match="choose one of auto, null"):
        Player("speakers")


def test_auto_without_a_sound_card_falls_back_to_null() -> None:
    player = Player("auto")
    try:
        if player.is_null:
            assert player.notice is not None and "playing silently" in player.notice
        else:
            assert player.notice is None
    finally:
        player.close()
