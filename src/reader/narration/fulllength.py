"""Laying out and writing the full-length audio in every format asked, with the per-
paragraph encoded copies, all in parallel, and checking the results against the timeline.

When MP3 is asked, the full-length MP3 is joined from the paragraphs' MP3 copies frame by
frame (``mp3join``) instead of being encoded a second time, which halves the encoding work
of a full export. Then the timeline follows the MP3 framing so every format lines up with
the same sync files: a lead-in of one frame (26 ms), gaps rounded to whole frames (and at
least the 50 ms of LAME's padding), and the last frame's padding as a short tail.

Units: samples at the paragraphs' sample rate.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from reader.document import Document, Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration import mp3join
from reader.narration.assemble import (
    Parts,
    encode_copies_tasks,
    encode_full_task,
    join_mp3_task,
    probe,
    run_parallel,
    write_full_wav,
)
from reader.narration.manifest import Manifest
from reader.narration.syncformats import Timeline, build_timeline, ffmetadata, target_gaps
from reader.narration.timing import RenderedParagraph

DURATION_TOLERANCE_S = 0.030
JOINABLE_RATES = (16000, 22050, 24000)  # MPEG-2 layer III: 576-sample frames


@dataclass(frozen=True, slots=True)
class Assembly:
    """What to assemble: the rendered paragraphs and the formats wanted."""

    document: Document
    paragraphs: Sequence[Paragraph]
    clips: Sequence[RenderedParagraph]
    stems: Sequence[str]
    folder: Path
    base: str
    gap: int  # samples
    full_formats: Sequence[str]  # full-length files: any of wav, mp3, ogg, m4b
    copies: Sequence[str]  # encoded per-paragraph copies: any of mp3, ogg, m4b
    redo: dict[str, set[str]]  # per copy format, the stems whose copy must be encoded
    jobs: int


def assemble(
    job: Assembly,
    guard: Callable[[Callable[[], None]], None],
    with_timeline: Callable[[Timeline], None],
) -> Timeline:
    """Write everything; returns the timeline the sync files must describe. ``guard``
    runs a step and turns a failed write into one clear error; ``with_timeline`` (the
    sync files) runs alongside the encoders once the layout is known."""
    rate = job.clips[0].sample_rate
    targets = target_gaps(job.document, job.paragraphs, job.gap)
    joined = "mp3" in job.full_formats and rate in JOINABLE_RATES
    workdir = Path(tempfile.mkdtemp(prefix=".render-", dir=job.folder))
    try:
        copy_tasks: dict[str, list[Callable[[], None]]] = {}
        for fmt in job.copies:
            stems = [s for s in job.stems if s in job.redo[fmt]]
            pairs = [(job.folder / f"{s}.wav", job.folder / f"{s}.{fmt}") for s in stems]
            copy_tasks[fmt] = encode_copies_tasks(pairs, fmt, job.jobs)
        tasks: list[Callable[[], None]] = []
        if joined:
            # The MP3 copies decide the layout, so they are encoded first.
            guard(partial(run_parallel, copy_tasks.pop("mp3"), job.jobs))
            timeline, frames = _framed_timeline(job, targets)
            copies = [job.folder / f"{s}.mp3" for s in job.stems]
            tasks.append(
                join_mp3_task(
                    list(zip(copies, frames, strict=True)), rate,
                    job.folder / f"{job.base}.mp3", metadata=ffmetadata(timeline), workdir=workdir,
                )
            )  # fmt: skip
        else:
            timeline = build_timeline(job.document, job.clips, job.paragraphs, targets, job.stems)
        parts = _parts(job, timeline)
        for fmt in job.full_formats:
            out = job.folder / f"{job.base}.{fmt}"
            if fmt == "wav":
                tasks.append(partial(_checked_wav, parts, rate, out, timeline.sample_count))
            elif not (fmt == "mp3" and joined):
                meta = ffmetadata(timeline)
                tasks.append(
                    encode_full_task(parts, rate, out, fmt, metadata=meta, workdir=workdir)
                )
        remaining = [task for batch in copy_tasks.values() for task in batch]
        tasks.append(partial(with_timeline, timeline))
        guard(partial(run_parallel, [*tasks, *remaining], job.jobs))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _check_durations(job, timeline)
    return timeline


def _framed_timeline(job: Assembly, targets: list[int]) -> tuple[Timeline, list[int]]:
    """The layout that the joined MP3 has, and the silent frames after each copy."""
    frame = mp3join.FRAME_SAMPLES
    gaps, silent = [], []
    counts = [mp3join.frame_count(job.folder / f"{s}.mp3") for s in job.stems]
    for index, (clip, count) in enumerate(zip(job.clips, counts, strict=True)):
        last = index + 1 == len(job.clips)
        extra = 0 if last else mp3join.frames_for_gap(targets[index], clip.sample_count, count)
        silent.append(extra)
        gaps.append(0 if last else (count + extra) * frame - clip.sample_count)
    lead = mp3join.LAME_DELAY - mp3join.DECODER_DELAY
    tail = counts[-1] * frame - mp3join.LAME_DELAY - job.clips[-1].sample_count
    timeline = build_timeline(
        job.document, job.clips, job.paragraphs, gaps, job.stems, lead=lead, tail=max(0, tail)
    )
    return timeline, silent


def _parts(job: Assembly, timeline: Timeline) -> Parts:
    parts: list[tuple[Path | None, int]] = [(None, timeline.lead)] if timeline.lead else []
    for stem, gap in zip(job.stems, timeline.gaps, strict=True):
        parts.append((job.folder / f"{stem}.wav", 0))
        if gap:
            parts.append((None, gap))
    if timeline.tail:
        parts.append((None, timeline.tail))
    return parts


def _checked_wav(parts: Parts, rate: int, out: Path, expected: int) -> None:
    if write_full_wav(parts, rate, out) != expected:
        raise ReaderError(f"{out.name} came out with the wrong length", EXIT_FAILURE)


def playable_seconds(path: Path) -> float:
    """What a player plays: ffprobe's duration less the decoder delay it reports as the
    start time (in MP3, which players skip)."""
    info = probe(path)["format"]
    return float(info["duration"]) - float(info.get("start_time") or 0.0)


def _check_durations(job: Assembly, timeline: Timeline) -> None:
    expected = timeline.sample_count / timeline.sample_rate
    for fmt in job.full_formats:
        if fmt == "wav":
            continue
        found = playable_seconds(job.folder / f"{job.base}.{fmt}")
        if abs(found - expected) > DURATION_TOLERANCE_S:
            raise ReaderError(
                f"{job.base}.{fmt} lasts {found:.3f} s but its sync map {expected:.3f} s; "
                "render again (the cache keeps the work done)",
                EXIT_FAILURE,
            )


def redo_sets(
    copies: Sequence[str], stems: Sequence[str], stale: set[str], old: Manifest, folder: Path
) -> dict[str, set[str]]:
    """Per copy format, the stems whose copy is missing, changed or of a changed paragraph."""
    return {
        fmt: {s for s in stems if s in stale or not old.unchanged(folder, f"{s}.{fmt}")}
        for fmt in copies
    }
