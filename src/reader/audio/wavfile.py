"""A streaming WAV writer that becomes RF64 when the audio outgrows RIFF's 4 GiB.

A RIFF file states its size in 32 bits, so a plain WAV holds at most 4 GiB - 1 (about 27
hours of 22.05 kHz mono 16-bit speech); Python's ``wave`` then fails with ``'L' format
requires 0 <= number <= 4294967295``. EBU Tech 3306 (RF64, carried on as ITU-R BS.2088
BW64) keeps the layout but writes ``RF64`` and 0xFFFFFFFF in the 32-bit size fields and
the real sizes in a ``ds64`` chunk right after ``WAVE``.

The length is not known while streaming, so the header reserves that chunk as a ``JUNK``
chunk of the same size (which every RIFF reader skips, as the spec recommends) and
``close`` patches it: a file that stayed small is an ordinary WAV, a larger one turns its
``JUNK`` into ``ds64``. ffmpeg, libsndfile and dr_wav (miniaudio) read both.

Units: bytes for sizes, frames (one sample per channel) for counts.
"""

from __future__ import annotations

import struct
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

RIFF_LIMIT = 0xFFFF_FFFF
DS64_SIZE = 28  # riffSize, dataSize, sampleCount (64 bits each) and a table length of 0
HEADER_SIZE = 12 + 8 + DS64_SIZE + 8 + 16 + 8
SILENCE_BLOCK = 1 << 20


class WavWriter:
    """Write PCM to ``path`` block by block; ``close`` (or leaving the ``with`` block)
    fills in the sizes. ``limit`` is the largest size field a plain RIFF may hold (tests
    lower it to make small RF64 files)."""

    def __init__(
        self,
        path: Path,
        sample_rate: int,
        *,
        channels: int = 1,
        sample_width: int = 2,
        limit: int = RIFF_LIMIT,
    ) -> None:
        self.path = path
        self.block_align = channels * sample_width
        self.limit = limit
        self.data_size = 0
        self._file: BinaryIO = path.open("wb")
        fmt = struct.pack(
            "<HHIIHH",
            1,  # integer PCM
            channels,
            sample_rate,
            sample_rate * self.block_align,
            self.block_align,
            8 * sample_width,
        )
        header = b"RIFF" + b"\0" * 4 + b"WAVE"
        header += b"JUNK" + struct.pack("<I", DS64_SIZE) + b"\0" * DS64_SIZE
        header += b"fmt " + struct.pack("<I", len(fmt)) + fmt
        header += b"data" + b"\0" * 4
        assert len(header) == HEADER_SIZE
        self._file.write(header)

    @property
    def frames(self) -> int:
        """Frames written so far."""
        return self.data_size // self.block_align

    def write(self, pcm: bytes) -> None:
        """Append little-endian PCM frames."""
        self._file.write(pcm)
        self.data_size += len(pcm)

    def write_silence(self, frames: int, *, sparse: bool = False) -> None:
        """Append ``frames`` of silence. ``sparse`` seeks over them instead, leaving a
        hole that reads back as zeros and, where the file system allows, takes no disk."""
        size = frames * self.block_align
        if sparse:
            self._file.seek(size, 1)
            self.data_size += size
            return
        block = b"\0" * SILENCE_BLOCK
        for start in range(0, size, SILENCE_BLOCK):
            self.write(block[: min(SILENCE_BLOCK, size - start)])

    @property
    def is_rf64(self) -> bool:
        """Whether the sizes written so far need RF64."""
        return self._riff_size() > self.limit or self.data_size > self.limit

    def _riff_size(self) -> int:
        # Everything after the RIFF size field, with the pad byte of an odd data chunk.
        return HEADER_SIZE - 8 + self.data_size + self.data_size % 2

    def close(self) -> None:
        """Pad an odd data chunk, write the sizes (as RF64 when needed) and close."""
        if self._file.closed:
            return
        try:
            if self.data_size % 2:
                self._file.write(b"\0")
            self._file.truncate()  # a trailing sparse hole needs the length set
            if self.is_rf64:
                ds64 = struct.pack("<QQQI", self._riff_size(), self.data_size, self.frames, 0)
                self._patch(0, b"RF64" + struct.pack("<I", RIFF_LIMIT))
                self._patch(12, b"ds64" + struct.pack("<I", DS64_SIZE) + ds64)
                self._patch(HEADER_SIZE - 4, struct.pack("<I", RIFF_LIMIT))
            else:
                self._patch(4, struct.pack("<I", self._riff_size()))
                self._patch(HEADER_SIZE - 4, struct.pack("<I", self.data_size))
        finally:
            self._file.close()

    def _patch(self, offset: int, data: bytes) -> None:
        self._file.seek(offset)
        self._file.write(data)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
