"""Laying out and writing the full-length audio in every format asked, with the per-
paragraph encoded copies, all in parallel, and checking the results against the timeline.

Every paragraph file holds the paragraph followed by its pause (the clip ends where the
next paragraph starts in the full-length file), so the full-length audio is those files
end to end, and a playlist or read-along book of them sounds like it. Outputs go to
``Assembly.stage`` (see ``staging``); paragraph WAVs are read from ``Assembly.sources``.

When MP3 is asked, it is encoded once, in one chunk per core split at pauses and joined
frame by frame, and the per-paragraph MP3 files are cut out of it (``mp3join``). For that,
every paragraph starts on an MP3 frame boundary: the pauses between paragraphs are rounded
to whole frames (26 ms), the same in every format, so all of them share one sync map.

Units: samples at the paragraphs' sample rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from pathlib import Path

from reader.atomic import temporary_folder
from reader.audio import mp3join
from reader.audio.encode import encode_tasks, run_parallel
from reader.audio.formats import TOLERANCE_MS, WAV_HINT
from reader.audio.probe import probe
from reader.audio.stream import (
    Delivery,
    Parts,
    encode_full_task,
    encode_mp3_chunks_task,
    write_full_wav,
)
from reader.document import Document, Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.chapters import DEFAULT_MINUTES
from reader.narration.manifest import Manifest
from reader.narration.syncformats import Timeline, build_timeline, ffmetadata, target_gaps
from reader.narration.timing import RenderedParagraph


@dataclass(frozen=True, slots=True)
class Assembly:
    """What to assemble: the rendered paragraphs and the formats wanted."""

    document: Document
    paragraphs: Sequence[Paragraph]
    clips: Sequence[RenderedParagraph]
    stems: Sequence[str]
    folder: Path  # the output folder (read only: earlier encoded copies are kept from it)
    stage: Path  # where every file of this render is written before it is moved into place
    sources: dict[str, Path]  # stem -> the paragraph's WAV with its following pause
    base: str
    gap: int  # samples
    full_formats: Sequence[str]  # full-length files: any of wav, mp3, ogg, m4b
    copies: Sequence[str]  # encoded per-paragraph copies: any of mp3, ogg, m4b
    redo: dict[str, set[str]]  # per copy format, the stems whose copy must be encoded
    jobs: int
    chapter_minutes: float = DEFAULT_MINUTES  # chapter length for texts without sections
    delivery: Delivery = field(default_factory=Delivery)  # tags and cover art
    # With spoken credits and headings (see ``announcements``): what each of ``paragraphs``
    # is and the pause after each; otherwise all paragraphs, pauses from ``target_gaps``.
    kinds: Sequence[str] = ()
    targets: Sequence[int] = ()


def _cut(job: Assembly) -> bool:
    rate = job.clips[0].sample_rate
    # Paragraph MP3s are cut from the full one only at the paragraphs' own rate.
    cut = "mp3" in (*job.full_formats, *job.copies) and rate in mp3join.JOINABLE_RATES
    return cut and not job.delivery.resamples


def plan_timeline(job: Assembly) -> Timeline:
    """Where each paragraph goes in the full-length audio and the pause after it (whole
    MP3 frames when the MP3 copies are cut out of the full-length MP3)."""
    targets = list(job.targets) or target_gaps(job.document, job.paragraphs, job.gap)
    if _cut(job):
        return _framed_timeline(job, targets)
    return build_timeline(
        job.document, job.clips, job.paragraphs, targets, job.stems,
        chapter_minutes=job.chapter_minutes, kinds=job.kinds,
    )  # fmt: skip


def assemble(
    job: Assembly,
    timeline: Timeline,
    guard: Callable[[Callable[[], None]], None],
    with_timeline: Callable[[Timeline], None],
) -> None:
    """Write everything into ``job.stage`` for ``timeline`` (from :func:`plan_timeline`).
    ``guard`` runs a step and turns a failed write into one clear error; ``with_timeline``
    (the sync files) runs alongside the encoders."""
    rate = job.clips[0].sample_rate
    cut = _cut(job)
    parts = _parts(job)
    metadata = ffmetadata(timeline)
    with temporary_folder(job.stage) as workdir:
        tasks: list[Callable[[], None]] = []
        if cut:
            asked = "mp3" in job.full_formats
            full = job.stage / f"{job.base}.mp3" if asked else workdir / "full.mp3"
            chunks = _mp3_chunks(job, timeline)
            if len(chunks) > 1:
                encode = encode_mp3_chunks_task(
                    chunks, rate, full, metadata=metadata, workdir=workdir,
                    samples=timeline.sample_count, workers=job.jobs, delivery=job.delivery,
                )  # fmt: skip
            else:
                encode = encode_full_task(
                    parts, rate, full, "mp3", metadata=metadata, workdir=workdir,
                    options=NO_RESERVOIR, delivery=job.delivery,
                )  # fmt: skip
            cuts = [
                (*mp3join.cut(item.offset, length), length, job.stage / f"{item.stem}.mp3")
                for item, pause in zip(timeline.placed, timeline.gaps, strict=True)
                if item.stem in job.redo["mp3"]
                for length in [item.clip.sample_count + pause]
            ]
            tasks.append(partial(_encode_then_cut, encode, full, cuts))
        for fmt in job.full_formats:
            out = job.stage / f"{job.base}.{fmt}"
            if fmt == "wav":
                tasks.append(partial(_checked_wav, parts, rate, out, timeline.sample_count))
            elif not (fmt == "mp3" and cut):
                # OGG takes its chapters as Vorbis comments (see chapters.vorbis_comments).
                meta = ffmetadata(timeline, vorbis=fmt == "ogg")
                tasks.append(
                    encode_full_task(
                        parts,
                        rate,
                        out,
                        fmt,
                        metadata=meta,
                        workdir=workdir,
                        delivery=job.delivery,
                    )
                )
        tasks.append(partial(with_timeline, timeline))
        for fmt in job.copies:
            if fmt == "mp3" and cut:
                continue
            stems = [s for s in job.stems if s in job.redo[fmt]]
            pairs = [(job.sources[s], job.stage / f"{s}.{fmt}") for s in stems]
            extra = job.delivery.codec_options(fmt)
            tasks += encode_tasks(pairs, fmt, job.jobs, hint=WAV_HINT, extra=extra)
        guard(partial(run_parallel, tasks, job.jobs))
    _check_durations(job, timeline)


# Without the bit reservoir every MP3 frame stands alone, so paragraphs can be cut out.
NO_RESERVOIR = ("-reservoir", "0")


def _encode_then_cut(
    encode: Callable[[], None], full: Path, cuts: list[tuple[int, int, int, Path]]
) -> None:
    encode()
    mp3join.cut_copies(full, cuts)


# A chunk boundary needs silence on both sides of the frames the join drops and the next
# encoder's delay fills (1105 samples) plus the MDCT overlap: 4096 samples (186 ms).
MIN_SPLIT_GAP = 4096


# The full-length MP3 is encoded in chunks of about this many seconds, however many jobs
# encode them: the chunks (and so the bytes) do not depend on --jobs (issue 12 item 5).
CHUNK_SECONDS = 120
MAX_CHUNKS = 64


def _mp3_chunks(job: Assembly, timeline: Timeline) -> list[tuple[Parts, int]]:
    """Split the full-length MP3 into chunks of about ``CHUNK_SECONDS``, at pauses
    nearest the even split points: each chunk's parts and how many frames of it to keep."""
    total = timeline.sample_count
    pieces = max(1, min(MAX_CHUNKS, round(total / (CHUNK_SECONDS * timeline.sample_rate))))
    starts = [
        item.offset
        for item, gap_before in zip(timeline.placed[1:], timeline.gaps, strict=False)
        if gap_before >= MIN_SPLIT_GAP
    ]
    bounds = sorted(
        {min(starts, key=lambda s: abs(s - total * j // pieces)) for j in range(1, pieces)}
        if starts
        else set()
    )
    edges = [0, *bounds, total]
    chunks: list[tuple[Parts, int]] = []
    for first, stop in pairwise(edges):
        parts: list[tuple[Path | None, int]] = []
        for item in timeline.placed:
            if first <= item.offset < stop:
                parts.append((job.sources[item.stem], 0))
        last = stop == total
        chunks.append((parts, 0 if last else (stop - first) // mp3join.FRAME_SAMPLES))
    return chunks


def _framed_timeline(job: Assembly, targets: list[int]) -> Timeline:
    """Paragraphs start on MP3 frame boundaries: each pause is rounded to whole frames."""
    frame = mp3join.FRAME_SAMPLES
    gaps = []
    start = 0
    for index, clip in enumerate(job.clips):
        end = start + clip.sample_count
        if index + 1 == len(job.clips):
            gaps.append(0)
            break
        following = max(-(-end // frame), round((end + targets[index]) / frame)) * frame
        gaps.append(following - end)
        start = following
    return build_timeline(
        job.document, job.clips, job.paragraphs, gaps, job.stems,
        chapter_minutes=job.chapter_minutes, kinds=job.kinds,
    )  # fmt: skip


def _parts(job: Assembly) -> Parts:
    # Each paragraph's WAV ends with its pause: the full-length audio is the files in order.
    return [(job.sources[stem], 0) for stem in job.stems]


def _checked_wav(parts: Parts, rate: int, out: Path, expected: int) -> None:
    if write_full_wav(parts, rate, out) != expected:
        raise ReaderError(f"{out.name} came out with the wrong length", EXIT_FAILURE)


def _check_durations(job: Assembly, timeline: Timeline) -> None:
    expected = timeline.sample_count / timeline.sample_rate
    for fmt in job.full_formats:
        if fmt == "wav":
            continue
        # What a player plays: ffprobe's duration less the decoder delay (see probe).
        found = probe(job.stage / f"{job.base}.{fmt}").played_ms / 1000
        if abs(found - expected) * 1000 > TOLERANCE_MS:
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
