"""Mastering a rendered document to a loudness preset (``reader render --loudness``):
one measured gain for every paragraph, a true-peak limiter only where a peak would pass the
ceiling, and room tone (silence) of the preset's length before the first word and after the
last.

The paragraph WAVs in the output folder are written mastered (the cache keeps the engine's
own audio), so every file made from them (full-length audio, encoded copies, books) shares
their level. The gain and the limiter keep every sample in its place: the sync maps stay
exact. Only the first and the last paragraph change length (their room tone), and their sync
maps move with the audio.

Units: samples at the paragraphs' sample rate; gain in dB.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from reader.atomic import atomic_path
from reader.audio import limiter
from reader.audio.loudness import Measurement, Preset, gain_db, limiter_ceiling, measure
from reader.audio.stream import Parts
from reader.narration.syncformats import Timeline
from reader.narration.timing import ParagraphSync, RenderedParagraph, TimedUnit

# What counts as silence when measuring the room tone: -60 dBFS, ACX's noise floor.
SILENCE_THRESHOLD = 32
# The limiter lowers the level a little; the gain is raised by what it took, up to this
# many passes, until the level is within TOLERANCE_DB of the target.
ROUNDS = 4
TOLERANCE_DB = 0.05
# An edit that moves the document's level less than this keeps the last render's gain.
STICKY_DB = 0.1


@dataclass(frozen=True, slots=True)
class Mastered:
    """The mastered paragraphs (WAVs in the output folder), the positions whose length
    changed (room tone), the gain applied, how many paragraphs the limiter touched, and a
    tag that changes whenever the mastered audio would (for the manifest)."""

    clips: list[RenderedParagraph]
    reshaped: list[int]
    gain_db: float
    limited: int
    tag: str


def master(
    clips: Sequence[RenderedParagraph],
    outputs: Sequence[Path],
    gaps: Sequence[int],
    preset: Preset,
    *,
    jobs: int,
    previous: str = "",
) -> Mastered:
    """Measure ``clips`` (laid out with ``gaps`` after each, as in the full-length audio),
    and write each mastered into the matching path of ``outputs``. ``previous`` is the
    tag of the last render into the folder: when the document's level has hardly changed
    (an edited paragraph), its gain is kept, so the other paragraphs come out the same and
    their encoded copies need not be made again."""
    rate = clips[0].sample_rate
    head, tail = round(preset.head * rate), round(preset.tail * rate)
    parts: list[tuple[Path | None, int]] = [(None, head)]
    for clip, gap in zip(clips, gaps, strict=True):
        parts += [(clip.wav_path, 0), (None, gap)]
    parts.append((None, tail))
    # The sample peak is enough here: the limiter finds the true peaks itself.
    first = gain_db(preset, measure(parts, rate, true_peak=False))
    kept = _kept_gain(previous, preset, first)
    if kept is not None:
        first, gain = kept  # the tag stays the same too: the copies are still good
    else:
        gain = first
    ceiling = limiter_ceiling(preset)
    last = len(clips) - 1
    linear = 1.0

    def one(position: int) -> tuple[RenderedParagraph, bool]:
        clip = clips[position]
        pcm, limited = limiter.apply(_read(clip.wav_path), linear, ceiling, rate)
        sync = clip.sync
        if position == 0:
            pcm, sync = _room_tone_before(pcm, sync, head)
        if position == last:
            pcm, sync = _room_tone_after(pcm, sync, tail)
        _write(outputs[position], pcm, rate)
        return RenderedParagraph(outputs[position], sync), limited

    tried: list[tuple[float, float]] = []  # (gain, what was left to make up)
    for _ in range(ROUNDS):
        linear = float(10 ** (gain / 20))
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            done = list(pool.map(one, range(len(clips))))
        if kept is not None or not any(hit for _, hit in done):
            break  # a plain gain (the level is the target), or the last render's
        # The limiter took some loudness off the peaks: measure what it left, and make
        # up the difference (the limiter then works harder on the same peaks).
        laid = [
            item
            for (clip, _), gap in zip(done, gaps, strict=True)
            for item in ((clip.wav_path, 0), (None, gap))
        ]
        error = gain_db(preset, measure(laid, rate, true_peak=False))
        if abs(error) <= TOLERANCE_DB:
            break
        tried.append((gain, error))
        gain = _next_gain(tried)
    mastered = [clip for clip, _ in done]
    reshaped = sorted({0, last})
    tag = f"{preset.name}:{first:+.3f}:{gain:+.6f}"
    return Mastered(mastered, reshaped, gain, sum(hit for _, hit in done), tag)


def _kept_gain(previous: str, preset: Preset, first: float) -> tuple[float, float] | None:
    """What the last render (``previous``, a tag) measured and the gain it chose, if it
    used ``preset`` and the document measured within ``STICKY_DB`` of what it does now."""
    fields = previous.split(":")
    if len(fields) != 3 or fields[0] != preset.name:
        return None
    try:
        old_first, old_gain = float(fields[1]), float(fields[2])
    except ValueError:
        return None
    return (old_first, old_gain) if abs(old_first - first) <= STICKY_DB + 1e-9 else None


def _next_gain(tried: list[tuple[float, float]]) -> float:
    """The next gain to try: the secant through the last two tries (the limiter takes
    back part of any raise), or the first try plus its shortfall."""
    if len(tried) < 2:
        return tried[-1][0] + tried[-1][1]
    (g0, e0), (g1, e1) = tried[-2], tried[-1]
    if e0 == e1:
        return g1 + e1
    return g1 - e1 * (g1 - g0) / (e1 - e0)


def measure_timeline(timeline: Timeline) -> Measurement:
    """Measure the full-length audio as laid out in ``timeline`` (from each placed clip's
    WAV and the pause after it): what the summary reports."""
    parts: Parts = [
        item
        for placed, gap in zip(timeline.placed, timeline.gaps, strict=True)
        for item in ((placed.clip.wav_path, 0), (None, gap))
        if item[0] is not None or item[1]
    ]
    return measure(parts, timeline.sample_rate)


def _read(path: Path) -> NDArray[np.int16]:
    with wave.open(str(path), "rb") as source:
        return np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")


def _write(path: Path, pcm: NDArray[np.int16], rate: int) -> None:
    with atomic_path(path) as temp, wave.open(str(temp), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(rate)
        sink.writeframes(pcm.astype("<i2").tobytes())


def _room_tone_before(
    pcm: NDArray[np.int16], sync: ParagraphSync, wanted: int
) -> tuple[NDArray[np.int16], ParagraphSync]:
    """Exactly ``wanted`` samples of silence before the first sound (the engine's own
    lead-in, about 12 ms for eSpeak, is trimmed or padded to it)."""
    shift = wanted - limiter.leading_silence(pcm, SILENCE_THRESHOLD)
    if shift > 0:
        pcm = np.concatenate([np.zeros(shift, dtype=np.int16), pcm])
    elif shift < 0:
        pcm = pcm[-shift:]
    return pcm, _moved(sync, shift, len(pcm))


def _room_tone_after(
    pcm: NDArray[np.int16], sync: ParagraphSync, wanted: int
) -> tuple[NDArray[np.int16], ParagraphSync]:
    """Exactly ``wanted`` samples of silence after the last sound."""
    change = wanted - limiter.trailing_silence(pcm, SILENCE_THRESHOLD)
    if change > 0:
        pcm = np.concatenate([pcm, np.zeros(change, dtype=np.int16)])
    elif change < 0:
        pcm = pcm[: len(pcm) + change]
    return pcm, _moved(sync, 0, len(pcm))


def _moved(sync: ParagraphSync, shift: int, count: int) -> ParagraphSync:
    """``sync`` with every unit ``shift`` samples later, kept inside ``count`` samples
    (a unit that began in trimmed silence starts at the first sample)."""

    def move(units: tuple[TimedUnit, ...]) -> tuple[TimedUnit, ...]:
        moved = []
        for unit in units:
            start = min(max(0, unit.start_sample + shift), count - 1)
            end = min(max(start + 1, unit.end_sample + shift), count)
            moved.append(replace(unit, start_sample=start, end_sample=end))
        return tuple(moved)

    return replace(sync, sample_count=count, words=move(sync.words), sentences=move(sync.sentences))
