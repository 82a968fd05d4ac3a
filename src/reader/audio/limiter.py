"""A fixed gain and a true-peak limiter for one paragraph's samples, with no delay.

The limiter works offline on the whole paragraph, so it looks ahead without delaying the
audio: every sample keeps its place and the sync maps stay exact. At each sample it needs
the gain that keeps the nearby true peak under the ceiling; it takes the smallest such gain
over a window reaching ``ATTACK`` ahead and ``HOLD`` behind, then smooths that with a moving
average ``ATTACK`` wide. Every sample of the average window then holds a value at most the
gain the sample needs, so the smoothed gain never lets a peak through, and it changes over
``ATTACK`` (2 ms) rather than from one sample to the next (no clicks). Where no peak is
over the ceiling the gain is exactly the fixed gain (a linear change of level, nothing else).

True peak (ITU-R BS.1770-4 annex 2) is estimated here by 4x oversampling with a windowed
sinc; the figures reported to people come from ffmpeg's ``ebur128`` (see ``loudness``).

Units: samples as float (full scale 1.0) or 16-bit integers; times in seconds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

OVERSAMPLE = 4
TAPS = 48  # per phase: interpolation error far below the 0.1 dB that matters here
ATTACK = 0.002  # seconds the gain takes to come down before a peak (and back up after)
HOLD = 0.020  # seconds the reduced gain is held after a peak (no flutter between peaks)
FULL_SCALE = 32768.0

Floats = NDArray[np.float64]


def _phase_kernels() -> list[Floats]:
    """The interpolation filters for the points between samples (phases 1/4, 2/4, 3/4)."""
    half = TAPS // 2
    taps = np.arange(-half + 1, half + 1, dtype=np.float64)
    window = np.kaiser(TAPS, 8.0)
    return [np.sinc(taps - phase / OVERSAMPLE) * window for phase in range(1, OVERSAMPLE)]


_KERNELS = _phase_kernels()


def true_peaks(samples: Floats, floor: float = 0.0) -> Floats:
    """Per sample, the largest magnitude of the 4x oversampled signal from that sample up
    to the next (so a peak between two samples is seen). Only samples next to one of at
    least ``floor`` are interpolated (a peak between samples is at most a few dB above
    both); the others keep their own magnitude."""
    peaks = np.abs(samples)
    half = TAPS // 2
    loud = peaks >= floor
    loud[:-1] |= loud[1:]  # the interval before a loud sample too
    where = np.flatnonzero(loud)
    if not len(where):
        return peaks
    padded = np.pad(samples, (half - 1, half))
    # Point n + phase/4 is sum(x[n + k - half + 1] * kernel[k]), k < TAPS.
    windows = np.lib.stride_tricks.sliding_window_view(padded, TAPS)[where]
    for kernel in _KERNELS:
        peaks[where] = np.maximum(peaks[where], np.abs(windows @ kernel))
    return peaks


def sliding_min(values: Floats, before: int, after: int) -> Floats:
    """``min(values[n - before : n + after + 1])`` for every n (edges padded with 1.0),
    in linear time (van Herk / Gil-Werman)."""
    width = before + after + 1
    padded = np.concatenate([np.ones(before), values, np.ones(after)])
    blocks = -(-len(padded) // width)
    full = np.concatenate([padded, np.ones(blocks * width - len(padded) + width)])
    rows = full.reshape(-1, width)
    prefix = np.minimum.accumulate(rows, axis=1).ravel()
    suffix = np.minimum.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()
    count = len(values)
    return np.minimum(suffix[:count], prefix[width - 1 : width - 1 + count])


def _moving_average(values: Floats, width: int) -> Floats:
    """The mean of ``values[n - width // 2 : n - width // 2 + width]``, the edge values
    repeated past the ends (the first and last values cover the samples near the ends)."""
    left = width // 2
    padded = np.pad(values, (left, width - left), mode="edge")
    sums: Floats = np.concatenate([[0.0], np.cumsum(padded)])
    averaged: Floats = (sums[width : width + len(values)] - sums[: len(values)]) / width
    return averaged


def limit_gain(samples: Floats, ceiling: float, sample_rate: int) -> Floats:
    """The gain per sample (at most 1.0) that keeps the true peak of ``samples`` at or
    under ``ceiling`` (linear, full scale 1.0)."""
    # Samples 6 dB under the ceiling cannot make a peak over it (a peak between samples of
    # speech is well under 6 dB above them).
    peaks = true_peaks(samples, floor=ceiling / 2)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    over = np.flatnonzero(need < 1.0)
    gain = np.ones(len(samples))
    if not len(over):
        return gain
    attack = max(2, round(ATTACK * sample_rate))
    hold = max(attack, round(HOLD * sample_rate))
    # The gain differs from 1 only within hold + attack of a peak: work on those stretches.
    reach = hold + 2 * attack
    breaks = np.flatnonzero(np.diff(over) > 2 * reach) + 1
    for group in np.split(over, breaks):
        low, high = max(0, int(group[0]) - reach), min(len(need), int(group[-1]) + reach + 1)
        # Any window the average covers, [n - attack/2, n + attack/2], lies inside the one
        # the minimum looked at for sample n, [n - attack, n + hold]: the gain is never
        # more than sample n needs.
        held = sliding_min(need[low:high], before=hold, after=attack)
        gain[low:high] = np.minimum(1.0, _moving_average(held, attack))
    return gain


def apply(
    pcm: NDArray[np.int16], gain: float, ceiling: float, sample_rate: int
) -> tuple[NDArray[np.int16], bool]:
    """``pcm`` times ``gain``, limited to the true-peak ``ceiling`` (linear) where needed,
    rounded back to 16 bits; and whether the limiter acted."""
    scaled = pcm.astype(np.float64) * (gain / FULL_SCALE)
    envelope = limit_gain(scaled, ceiling, sample_rate)
    limited = bool(float(envelope.min()) < 1.0)
    if limited:
        scaled *= envelope
    out = np.clip(np.rint(scaled * FULL_SCALE), -32768, 32767).astype(np.int16)
    return out, limited


def leading_silence(pcm: NDArray[np.int16], threshold: int) -> int:
    """How many samples at the start stay at or under ``threshold`` in magnitude."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > threshold)
    return int(loud[0]) if len(loud) else len(pcm)


def trailing_silence(pcm: NDArray[np.int16], threshold: int) -> int:
    """How many samples at the end stay at or under ``threshold`` in magnitude."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > threshold)
    return len(pcm) - int(loud[-1]) - 1 if len(loud) else len(pcm)
