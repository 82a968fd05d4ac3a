"""Counting the plain RMS and sample peak of 16-bit PCM on its way to ffmpeg (what its
``astats`` filter reports), on the bytes already in hand rather than by a second filter in
ffmpeg, which costs as much again as ``ebur128``.

Units: RMS and peak in dB against full scale 1.0 (``-inf`` for silence); counts in samples.
"""

from __future__ import annotations

import math
from typing import IO

import numpy as np

from reader.audio.stream import CHUNK_FRAMES

FULL_SCALE = 32768.0


class Tally:
    """The plain RMS and sample peak of 16-bit mono PCM passing through to ``sink``."""

    def __init__(self, sink: IO[bytes]) -> None:
        self._sink = sink
        self.count = 0
        self.energy = 0.0
        self.highest = 0

    def write(self, frames: bytes) -> None:
        """Count ``frames`` (little-endian 16-bit samples) and pass them on."""
        pcm = np.frombuffer(frames, dtype="<i2")
        if len(pcm):
            wide = pcm.astype(np.float32)  # float32 sums of squares: 1e-6 dB, 15x faster
            self.energy += float(np.dot(wide, wide))
            self.highest = max(self.highest, int(pcm.max()), -int(pcm.min()))
            self.count += len(pcm)
        self._sink.write(frames)

    def silence(self, count: int) -> None:
        """Pass on ``count`` samples of silence."""
        self.count += count
        for start in range(0, count, CHUNK_FRAMES):
            self._sink.write(bytes(2 * min(CHUNK_FRAMES, count - start)))

    @property
    def rms(self) -> float:
        """RMS in dB (full scale 1.0); ``-inf`` for silence."""
        if not self.count or not self.energy:
            return -math.inf
        return 10 * math.log10(self.energy / self.count / FULL_SCALE**2)

    @property
    def peak(self) -> float:
        """Sample peak in dBFS; ``-inf`` for silence."""
        return 20 * math.log10(self.highest / FULL_SCALE) if self.highest else -math.inf
