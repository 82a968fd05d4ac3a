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
sinc, only next to samples loud enough to matter (:class:`Peaks`); the mastering measures
those once per paragraph and tries several gains on them (see ``narration.mastering``).

Units: samples as float (full scale 1.0) or 16-bit integers; times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

OVERSAMPLE = 4
TAPS = 48  # per phase: interpolation error far below the 0.1 dB that matters here
ATTACK = 0.002  # seconds the gain takes to come down before a peak (and back up after)
HOLD = 0.020  # seconds the reduced gain is held after a peak (no flutter between peaks)
FULL_SCALE = 32768.0
# Samples 6 dB under the ceiling cannot make a peak over it (a peak between samples of
# speech is well under 6 dB above them).
HEADROOM = 0.5
# Rows of interpolation windows made at once, and samples looked at at once: bound the
# memory a long, loud paragraph takes.
ROWS = 1 << 14
BLOCK = 1 << 18

Floats = NDArray[np.float64]
Indices = NDArray[np.int32]


def _phase_kernels() -> NDArray[np.float64]:
    """The interpolation filters for the points between samples (phases 1/4, 2/4, 3/4),
    one per column."""
    half = TAPS // 2
    taps = np.arange(-half + 1, half + 1, dtype=np.float64)
    window = np.kaiser(TAPS, 8.0)
    kernels = [np.sinc(taps - phase / OVERSAMPLE) * window for phase in range(1, OVERSAMPLE)]
    return np.stack(kernels, axis=1)


_KERNELS = _phase_kernels()


@dataclass(frozen=True, slots=True)
class Peaks:
    """The true peaks of a paragraph where they can matter: ``values[i]`` is the largest
    magnitude of the 4x oversampled signal from sample ``where[i]`` up to the next, for
    every sample at or next to one of at least ``floor`` (full scale 1.0, before any
    gain). Elsewhere the true peak is under ``floor``."""

    length: int
    where: Indices
    values: Floats
    floor: float

    @property
    def highest(self) -> float:
        """The paragraph's true peak (at most ``floor`` when nothing reached it)."""
        return float(self.values.max()) if len(self.values) else self.floor


def find_peaks(samples: NDArray[Any], floor: float, scale: float = 1.0) -> Peaks:
    """The true peaks of ``samples / scale`` next to samples of at least ``floor`` in
    magnitude (a peak between two samples is at most a few dB above both). The samples
    are taken a block at a time, so a long paragraph costs no more memory than a short
    one (16-bit samples with ``scale`` FULL_SCALE need no float copy of the whole)."""
    half = TAPS // 2
    count = len(samples)
    wheres: list[Indices] = []
    values: list[Floats] = []
    for start in range(0, count, BLOCK):
        end = min(count, start + BLOCK)
        # One sample more: the interval before a loud sample counts too.
        magnitude = np.abs(samples[start : min(count, end + 1)] / scale)
        loud = magnitude >= floor
        loud[:-1] |= loud[1:]
        local = np.flatnonzero(loud[: end - start])
        if not len(local):
            continue
        value = magnitude[local]
        # Point n + phase/4 is sum(x[n + k - half + 1] * kernel[k]), k < TAPS.
        low, high = start - half + 1, end + half
        segment = samples[max(0, low) : min(count, high)] / scale
        padded = np.pad(segment, (max(0, -low), max(0, high - count)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, TAPS)
        for first in range(0, len(local), ROWS):
            rows = local[first : first + ROWS]
            between = np.abs(windows[rows] @ _KERNELS).max(axis=1)
            value[first : first + ROWS] = np.maximum(value[first : first + ROWS], between)
        wheres.append((local + start).astype(np.int32))  # half the memory; < 2**31 samples
        values.append(value)
    if not wheres:
        return Peaks(count, np.zeros(0, dtype=np.int32), np.zeros(0), floor)
    return Peaks(count, np.concatenate(wheres), np.concatenate(values), floor)


def true_peaks(samples: Floats, floor: float = 0.0) -> Floats:
    """Per sample, the largest magnitude of the 4x oversampled signal from that sample up
    to the next; only next to samples of at least ``floor`` is it interpolated (the others
    keep their own magnitude)."""
    peaks = np.abs(samples)
    found = find_peaks(samples, floor)
    peaks[found.where] = found.values
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


def stretches(
    peaks: Peaks, gain: float, ceiling: float, sample_rate: int
) -> list[tuple[int, Floats]]:
    """Where the limiter acts on a paragraph with ``peaks`` raised by ``gain`` (linear):
    each stretch as its first sample and the limiter's gain (at most 1.0) from there on.
    Outside the stretches the limiter's gain is exactly 1.0."""
    if gain * peaks.floor > ceiling * HEADROOM * (1 + 1e-9):
        raise ValueError("the peaks were found under too high a floor for this gain")
    need_at = ceiling / np.maximum(gain * peaks.values, 1e-12)
    over = np.flatnonzero(need_at < 1.0)
    if not len(over):
        return []
    attack = max(2, round(ATTACK * sample_rate))
    hold = max(attack, round(HOLD * sample_rate))
    # The gain differs from 1 only within hold + attack of a peak: work on those stretches,
    # laid end to end with enough 1.0 between them that no window reaches across. At its
    # ends each stretch is 1.0 already (its peaks are further in than a window reaches),
    # so it comes out as it would alone.
    reach = hold + 2 * attack
    samples = peaks.where[over]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(samples) > 2 * reach) + 1])
    ends = np.concatenate([starts[1:], [len(samples)]])
    lows = np.maximum(0, samples[starts] - reach)
    highs = np.minimum(peaks.length, samples[ends - 1] + reach + 1)
    spacing = hold + attack
    # In batches of about BLOCK samples: memory does not grow with the paragraph.
    sizes = np.cumsum(highs - lows + spacing)
    cuts = np.flatnonzero(np.diff(sizes // BLOCK)) + 1
    found: list[tuple[int, Floats]] = []
    for batch in np.split(np.arange(len(starts)), cuts):
        first, last = int(batch[0]), int(batch[-1])
        within = slice(int(starts[first]), int(ends[last]))
        found += _envelopes(
            samples[within],
            need_at[over][within],
            spans=(lows[batch], highs[batch]),
            peaks=(starts[batch] - starts[first], ends[batch] - starts[first]),
            hold=hold,
            attack=attack,
        )
    return found


def _envelopes(
    samples: Indices,
    need_at: Floats,
    *,
    spans: tuple[NDArray[Any], NDArray[Any]],
    peaks: tuple[NDArray[Any], NDArray[Any]],
    hold: int,
    attack: int,
) -> list[tuple[int, Floats]]:
    """The limiter's gain over the stretches ``lows[i]:highs[i]`` (``spans``) holding the
    peaks at ``samples[starts[i]:ends[i]]`` (``peaks``; each needing the gain ``need_at``),
    worked out laid end to end."""
    (lows, highs), (starts, ends) = spans, peaks
    spacing = hold + attack
    offsets = np.concatenate([[0], np.cumsum(highs - lows + spacing)[:-1]])
    need = np.ones(int(offsets[-1] + highs[-1] - lows[-1]))
    group = np.repeat(np.arange(len(starts)), ends - starts)
    need[samples - lows[group] + offsets[group]] = need_at
    # Any window the average covers, [n - attack/2, n + attack/2], lies inside the one the
    # minimum looked at for sample n, [n - attack, n + hold]: the gain is never more than
    # sample n needs.
    held = sliding_min(need, before=hold, after=attack)
    envelope = np.minimum(1.0, _moving_average(held, attack))
    return [
        (int(low), envelope[offset : offset + high - low])
        for low, high, offset in zip(lows, highs, offsets, strict=True)
    ]


def floor_for(gain: float, ceiling: float) -> float:
    """The lowest sample magnitude (before ``gain``) that can make a peak over ``ceiling``."""
    return ceiling * HEADROOM / gain


def apply(
    pcm: NDArray[np.int16],
    gain: float,
    ceiling: float,
    sample_rate: int,
    peaks: Peaks | None = None,
) -> tuple[NDArray[np.int16], bool]:
    """``pcm`` times ``gain``, limited to the true-peak ``ceiling`` (linear) where needed,
    rounded back to 16 bits; and whether the limiter acted. ``peaks`` are the paragraph's
    own (found under a floor low enough for ``gain``), when already known."""
    if peaks is None:
        peaks = find_peaks(pcm, floor_for(gain, ceiling), FULL_SCALE)
    found = stretches(peaks, gain, ceiling, sample_rate)
    return shaped(pcm, gain, found), bool(found)


def shaped(
    pcm: NDArray[np.int16], gain: float, found: list[tuple[int, Floats]]
) -> NDArray[np.int16]:
    """``pcm`` times ``gain`` and the limiter's gain over its ``found`` stretches, rounded
    back to 16 bits."""
    scaled = pcm * gain
    for low, envelope in found:
        scaled[low : low + len(envelope)] *= envelope
    # In place: one float copy of the paragraph at a time, not three.
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    out: NDArray[np.int16] = scaled.astype(np.int16)
    return out


def peak_after(peaks: Peaks, gain: float, found: list[tuple[int, Floats]]) -> float:
    """The true peak (full scale 1.0) of the paragraph with ``peaks`` after ``gain`` and
    the limiter's ``found`` stretches: each peak times the gains at its sample (the
    limiter's gain changes over milliseconds, so it is flat between two samples)."""
    values = peaks.values * gain
    for low, envelope in found:
        inside = slice(*np.searchsorted(peaks.where, [low, low + len(envelope)]))
        values[inside] *= envelope[peaks.where[inside] - low]
    return float(values.max()) if len(values) else 0.0


def energy_lost(pcm: NDArray[np.int16], found: list[tuple[int, Floats]]) -> float:
    """How much of the energy of ``pcm`` (sum of squares, full scale 1.0, before gain) the
    limiter's ``found`` stretches take away."""
    lost = 0.0
    for low, envelope in found:
        part = pcm[low : low + len(envelope)] / FULL_SCALE
        lost += float(np.dot(part * part, 1.0 - envelope * envelope))
    return lost


def leading_silence(pcm: NDArray[np.int16], threshold: int) -> int:
    """How many samples at the start stay at or under ``threshold`` in magnitude."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > threshold)
    return int(loud[0]) if len(loud) else len(pcm)


def trailing_silence(pcm: NDArray[np.int16], threshold: int) -> int:
    """How many samples at the end stay at or under ``threshold`` in magnitude."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > threshold)
    return len(pcm) - int(loud[-1]) - 1 if len(loud) else len(pcm)
