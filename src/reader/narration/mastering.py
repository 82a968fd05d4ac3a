"""Mastering a rendered document to a loudness preset (``reader render --loudness``):
one measured gain for every paragraph, a true-peak limiter only where a peak would pass the
ceiling, and room tone (silence) of the preset's length before the first word and after the
last.

The paragraph WAVs in the output folder are written mastered (the cache keeps the engine's
own audio), so every file made from them (full-length audio, encoded copies, books) shares
their level. The gain and the limiter keep every sample in its place: the sync maps stay
exact. Only the first and the last paragraph change length (their room tone), and their sync
maps move with the audio.

The audio is read twice and written once. ffmpeg measures the engine's audio (the first
read); the limiter finds the true peaks of the paragraphs once (of all of them up to
``SOLVE_SECONDS`` of audio, else of paragraphs spread evenly over the document), and the
gain is solved on them in-process: the level at a gain is the measured level raised by the
gain, less the energy the limiter would take at that gain (counted on the short stretches
where it acts). The paragraphs are then written mastered while ffmpeg measures what is
written (the second read): that is the figure the summary reports. Only when it misses the
target by more than ebur128's resolution (0.1 LU) is the gain corrected and the paragraphs
written again.

Units: samples at the paragraphs' sample rate; gain in dB.
"""

from __future__ import annotations

import math
import wave
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from reader.atomic import atomic_path
from reader.audio import limiter
from reader.audio.gainsolver import GainSolver, Limits
from reader.audio.limiter import FULL_SCALE
from reader.audio.loudness import Measurement, Preset, gain_db, limiter_ceiling, measure_stream
from reader.audio.tally import Tally
from reader.heap import return_large_blocks
from reader.narration.syncformats import Timeline
from reader.narration.timing import ParagraphSync, RenderedParagraph, TimedUnit

# What counts as silence when measuring the room tone: -60 dBFS, ACX's noise floor.
SILENCE_THRESHOLD = 32
# ebur128 reports integrated loudness to 0.1 LU: a miss within that is no miss.
TOLERANCE_DB = 0.1
# Audio the gain is solved on: its samples, peaks and limiter gains are kept in memory
# (about 60 MB for 5 minutes of speech), and 5 minutes of one voice tell what the
# limiter takes to a few hundredths of a dB (a miss is corrected after the write).
SOLVE_SECONDS = 300.0
# Times the paragraphs are written at most: the solved gain, then one correction.
WRITES = 2
# An edit that moves the document's level less than this keeps the last render's gain.
STICKY_DB = 0.1

Samples = NDArray[np.int16]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Mastered:
    """The mastered paragraphs (WAVs in the output folder), the positions whose length
    changed (room tone), the gain applied, how many paragraphs the limiter touched, a tag
    that changes whenever the mastered audio would (for the manifest), and the loudness
    of the mastered audio laid out with its pauses (the full-length file's)."""

    clips: list[RenderedParagraph]
    reshaped: list[int]
    gain_db: float
    limited: int
    tag: str
    measured: Measurement


@dataclass(frozen=True, slots=True)
class _Layout:
    """The document as the full-length file lays it out: the clips, the pause after each,
    and the room tone wanted before the first and after the last, in samples."""

    clips: Sequence[RenderedParagraph]
    gaps: Sequence[int]
    head: int
    tail: int
    rate: int
    ceiling: float
    jobs: int

    @property
    def seconds(self) -> float:
        samples = sum(clip.sample_count for clip in self.clips) + sum(self.gaps)
        return (samples + self.head + self.tail) / self.rate


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
    return_large_blocks()  # paragraph-sized arrays come and go
    rate = clips[0].sample_rate
    layout = _Layout(
        clips,
        gaps,
        round(preset.head * rate),
        round(preset.tail * rate),
        rate,
        limiter_ceiling(preset),
        max(1, jobs),
    )
    chosen = _solving_sample(clips, rate)
    held: dict[int, Samples] = {}

    def originals(tally: Tally) -> None:
        tally.silence(layout.head)
        for position, (clip, gap) in enumerate(zip(clips, gaps, strict=True)):
            pcm = _read(clip.wav_path)
            tally.write(pcm.tobytes())
            if position in chosen:
                held[position] = pcm
            tally.silence(gap)
        tally.silence(layout.tail)

    # The sample peak is enough here: the limiter finds the true peaks itself.
    first = gain_db(preset, measure_stream(originals, layout.seconds, rate, true_peak=False))
    kept = _kept_gain(previous, preset, first)
    positions = sorted(held)
    with ThreadPoolExecutor(max_workers=layout.jobs) as pool:
        solver: GainSolver | None = None
        known: dict[int, Limits] = {}
        aim = first
        if kept is not None:
            first, gain = kept  # the tag stays the same too: the copies are still good
        else:
            solver = GainSolver([held[p] for p in positions], layout.ceiling, rate, pool)
            gain = solver.gain_for(aim)
            known = dict(zip(positions, solver.limits(), strict=True))
        for _ in range(WRITES):
            done, measured = _write_mastered(layout, outputs, gain, known, pool)
            limited = sum(hit for _, hit in done)
            error = gain_db(preset, measured)
            if solver is None or not limited or abs(error) <= TOLERANCE_DB + 1e-9:
                break
            # The solution's level was off by what ffmpeg measured: aim that much further.
            aim += error
            gain = solver.gain_for(aim)
            known = dict(zip(positions, solver.limits(), strict=True))
    mastered = [clip for clip, _ in done]
    reshaped = sorted({0, len(clips) - 1})
    tag = f"{preset.name}:{first:+.3f}:{gain:+.6f}"
    return Mastered(mastered, reshaped, gain, limited, tag, measured)


def _solving_sample(clips: Sequence[RenderedParagraph], rate: int) -> set[int]:
    """The positions the gain is solved on: all, or every k-th, to ``SOLVE_SECONDS``."""
    total = sum(clip.sample_count for clip in clips) / rate
    stride = max(1, math.ceil(total / SOLVE_SECONDS))
    return set(range(0, len(clips), stride))


def _write_mastered(
    layout: _Layout,
    outputs: Sequence[Path],
    gain: float,
    known: dict[int, Limits],
    pool: ThreadPoolExecutor,
) -> tuple[list[tuple[RenderedParagraph, bool]], Measurement]:
    """Write every clip at ``gain`` (dB) through the limiter, with room tone at the ends,
    into ``outputs``; and measure what was written, laid out with its pauses. ``known``
    holds what the solution found of some clips (their peaks, and at which gain where the
    limiter acts), so it is not looked for again."""
    linear = 10 ** (gain / 20)
    floor = limiter.floor_for(linear, layout.ceiling)
    last = len(layout.clips) - 1

    def one(position: int) -> tuple[RenderedParagraph, bool, float, Samples]:
        clip = layout.clips[position]
        pcm = _read(clip.wav_path)
        limits = known.get(position)
        if limits is not None and limits.peaks.floor <= floor:
            peaks = limits.peaks
        else:
            peaks = limiter.find_peaks(pcm, floor, FULL_SCALE)
        if limits is not None and limits.gain == gain:
            found = limits.found
        else:
            found = limiter.stretches(peaks, linear, layout.ceiling, layout.rate)
        out = limiter.shaped(pcm, linear, found)
        sync = clip.sync
        if position == 0:
            out, sync = _room_tone_before(out, sync, layout.head)
        if position == last:
            out, sync = _room_tone_after(out, sync, layout.tail)
        _write(outputs[position], out, layout.rate)
        true_peak = limiter.peak_after(peaks, linear, found)
        return RenderedParagraph(outputs[position], sync), bool(found), true_peak, out

    done: list[tuple[RenderedParagraph, bool]] = []
    highest = [0.0]

    def mastered(tally: Tally) -> None:
        results = _in_order(pool, one, len(layout.clips), ahead=2 * layout.jobs)
        for (clip, hit, true_peak, out), gap in zip(results, layout.gaps, strict=True):
            tally.write(out.tobytes())
            tally.silence(gap)
            done.append((clip, hit))
            highest[0] = max(highest[0], true_peak)

    measured = measure_stream(mastered, layout.seconds, layout.rate, true_peak=False)
    # The true peak from the limiter's own 4x oversampled peaks (a fifth of the cost of
    # ebur128's); never under the sample peak counted on the way to ffmpeg.
    true_peak = 20 * math.log10(highest[0]) if highest[0] > 0 else -math.inf
    return done, replace(measured, true_peak=max(true_peak, measured.peak))


def _in_order(
    pool: ThreadPoolExecutor, work: Callable[[int], T], count: int, *, ahead: int
) -> Iterator[T]:
    """``work(0)``, ``work(1)``, ... run on ``pool`` at most ``ahead`` at a time, yielded
    in order (the results wait for the stream, never more than ``ahead`` of them)."""
    pending: deque[Future[T]] = deque()
    for position in range(count):
        pending.append(pool.submit(work, position))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


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


def measure_timeline(timeline: Timeline) -> Measurement:
    """Measure the full-length audio as laid out in ``timeline`` (from each placed clip's
    WAV and the pause after it): what the summary reports when nothing was mastered. The
    true peak is the limiter's 4x oversampled estimate, near each clip's loudest samples."""
    highest = [0.0]

    def laid_out(tally: Tally) -> None:
        for placed, gap in zip(timeline.placed, timeline.gaps, strict=True):
            pcm = _read(placed.clip.wav_path)
            tally.write(pcm.tobytes())
            tally.silence(gap)
            if len(pcm):
                # A peak between samples is well under 6 dB above the samples beside it.
                loudest = max(int(pcm.max()), -int(pcm.min())) / FULL_SCALE
                peaks = limiter.find_peaks(pcm, loudest * limiter.HEADROOM, FULL_SCALE)
                highest[0] = max(highest[0], peaks.highest)

    seconds = timeline.sample_count / timeline.sample_rate
    measured = measure_stream(laid_out, seconds, timeline.sample_rate, true_peak=False)
    true_peak = 20 * math.log10(highest[0]) if highest[0] > 0 else -math.inf
    return replace(measured, true_peak=max(true_peak, measured.peak))


def _read(path: Path) -> Samples:
    with wave.open(str(path), "rb") as source:
        return np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")


def _write(path: Path, pcm: Samples, rate: int) -> None:
    with atomic_path(path) as temp, wave.open(str(temp), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(rate)
        sink.writeframes(pcm.astype("<i2").tobytes())


def _room_tone_before(
    pcm: Samples, sync: ParagraphSync, wanted: int
) -> tuple[Samples, ParagraphSync]:
    """Exactly ``wanted`` samples of silence before the first sound (the engine's own
    lead-in, about 12 ms for eSpeak, is trimmed or padded to it)."""
    shift = wanted - limiter.leading_silence(pcm, SILENCE_THRESHOLD)
    if shift > 0:
        pcm = np.concatenate([np.zeros(shift, dtype=np.int16), pcm])
    elif shift < 0:
        pcm = pcm[-shift:]
    return pcm, _moved(sync, shift, len(pcm))


def _room_tone_after(
    pcm: Samples, sync: ParagraphSync, wanted: int
) -> tuple[Samples, ParagraphSync]:
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
