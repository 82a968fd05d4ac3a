"""Encoding with ffmpeg: whole files from WAVs in batches, and time-stretching. Streaming
assembly of long audio is in :mod:`reader.audio.stream`.

Every output is written under a temporary name (:func:`reader.atomic.atomic_path`) and
renamed when complete; every ffmpeg run has a deadline in proportion to the audio it
encodes (:func:`reader.media.deadline`).

Units: sample counts and rates from WAV headers; deadlines in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import NoReturn

from reader.atomic import atomic_path
from reader.audio.formats import BATCH, KINDS, WAV_HINT, require
from reader.errors import EXIT_FAILURE, ReaderError
from reader.media import deadline, last_line, run


def ffmpeg_failed(stderr: bytes, code: int, what: str) -> NoReturn:
    """Raise the one-line error for ffmpeg failing to write ``what``."""
    last = last_line(stderr, f"exit status {code}")
    if b"No space left" in stderr:
        last = "no space left on the device; free some space or choose another folder"
    raise ReaderError(f"ffmpeg could not write {what}: {last}", EXIT_FAILURE)


def wav_seconds(paths: Sequence[Path]) -> float:
    """About how long the WAVs play, from their sizes (16-bit mono at 22.05 kHz or more),
    for a deadline; nothing is read."""
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            continue  # ffmpeg names the missing file
    return total / (2 * 16000)


class _BatchFailed(Exception):
    """ffmpeg failed on a batch; ``stderr`` says why."""

    def __init__(self, stderr: bytes) -> None:
        super().__init__("batch failed")
        self.stderr = stderr


def _encode_batch(
    pairs: Sequence[tuple[Path, Path]], fmt: str, hint: str, extra: Sequence[str] = ()
) -> bytes | None:
    """Encode every ``(wav, out)`` pair in one ffmpeg process, with ``extra`` codec options
    after the format's own (the later wins); stderr on failure (and no file written, not
    even a temporary one)."""
    kind = KINDS[fmt]
    try:
        with ExitStack() as stack:
            temps = [stack.enter_context(atomic_path(out)) for _, out in pairs]
            arguments = ["-y"]
            for wav, _ in pairs:
                arguments += ["-i", str(wav)]
            for number, temp in enumerate(temps):
                # One thread per output: the caller runs one process per core.
                arguments += ["-map", f"{number}:a:0", "-map_metadata", "-1", "-threads", "1"]
                arguments += [*kind.options, *extra, "-f", kind.muxer, str(temp)]
            what = f"the {fmt} copies of the paragraphs"
            seconds = deadline(wav_seconds([wav for wav, _ in pairs]))
            result = run("ffmpeg", arguments, what, timeout=seconds, hint=hint)
            if result.returncode != 0 or not all(temp.is_file() for temp in temps):
                # Raised inside the block so that every temporary file is removed.
                raise _BatchFailed(result.stderr or b"no output")
    except _BatchFailed as failure:
        return failure.stderr
    return None


def encode(wav: Path, out: Path, fmt: str, *, hint: str = "", extra: Sequence[str] = ()) -> Path:
    """Encode one WAV into ``out`` in format ``fmt`` (a key of ``KINDS``; the container is
    named, never guessed from the suffix). ``hint`` ends the error for a missing ffmpeg."""
    failure = _encode_batch([(wav, out)], fmt, hint, extra)
    if failure is not None:
        detail = last_line(failure)
        if b"No space left" in failure:
            detail = "no space left on the device; free some space or choose another folder"
        raise ReaderError(f"{wav}: ffmpeg could not encode it to {fmt} ({detail})", EXIT_FAILURE)
    return out


def _encode_or_name(
    pairs: Sequence[tuple[Path, Path]], fmt: str, hint: str, extra: Sequence[str] = ()
) -> None:
    """Several files per ffmpeg process (starting ffmpeg costs more than encoding a short
    paragraph). When the batch fails, each file is tried alone to name the culprit."""
    if _encode_batch(pairs, fmt, hint, extra) is not None:
        for wav, out in pairs:
            encode(wav, out, fmt, hint=hint, extra=extra)


def encode_tasks(
    pairs: Sequence[tuple[Path, Path]],
    fmt: str,
    jobs: int,
    *,
    hint: str = "",
    extra: Sequence[str] = (),
) -> list[Callable[[], None]]:
    """Jobs that encode ``(wav, out)`` pairs, at least one per worker and batches of at most
    :data:`~reader.audio.formats.BATCH` files, for :func:`run_parallel`."""
    if not pairs:
        return []
    batches = max(min(jobs, len(pairs)), -(-len(pairs) // BATCH))
    size = -(-len(pairs) // batches)
    return [
        partial(_encode_or_name, pairs[first : first + size], fmt, hint, extra)
        for first in range(0, len(pairs), size)
    ]


def encode_all(
    pairs: Sequence[tuple[Path, Path]], fmt: str, workers: int | None = None, *, hint: str = ""
) -> None:
    """Encode ``(wav, out)`` pairs in batches, one ffmpeg process per core."""
    jobs = workers or os.cpu_count() or 1
    run_parallel(encode_tasks(pairs, fmt, jobs, hint=hint), jobs)


def run_parallel(tasks: Sequence[Callable[[], None]], jobs: int) -> None:
    """Run encoder jobs ``jobs`` at a time, longest (first) first; the first error wins."""
    if not tasks:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(tasks)))) as pool:
        futures = [pool.submit(task) for task in tasks]
        try:
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def time_stretch(pcm: bytes, sample_rate: int, factor: float) -> bytes:
    """Speed mono 16-bit ``pcm`` up by ``factor`` without changing its pitch (atempo).

    The result has exactly ``round(len / factor)`` samples: atempo keeps back the last
    window of its input, so silence is fed after the speech and cut off again.
    """
    what = "speech faster than 430 words per minute"
    require(what, WAV_HINT)
    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"]
    arguments = [*raw, "-i", "pipe:0", "-filter:a", f"atempo={factor:.6f}", *raw, "pipe:1"]
    padding = b"\0\0" * sample_rate  # one second: more than atempo's window
    seconds = deadline(len(pcm) / 2 / sample_rate + 1)
    result = run("ffmpeg", arguments, what, timeout=seconds, hint=WAV_HINT, stdin=pcm + padding)
    if result.returncode != 0:
        detail = last_line(result.stderr, f"exit status {result.returncode}")
        raise ReaderError(f"ffmpeg could not time-stretch the speech: {detail}", EXIT_FAILURE)
    wanted = round(len(pcm) // 2 / factor)
    if len(result.stdout) < 2 * wanted:
        raise ReaderError("ffmpeg returned too little time-stretched audio", EXIT_FAILURE)
    return result.stdout[: 2 * wanted]
