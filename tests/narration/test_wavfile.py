"""The streaming WAV writer: plain RIFF while it fits, RF64 past 4 GiB, read back by
Python's ``wave`` (RIFF only) and by real ffmpeg/ffprobe (both)."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from array import array
from pathlib import Path

import pytest

from reader.audio.wavfile import HEADER_SIZE, RIFF_LIMIT, WavWriter

from .narration_helpers import ffprobe

RATE = 22050


def tone(frames: int, start: int = 0) -> bytes:
    """A 440 Hz tone, so decoded audio can be told from silence and from itself shifted."""
    samples = array(
        "h", (round(8000 * math.sin(2 * math.pi * 440 * (start + n) / RATE)) for n in range(frames))
    )
    return samples.tobytes()


def decode(path: Path, start_s: float = 0.0, seconds: float | None = None) -> bytes:
    """ffmpeg's decoding of ``path`` as mono 16-bit PCM, from ``start_s`` on."""
    window = ["-t", f"{seconds}"] if seconds else []
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{start_s}", "-i", str(path), *window,
         "-f", "s16le", "-ac", "1", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return result.stdout


@pytest.mark.parametrize(
    ("width", "frames"),
    [(2, 0), (2, 1), (2, 22050), (1, 3), (1, 4)],  # 8-bit, odd sizes take a pad byte
)
def test_small_files_are_plain_wav(tmp_path: Path, width: int, frames: int) -> None:
    path = tmp_path / "a.wav"
    data = bytes((n * 7) % 251 for n in range(frames * width))
    with WavWriter(path, RATE, sample_width=width) as sink:
        sink.write(data)
    raw = path.read_bytes()
    assert raw[:4] == b"RIFF" and raw[12:16] == b"JUNK"
    assert struct.unpack("<I", raw[4:8])[0] == len(raw) - 8
    assert len(raw) == HEADER_SIZE + len(data) + len(data) % 2
    with wave.open(str(path), "rb") as source:
        assert source.getsampwidth() == width and source.getframerate() == RATE
        assert source.readframes(frames + 10) == data
    stream = ffprobe(path)["streams"][0]
    assert int(stream.get("duration_ts", 0)) == frames


@pytest.mark.parametrize(
    ("extra", "rf64"),
    [(-2, False), (0, False), (2, True), (1000, True)],
)
def test_the_switch_to_rf64_is_at_the_riff_limit(tmp_path: Path, extra: int, rf64: bool) -> None:
    limit = 10_000  # a small stand-in for 4 GiB - 1
    data = tone((limit - (HEADER_SIZE - 8) + extra) // 2)
    path = tmp_path / "b.wav"
    with WavWriter(path, RATE, limit=limit) as sink:
        sink.write(data)
        assert sink.is_rf64 is rf64
    raw = path.read_bytes()
    assert raw[:4] == (b"RF64" if rf64 else b"RIFF")
    if rf64:
        assert raw[4:8] == raw[HEADER_SIZE - 4 : HEADER_SIZE] == b"\xff" * 4
        assert raw[12:16] == b"ds64"
        riff, size, frames, table = struct.unpack("<QQQI", raw[20:48])
        assert (riff, size, frames, table) == (len(raw) - 8, len(data), len(data) // 2, 0)
    # ffmpeg reads either form to the same samples.
    assert decode(path) == data


@pytest.mark.slow
def test_ffmpeg_reads_an_rf64_file_past_4_gib(tmp_path: Path) -> None:
    frames = (RIFF_LIMIT // 2) + RATE * 60  # a minute more than RIFF can say
    path = tmp_path / "long.wav"
    head, tail = tone(RATE), tone(RATE, start=12_345)
    # Real zeros when the disk has room for them twice over; else a sparse hole (the
    # header logic is the same, the file system supplies the zeros).
    sparse = shutil.disk_usage(tmp_path).free < 4 * frames
    try:
        with WavWriter(path, RATE) as sink:
            sink.write(head)
            sink.write_silence(frames - 2 * RATE, sparse=sparse)
            sink.write(tail)
        assert path.stat().st_size == HEADER_SIZE + 2 * frames > RIFF_LIMIT
        stream = ffprobe(path)["streams"][0]
        assert int(stream["duration_ts"]) == frames
        assert decode(path, 0, 1.0) == head
        # Seek past 4 GiB: the last second is the second tone, exactly.
        assert decode(path, (frames - RATE) / RATE) == tail
    finally:
        path.unlink(missing_ok=True)


def test_leaving_the_block_on_an_error_still_writes_a_readable_header(tmp_path: Path) -> None:
    path = tmp_path / "c.wav"
    with pytest.raises(RuntimeError), WavWriter(path, RATE) as sink:
        sink.write(tone(100))
        raise RuntimeError("encoder failed")
    with wave.open(str(path), "rb") as source:
        assert source.getnframes() == 100
