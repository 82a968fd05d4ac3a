"""Cutting per-paragraph MP3 files out of the full-length MP3, frame by frame, so a full
export encodes MP3 once (pure Python on bytes, no ffmpeg).

How it stays exact (LAME via ffmpeg at 22050 Hz, MPEG-2 layer III; checked by the tests
against decoded audio):
- every frame decodes to ``FRAME_SAMPLES`` (576) samples, and input sample ``i`` comes out
  of the raw frame stream at ``i + LAME_DELAY`` (1105 = 576 encoder + 529 decoder delay);
- the full-length file is encoded without the bit reservoir, so each frame stands alone;
- every paragraph starts at an input sample ``s`` that is a multiple of 576 (the layout
  rounds the pauses to whole frames), so frame ``s / 576 + 1`` starts 529 samples before
  it: exactly the decoder delay that players always skip;
- each cut gets a copy of the full file's Xing/Info frame with its own frame and byte
  counts and LAME gapless fields (encoder delay 0, padding = what follows the paragraph),
  so gapless players play exactly the paragraph's samples; others play up to one frame
  (26 ms) of silence after it. (The tag's CRC is left as it was: ffmpeg does not check it.)

Units: samples at the MP3 sample rate; frame indices count audio frames (the Xing/Info
frame of the full-length file excluded).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path

from reader.atomic import atomic_path

FRAME_SAMPLES = 576
LAME_DELAY = 1105
DECODER_DELAY = 529
JOINABLE_RATES = (16000, 22050, 24000)  # MPEG-2 layer III: 576-sample frames
_MPEG2_L3_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_RATES = {0: 22050, 1: 24000, 2: 16000}
_READ = 1 << 20


class FrameError(ValueError):
    """The file is not the MPEG-2 layer III stream this module expects."""


def cut(start: int, samples: int) -> tuple[int, int]:
    """The audio frames ``[first, stop)`` that hold a paragraph of ``samples`` samples
    starting at input sample ``start`` (a multiple of 576)."""
    if start % FRAME_SAMPLES:
        raise ValueError(f"paragraph start {start} is not on a frame boundary")
    first = start // FRAME_SAMPLES + 1
    return first, first + -(-(samples + DECODER_DELAY) // FRAME_SAMPLES)


def iter_frames(path: Path, *, info: bool = False) -> Iterator[bytes]:
    """The audio frames of an MPEG-2 layer III file, read in blocks (its ID3 tag skipped,
    and its Xing/Info frame too unless ``info``, when it is the only frame yielded)."""
    with path.open("rb") as source:
        buffer = source.read(_READ)
        position = 0
        if buffer[:3] == b"ID3" and len(buffer) >= 10:
            size = (buffer[6] << 21) | (buffer[7] << 14) | (buffer[8] << 7) | buffer[9]
            position = 10 + size + (10 if buffer[5] & 0x10 else 0)
        first = True
        while True:
            if len(buffer) - position < 2048:
                buffer = buffer[position:] + source.read(_READ)
                position = 0
            if len(buffer) - position < 4 or buffer[position : position + 3] == b"TAG":
                return
            length = _frame_length(buffer, position, path)
            frame = buffer[position : position + length]
            position += length
            if first and (b"Xing" in frame[:48] or b"Info" in frame[:48]):
                if info:
                    yield frame
                    return
                first = False
                continue
            if info:
                raise FrameError(f"{path.name}: no Xing/Info frame")
            first = False
            yield frame


def _frame_length(data: bytes, position: int, path: Path) -> int:
    b1, b2 = data[position + 1], data[position + 2]
    if data[position] != 0xFF or (b1 & 0xE0) != 0xE0:
        raise FrameError(f"{path.name}: no MP3 frame where one should start")
    if (b1 >> 3) & 0x3 != 2 or (b1 >> 1) & 0x3 != 1:
        raise FrameError(f"{path.name}: not MPEG-2 layer III")
    index = b2 >> 4
    kbps = _MPEG2_L3_KBPS[index] if index < len(_MPEG2_L3_KBPS) else 0
    rate = _RATES.get((b2 >> 2) & 0x3, 0)
    if not kbps or not rate:
        raise FrameError(f"{path.name}: a frame header is damaged")
    return 72_000 * kbps // rate + ((b2 >> 1) & 1)


def tag(info: bytes, frames: int, data_bytes: int, samples: int, delay: int = 0) -> bytes:
    """The Info frame ``info`` rewritten for a file of ``frames`` audio frames whose
    ``samples`` samples start ``delay`` samples after the decoder delay."""
    frame = bytearray(info)
    at = max(frame.find(b"Info", 0, 48), frame.find(b"Xing", 0, 48))
    complete = at >= 0 and int.from_bytes(frame[at + 4 : at + 8], "big") & 0xF == 0xF
    if not complete or bytes(frame[at + 120 : at + 124]) not in (b"LAME", b"Lavc", b"Lavf"):
        raise FrameError("the full-length MP3 has no complete Info/LAME tag")
    frame[at + 8 : at + 12] = frames.to_bytes(4, "big")
    frame[at + 12 : at + 16] = (len(frame) + data_bytes).to_bytes(4, "big")
    frame[at + 16 : at + 116] = bytes(i * 256 // 100 for i in range(100))  # CBR: linear
    lame = at + 120
    # LAME's convention, as ffmpeg's mp3 demuxer reads it: decoding skips delay + 529
    # samples and stops at frames * 576 - padding + 529, so the decoder delay is not
    # subtracted here (with it, players kept up to a frame of what follows).
    padding = frames * FRAME_SAMPLES - delay - samples
    if not 0 <= padding < 4096 or not 0 <= delay < 4096:
        raise FrameError(f"{frames} frames cannot hold {samples} samples")
    frame[lame + 21 : lame + 24] = (delay << 12 | padding).to_bytes(3, "big")
    frame[lame + 28 : lame + 32] = (len(frame) + data_bytes).to_bytes(4, "big")
    return bytes(frame)


def cut_copies(full: Path, cuts: Sequence[tuple[int, int, int, Path]]) -> None:
    """Write each ``(first, stop, samples, out)`` frame range of ``full`` to ``out`` as a
    gapless file of ``samples`` samples (atomically; the ranges in order of ``first``,
    overlapping or not). Streams: only the frames of the range being cut are held."""
    info = next(iter_frames(full, info=True))
    window: deque[tuple[int, bytes]] = deque()
    frames = enumerate(iter_frames(full))
    read = 0  # frames taken from `frames` so far
    for first, stop, samples, out in cuts:
        while window and window[0][0] < first:
            window.popleft()
        while read < stop:
            taken = next(frames, None)
            if taken is None:
                raise FrameError(f"{full.name} ends before frame {stop}")
            read += 1
            if taken[0] >= first:
                window.append(taken)
        data = b"".join(frame for index, frame in window if index < stop)
        with atomic_path(out) as temp:
            temp.write_bytes(tag(info, stop - first, len(data), samples) + data)


def join_chunks(chunks: Sequence[tuple[Path, int]], out: Path) -> int:
    """Join separately encoded chunks into one file: the first chunk's ID3 tag and Info
    frame (fixed by ``retag`` afterwards), then each ``(file, frames)`` chunk's first
    ``frames`` audio frames (the last chunk: all of them). Chunk boundaries sit on frame
    boundaries in silence, where the next chunk's encoder delay replaces the frames
    dropped. Returns the audio frames written."""
    written = 0
    with out.open("wb") as sink:
        first = chunks[0][0]
        sink.write(_header(first))
        sink.write(next(iter_frames(first, info=True)))
        for index, (path, keep) in enumerate(chunks):
            last = index + 1 == len(chunks)
            for number, frame in enumerate(iter_frames(path)):
                if not last and number >= keep:
                    break
                sink.write(frame)
                written += 1
    return written


def _header(path: Path) -> bytes:
    """The ID3v2 tag at the start of ``path`` (empty if none)."""
    with path.open("rb") as source:
        head = source.read(10)
        if head[:3] != b"ID3" or len(head) < 10:
            return b""
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        return head + source.read(size + (10 if head[5] & 0x10 else 0))


def retag(path: Path, samples: int) -> None:
    """Give ``path`` (joined chunks, with the first chunk's Info frame) the frame count and
    gapless fields of one LAME encode of ``samples``."""
    info = next(iter_frames(path, info=True))
    frames = sum(1 for _ in iter_frames(path))
    at = len(_header(path))
    with path.open("r+b") as handle:
        handle.seek(at)
        if handle.read(len(info)) != info:
            raise FrameError(f"{path.name}: its Info frame is not where it should be")
        data_bytes = handle.seek(0, os.SEEK_END) - at - len(info)
        handle.seek(at)
        handle.write(tag(info, frames, data_bytes, samples, delay=LAME_DELAY - DECODER_DELAY))


def gapless_length(path: Path) -> tuple[int, int] | None:
    """``(sample_rate, samples)`` that ffmpeg decodes from an MPEG-2 layer III file, read
    from its Info frame's frame count and LAME gapless fields (no process), or None when
    the file has no such complete tag or is not this kind of MP3."""
    try:
        info = next(iter_frames(path, info=True))
    except (OSError, FrameError, StopIteration, IndexError):
        return None
    at = max(info.find(b"Info", 0, 48), info.find(b"Xing", 0, 48))
    if at < 0 or len(info) < at + 124 or int.from_bytes(info[at + 4 : at + 8], "big") & 1 == 0:
        return None
    if bytes(info[at + 120 : at + 124]) not in (b"LAME", b"Lavc", b"Lavf"):
        return None
    frames = int.from_bytes(info[at + 8 : at + 12], "big")
    fields = int.from_bytes(info[at + 141 : at + 144], "big")
    samples = frames * FRAME_SAMPLES - (fields >> 12) - (fields & 0xFFF)
    rate = _RATES.get((info[2] >> 2) & 0x3, 0)
    return (rate, samples) if samples > 0 and rate else None
