"""Joining MP3 files frame by frame, so the full-length MP3 costs no second encoding.

Each paragraph's MP3 copy is already encoded; the full-length MP3 is those copies' audio
frames laid end to end with frames of encoded silence between them. This module only
handles bytes (pure Python, no ffmpeg): finding frames, dropping each file's ID3 tag and its
Xing/Info frame, and computing where every paragraph lands.

Facts it relies on (LAME via ffmpeg, checked by the tests against decoded audio):
- MPEG-2 layer III at 22050 Hz: every frame decodes to ``FRAME_SAMPLES`` (576) samples.
- A LAME file's audio starts ``LAME_DELAY`` (1105 = 576 + 529) samples into its decoded
  frames, so a copy of N samples has ``ceil((N + 1105) / 576)``-ish frames (counted, never
  assumed).
- The joined file has no LAME tag of its own, and decoders then skip only the 529-sample
  decoder delay (ffmpeg reports it as the stream's start time), so a paragraph whose copy
  starts at frame f plays from sample ``f * 576 + 1105 - 529``.

Units: samples at the MP3 sample rate; byte offsets into files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

FRAME_SAMPLES = 576
LAME_DELAY = 1105
DECODER_DELAY = 529
# Bit rates (kbit/s) of MPEG-2/2.5 layer III by header index.
_MPEG2_L3_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_RATES = {0: 22050, 1: 24000, 2: 16000}


class FrameError(ValueError):
    """The file is not the MPEG-2 layer III stream this module expects."""


def _skip_id3(data: bytes) -> int:
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size + (10 if data[5] & 0x10 else 0)


def audio_frames(path: Path) -> list[bytes]:
    """The audio frames of an MPEG-2 layer III file (its ID3 tag and Xing/Info frame
    dropped)."""
    data = path.read_bytes()
    position = _skip_id3(data)
    frames = []
    while position + 4 <= len(data):
        b1, b2 = data[position + 1], data[position + 2]
        if data[position] != 0xFF or (b1 & 0xE0) != 0xE0:
            if data[position : position + 3] == b"TAG":
                break  # ID3v1 at the end
            raise FrameError(f"{path.name}: no MP3 frame at byte {position}")
        if (b1 >> 3) & 0x3 != 2 or (b1 >> 1) & 0x3 != 1:
            raise FrameError(f"{path.name}: not MPEG-2 layer III")
        kbps = _MPEG2_L3_KBPS[b2 >> 4] if b2 >> 4 < len(_MPEG2_L3_KBPS) else 0
        rate = _RATES.get((b2 >> 2) & 0x3, 0)
        if not kbps or not rate:
            raise FrameError(f"{path.name}: bad frame header at byte {position}")
        length = 72_000 * kbps // rate + ((b2 >> 1) & 1)
        frames.append(data[position : position + length])
        position += length
    if frames and (b"Xing" in frames[0][:48] or b"Info" in frames[0][:48]):
        frames.pop(0)
    if not frames:
        raise FrameError(f"{path.name}: no audio frames")
    return frames


def frame_count(path: Path) -> int:
    """How many audio frames an MP3 copy has."""
    return len(audio_frames(path))


def silent_frames(path: Path) -> list[bytes]:
    """Frames from the middle of an encoded silence (encoded without the bit reservoir, so
    each frame stands alone and can be repeated)."""
    frames = audio_frames(path)
    middle = frames[4:-4]
    if not middle:
        raise FrameError(f"{path.name}: too short to take silent frames from")
    return middle


def gap_frames(silence: list[bytes], count: int) -> Iterator[bytes]:
    """``count`` frames of silence."""
    for index in range(count):
        yield silence[index % len(silence)]


def frames_for_gap(target: int, samples: int, frames: int) -> int:
    """Silent frames to put after a copy of ``samples`` samples in ``frames`` frames so the
    pause before the next paragraph is as close as frames allow to ``target`` samples."""
    return max(0, round((target + samples) / FRAME_SAMPLES) - frames)


def join(parts: Sequence[tuple[Path, int]], silence: list[bytes], out: Path) -> int:
    """Write the copies' frames, each followed by its count of silent frames, to ``out``
    (streaming, one copy in memory at a time). Returns the frames written."""
    written = 0
    with out.open("wb") as sink:
        for path, gap in parts:
            frames = audio_frames(path)
            sink.write(b"".join(frames))
            sink.write(b"".join(gap_frames(silence, gap)))
            written += len(frames) + gap
    return written
