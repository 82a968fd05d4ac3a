"""Solving the one gain that brings audio to a loudness target through the limiter,
in-process: raised by a gain, the audio's level rises by that gain less what the limiter
takes back (the energy it removes, counted on the short stretches where it acts). The
true peaks are found once; each gain tried costs a pass over the stretches alone.

The level the solution predicts is plain energy, not K-weighted and gated as ebur128's
integrated loudness is; what the limiter takes from the loud peaks of speech is the same
fraction of both to a few hundredths of a dB (the mastering checks the result against
ffmpeg and corrects the aim).

Units: gains and levels in dB; samples 16-bit; ceiling linear (full scale 1.0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reader.audio import limiter
from reader.audio.limiter import FULL_SCALE

# A solution stops within this of the level it aims at, after at most STEPS tries.
TOLERANCE_DB = 0.005
STEPS = 8
# The peaks are found for gains up to this far above the aim, then further as needed (the
# lower the gain they allow for, the more samples the limiter must look at), up to the
# most the limiter may take.
HEADROOM_DB = 3.0
MOST_TAKEN_DB = 24.0


@dataclass(frozen=True, slots=True)
class Limits:
    """What a solution learnt of one clip: its peaks, and where the limiter acts on it at
    ``gain`` (dB)."""

    peaks: limiter.Peaks
    gain: float
    found: list[tuple[int, limiter.Floats]]


class GainSolver:
    """Solves gains for ``clips`` (their samples) under the limiter's ``ceiling``."""

    def __init__(
        self,
        clips: Sequence[NDArray[np.int16]],
        ceiling: float,
        sample_rate: int,
        pool: ThreadPoolExecutor,
    ) -> None:
        self._clips = clips
        self._ceiling = ceiling
        self._rate = sample_rate
        self._pool = pool
        self._energy = sum(_energy(clip) for clip in clips)
        self._top = -math.inf  # the highest gain the peaks allow for (dB)
        self._peaks: list[limiter.Peaks] = []
        self._found: list[list[tuple[int, limiter.Floats]]] = [[] for _ in clips]
        self._gain = math.nan

    def _allow(self, top: float) -> None:
        """Find the clips' peaks again if they were found for gains under ``top`` (dB)."""
        if top <= self._top:
            return
        floor = limiter.floor_for(10 ** (top / 20), self._ceiling)
        clips, find = self._clips, limiter.find_peaks
        self._peaks = list(self._pool.map(lambda c: find(c, floor, FULL_SCALE), clips))
        self._top = top

    def taken(self, gain: float) -> float:
        """What the limiter takes from the level at ``gain`` (both dB)."""
        if not self._energy:
            return 0.0
        self._allow(gain)
        linear = 10 ** (gain / 20)

        def lost(index: int) -> float:
            found = limiter.stretches(self._peaks[index], linear, self._ceiling, self._rate)
            self._found[index] = found
            return limiter.energy_lost(self._clips[index], found)

        removed = min(sum(self._pool.map(lost, range(len(self._clips)))), self._energy * 0.999)
        self._gain = gain
        return -10 * math.log10(1 - removed / self._energy)

    def gain_for(self, aim: float) -> float:
        """The gain (dB) that raises the level by ``aim`` (dB) through the limiter: ``aim``
        plus what the limiter takes away at that gain."""
        self._allow(aim + HEADROOM_DB)
        gain, tried = aim, []
        for _ in range(STEPS):
            error = aim - (gain - self.taken(gain))  # what is still to make up
            if abs(error) <= TOLERANCE_DB:
                return gain
            tried.append((gain, error))
            gain = min(aim + MOST_TAKEN_DB, next_gain(tried))
            if gain > self._top:
                self._allow(gain + HEADROOM_DB)
        self.taken(gain)  # so that what is kept was found at the gain returned
        return gain

    def limits(self) -> list[Limits]:
        """Per clip, its peaks and where the limiter acts at the last gain tried."""
        return [
            Limits(peaks, self._gain, found)
            for peaks, found in zip(self._peaks, self._found, strict=True)
        ]


def _energy(clip: NDArray[np.int16]) -> float:
    """The sum of squares of ``clip`` (full scale 1.0), from a float32 copy (half the memory
    of a float64 one; the sum is good to a few millionths)."""
    wide = clip.astype(np.float32)
    return float(np.dot(wide, wide)) / FULL_SCALE**2


def next_gain(tried: list[tuple[float, float]]) -> float:
    """The next gain to try: the secant through the last two tries (the limiter takes
    back part of any raise), or the first try plus its shortfall."""
    if len(tried) < 2:
        return tried[-1][0] + tried[-1][1]
    (g0, e0), (g1, e1) = tried[-2], tried[-1]
    if e0 == e1:
        return g1 + e1
    return g1 - e1 * (g1 - g0) / (e1 - e0)
