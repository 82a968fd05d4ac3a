"""Audio assembly and encoding: the narration's only caller of ffmpeg/ffprobe (through
:mod:`reader.media`, which runs them; the encoder settings live here).

Long documents are assembled by streaming: the full-length WAV is written block by block
from the paragraph files, and the encoders get the same blocks on their input pipe, so
memory does not grow with the book. Encoders run as parallel processes (one per core): the
full-length files first (MP3 in chunks, see ``mp3join``), then batches of per-paragraph
copies (OGG, M4B; the MP3 copies are cut from the full-length file).

Every file is written under a temporary name and renamed when complete.

Units: sample counts at the paragraphs' sample rate (mono, 16-bit PCM); ``gap`` values are
samples of silence; chapter times in the FFMETADATA text are milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import threading
import wave
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import IO, Any, NoReturn

from reader import media
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration import mp3join

# Codec settings per format. LAME at quality 7 ("fast") is twice as fast as its default
# and transparent enough for 22 kHz speech at this bitrate.
MP3_BITRATE = "48k"
CODECS: dict[str, list[str]] = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", MP3_BITRATE, "-compression_level", "7"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
    # ffmpeg's AAC "twoloop" coder is six times slower than "fast" for no audible gain in
    # speech at this rate.
    "m4b": ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "48k"],
}
# Temporary names hide the extension, so the container is always named.
MUXERS = {"mp3": "mp3", "ogg": "ogg", "m4b": "ipod"}
# Per-paragraph copies per ffmpeg process: startup is paid once per batch, but every open
# input and encoder costs about 0.7 MB, so batches stay small enough for books.
BATCH = 16
CHUNK_FRAMES = 1 << 16

_WAV_HINT = ", or ask for --format wav"


def require_ffmpeg(what: str = "encoded audio") -> None:
    """Raise a one-line ``ReaderError`` naming the package when ffmpeg/ffprobe are absent."""
    media.require(what, _WAV_HINT)


def _temp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def _run_ffmpeg(arguments: list[str], what: str) -> bytes:
    """Run ffmpeg quietly; a failure becomes one line naming ``what``."""
    result = media.run("ffmpeg", ["-y", *arguments], what, hint=_WAV_HINT)
    if result.returncode != 0:
        _ffmpeg_failed(result.stderr, result.returncode, what)
    return result.stdout


def _ffmpeg_failed(stderr: bytes, code: int, what: str) -> NoReturn:
    last = media.last_line(stderr, f"exit status {code}")
    if b"No space left" in stderr:
        last = "no space left on the device; free some space or choose another folder"
    raise ReaderError(f"ffmpeg could not write {what}: {last}", EXIT_FAILURE)


def time_stretch(pcm: bytes, sample_rate: int, factor: float) -> bytes:
    """Speed mono 16-bit ``pcm`` up by ``factor`` without changing its pitch (atempo).

    The result has exactly ``round(len / factor)`` samples: atempo keeps back the last
    window of its input, so silence is fed after the speech and cut off again.
    """
    require_ffmpeg("speech faster than 430 words per minute")
    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"]
    arguments = [*raw, "-i", "pipe:0", "-filter:a", f"atempo={factor:.6f}", *raw, "pipe:1"]
    padding = b"\0\0" * sample_rate  # one second: more than atempo's window
    what = "speech faster than 430 words per minute"
    result = media.run("ffmpeg", arguments, what, hint=_WAV_HINT, stdin=pcm + padding)
    if result.returncode != 0:
        detail = media.last_line(result.stderr, f"exit status {result.returncode}")
        raise ReaderError(f"ffmpeg could not time-stretch the speech: {detail}", EXIT_FAILURE)
    wanted = round(len(pcm) // 2 / factor)
    if len(result.stdout) < 2 * wanted:
        raise ReaderError("ffmpeg returned too little time-stretched audio", EXIT_FAILURE)
    return result.stdout[: 2 * wanted]


Parts = Sequence[tuple[Path | None, int]]
"""Audio in order: ``(wav_path, 0)`` for a file, ``(None, n)`` for n samples of silence."""


def write_full_wav(parts: Parts, sample_rate: int, out: Path) -> int:
    """Join the parts into ``out`` by streaming; returns the samples written. Needs no
    ffmpeg."""
    temp = _temp(out)
    total = 0
    try:
        with wave.open(str(temp), "wb") as sink:
            sink.setnchannels(1)
            sink.setsampwidth(2)
            sink.setframerate(sample_rate)
            for wav_path, silence in parts:
                if wav_path is None:
                    for start in range(0, silence, CHUNK_FRAMES):
                        sink.writeframesraw(b"\0\0" * min(CHUNK_FRAMES, silence - start))
                    total += silence
                    continue
                with wave.open(str(wav_path), "rb") as source:
                    while frames := source.readframes(CHUNK_FRAMES):
                        sink.writeframesraw(frames)
                        total += len(frames) // 2
        temp.replace(out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return total


def encode_full_task(
    parts: Parts,
    sample_rate: int,
    out: Path,
    fmt: str,
    *,
    metadata: str,
    workdir: Path,
    options: Sequence[str] = (),
) -> Callable[[], None]:
    """A job that encodes the full-length ``out`` with chapters and tags from
    ``metadata`` (FFMETADATA text)."""
    meta_path = _metadata_file(workdir, fmt, metadata)

    def job() -> None:
        temp = _temp(out)
        arguments = ["-i", str(meta_path), "-map", "0:a", "-map_metadata", "1"]
        arguments += ["-map_chapters", "1", *CODECS[fmt], *options, "-f", MUXERS[fmt], str(temp)]
        try:
            _encode_stream(parts, sample_rate, arguments, out.name)
            temp.replace(out)
        finally:
            temp.unlink(missing_ok=True)

    return job


def encode_mp3_chunks_task(
    chunks: Sequence[tuple[Parts, int]],
    sample_rate: int,
    out: Path,
    *,
    metadata: str,
    workdir: Path,
    samples: int,
) -> Callable[[], None]:
    """A job that encodes the full-length MP3 as ``chunks`` on parallel encoders (the
    parts of each, and how many of its frames to keep: see ``mp3join.join_chunks``), joins
    their frames and adds tags, chapters and the gapless fields of one encode."""
    meta_path = _metadata_file(workdir, "mp3", metadata)

    def encode(index: int, parts: Parts) -> None:
        # The first chunk carries the tags and all the chapters (ffmpeg writes them in the
        # ID3 header without looking at the duration), so the joined file needs no remux.
        tags = ["-i", str(meta_path), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        options = tags if index == 0 else ["-map_metadata", "-1"]
        options += [*CODECS["mp3"], "-reservoir", "0", "-f", "mp3"]
        target = str(workdir / f"chunk-{index}.mp3")
        _encode_stream(parts, sample_rate, [*options, target], out.name)

    def job() -> None:
        run_parallel(
            [partial(encode, i, parts) for i, (parts, _) in enumerate(chunks)], len(chunks)
        )
        temp = _temp(out)
        try:
            mp3join.join_chunks(
                [(workdir / f"chunk-{i}.mp3", keep) for i, (_, keep) in enumerate(chunks)],
                temp,
            )
            mp3join.retag(temp, samples)
            temp.replace(out)
        finally:
            temp.unlink(missing_ok=True)

    return job


def _encode_stream(parts: Parts, sample_rate: int, arguments: list[str], what: str) -> None:
    """Run ffmpeg with the parts' PCM on its input (``arguments`` name the outputs). The
    audio is streamed from the paragraph files: ffmpeg's concat demuxer costs half as much
    CPU again as the MP3 encoder, probing every file."""
    # With a second input (the metadata) ffmpeg reads the pipe on a thread and sleeps 10 ms
    # whenever its packet queue runs dry; a deep queue keeps the encoder fed (1.7x faster).
    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-thread_queue_size", "4096"]
    raw += ["-i", "pipe:0"]
    command = [media.tool("ffmpeg", what, _WAV_HINT), *media.QUIET, "-y", *raw, *arguments]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stdin, stderr = process.stdin, process.stderr
    assert stdin is not None and stderr is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(stderr.read()))
    reader.start()
    try:
        _stream_pcm(parts, stdin)
    except BrokenPipeError:
        pass  # ffmpeg stopped early: its exit status and message say why
    finally:
        with contextlib.suppress(BrokenPipeError):
            stdin.close()
    code = process.wait()
    reader.join()
    if code != 0:
        _ffmpeg_failed(b"".join(errors), code, what)


def _stream_pcm(parts: Parts, sink: IO[bytes]) -> None:
    """Write the parts' samples (and silences) to ``sink``, a block at a time."""
    for wav_path, silence in parts:
        if wav_path is None:
            for start in range(0, silence, CHUNK_FRAMES):
                sink.write(b"\0\0" * min(CHUNK_FRAMES, silence - start))
            continue
        with wave.open(str(wav_path), "rb") as source:
            while frames := source.readframes(CHUNK_FRAMES):
                sink.write(frames)


def _metadata_file(workdir: Path, fmt: str, metadata: str) -> Path:
    path = workdir / f"{fmt}.ffmeta"
    path.write_text(metadata, encoding="utf-8")
    return path


def encode_copies_tasks(
    pairs: Sequence[tuple[Path, Path]], fmt: str, jobs: int
) -> list[Callable[[], None]]:
    """Jobs that encode each ``(wav, out)`` pair, in batches sharing one ffmpeg process."""
    if not pairs:
        return []
    batches = max(jobs, -(-len(pairs) // BATCH))
    size = -(-len(pairs) // batches)
    tasks: list[Callable[[], None]] = []
    for first in range(0, len(pairs), size):
        batch = pairs[first : first + size]

        def job(batch: Sequence[tuple[Path, Path]] = batch) -> None:
            temps = [_temp(out) for _, out in batch]
            arguments: list[str] = []
            for wav_path, _ in batch:
                arguments += ["-i", str(wav_path)]
            for index, temp in enumerate(temps):
                arguments += ["-map", f"{index}:a", "-map_metadata", "-1", *CODECS[fmt]]
                arguments += ["-f", MUXERS[fmt], str(temp)]
            try:
                _run_ffmpeg(arguments, f"the {fmt} copies of the paragraphs")
                for temp, (_, out) in zip(temps, batch, strict=True):
                    temp.replace(out)
            finally:
                for temp in temps:
                    temp.unlink(missing_ok=True)

        tasks.append(job)
    return tasks


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


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's view of a file: format (duration, start_time, tags) and chapters."""
    require_ffmpeg("audio details")
    arguments = ["-show_format", "-show_chapters", "-show_streams"]
    data, _ = media.probe_json(path, arguments, "audio details")
    if not data:
        raise ReaderError(f"ffprobe cannot read {path.name}", EXIT_FAILURE)
    return data
