"""Assembling long audio by streaming: the full-length WAV is written block by block from
the paragraph files, and the encoders get the same blocks on their input pipe, so memory
does not grow with the book. The full-length MP3 can be encoded in chunks on parallel
encoders and joined frame by frame (see ``mp3join``).

Every file is written under a temporary name and renamed when complete
(:mod:`reader.atomic`); every encoder runs under a deadline in proportion to its audio.

Units: sample counts at the paragraphs' sample rate (mono, 16-bit PCM); ``Parts`` silences
are samples; chapter times in the FFMETADATA text are milliseconds.
"""

from __future__ import annotations

import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from reader.atomic import atomic_path
from reader.audio import mp3join
from reader.audio.encode import ffmpeg_failed, run_parallel
from reader.audio.formats import DEFAULT_PROFILE, KINDS, PROFILES, WAV_HINT
from reader.audio.wavfile import WavWriter
from reader.media import deadline, feed

CHUNK_FRAMES = 1 << 16


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the full-length files carry besides audio and chapters: ``tags`` for every
    format, ``m4b_tags`` for the M4B alone (its media kind), and the ``cover`` picture
    (PNG or JPEG) embedded as ID3 APIC, MP4 ``covr`` and Vorbis METADATA_BLOCK_PICTURE."""

    tags: tuple[tuple[str, str], ...] = ()
    m4b_tags: tuple[tuple[str, str], ...] = ()
    cover: Path | None = None
    profile: str = DEFAULT_PROFILE

    def codec_options(self, fmt: str) -> tuple[str, ...]:
        """The profile's codec options for ``fmt``, after the format's own."""
        return PROFILES[self.profile].get(fmt, ())

    @property
    def resamples(self) -> bool:
        """Whether the encoded files have another sample rate than the paragraphs."""
        return bool(PROFILES[self.profile])

    def metadata(self, text: str, fmt: str) -> str:
        """FFMETADATA ``text`` with these tags added to its global section."""
        tags = list(self.tags) + (list(self.m4b_tags) if fmt == "m4b" else [])
        if self.cover is not None and fmt == "ogg":
            from reader.audio.cover import picture_block

            tags.append(("METADATA_BLOCK_PICTURE", picture_block(self.cover)))
        if fmt == "ogg":
            # ffmpeg writes the "comment" tag as Vorbis DESCRIPTION, over "description".
            tags = [("comment" if key == "description" else key, value) for key, value in tags]
        lines = "".join(f"{key}={_escape(value)}\n" for key, value in tags if value)
        # After the global tags already there (the later of two equal keys wins), before
        # the first chapter.
        at = text.find("[CHAPTER]")
        at = len(text) if at < 0 else at
        return text[:at] + lines + text[at:]

    def inputs(self, fmt: str, index: int) -> list[str]:
        """ffmpeg arguments that add the cover as input ``index`` and map it (MP3, M4B)."""
        if self.cover is None or fmt not in ("mp3", "m4b"):
            return []
        arguments = ["-i", str(self.cover), "-map", f"{index}:v", "-c:v", "copy"]
        arguments += ["-disposition:v", "attached_pic"]
        if fmt == "mp3":  # ID3 APIC picture type 3, "Cover (front)"
            arguments += ["-metadata:s:v", "comment=Cover (front)"]
        return arguments


def _escape(value: str) -> str:
    """An FFMETADATA value: ``=``, ``;``, ``#``, ``\\`` and newlines escaped."""
    for char in "\\=;#\n":
        value = value.replace(char, "\\" + char)
    return value


Parts = Sequence[tuple[Path | None, int]]
"""Audio in order: ``(wav_path, 0)`` for a file, ``(None, n)`` for n samples of silence."""


def parts_seconds(parts: Parts, sample_rate: int) -> float:
    """About how long ``parts`` play (WAV sizes and silences; nothing is read)."""
    samples = 0
    for wav_path, silence in parts:
        if wav_path is None:
            samples += silence
        else:
            try:
                samples += wav_path.stat().st_size // 2
            except OSError:
                continue  # the reader of the file names it
    return samples / sample_rate


def write_full_wav(parts: Parts, sample_rate: int, out: Path) -> int:
    """Join the parts into ``out`` by streaming; returns the samples written. Needs no
    ffmpeg."""
    total = 0
    # RF64 past 4 GiB (about 27 hours at 22.05 kHz), which a plain RIFF header cannot hold.
    with atomic_path(out) as temp, WavWriter(temp, sample_rate) as sink:
        for wav_path, silence in parts:
            if wav_path is None:
                for start in range(0, silence, CHUNK_FRAMES):
                    sink.write(b"\0\0" * min(CHUNK_FRAMES, silence - start))
                total += silence
                continue
            with wave.open(str(wav_path), "rb") as source:
                while frames := source.readframes(CHUNK_FRAMES):
                    sink.write(frames)
                    total += len(frames) // 2
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
    delivery: Delivery = Delivery(),
) -> Callable[[], None]:
    """A job that encodes the full-length ``out`` with chapters and tags from
    ``metadata`` (FFMETADATA text) and what ``delivery`` adds."""
    meta_path = _metadata_file(workdir, fmt, delivery.metadata(metadata, fmt))
    kind = KINDS[fmt]

    def job() -> None:
        with atomic_path(out) as temp:
            arguments = ["-i", str(meta_path), *delivery.inputs(fmt, 2), "-map", "0:a"]
            arguments += ["-map_metadata", "1", "-map_chapters", "1"]
            arguments += [*kind.options, *delivery.codec_options(fmt), *options]
            arguments += ["-f", kind.muxer]
            _encode_stream(parts, sample_rate, [*arguments, str(temp)], out.name)

    return job


def encode_mp3_chunks_task(
    chunks: Sequence[tuple[Parts, int]],
    sample_rate: int,
    out: Path,
    *,
    metadata: str,
    workdir: Path,
    samples: int,
    workers: int = 0,
    delivery: Delivery = Delivery(),
) -> Callable[[], None]:
    """A job that encodes the full-length MP3 as ``chunks`` on parallel encoders (the
    parts of each, and how many of its frames to keep: see ``mp3join.join_chunks``), joins
    their frames and adds tags, chapters and the gapless fields of one encode; ``workers``
    encoders at a time (0: all at once)."""
    meta_path = _metadata_file(workdir, "mp3", delivery.metadata(metadata, "mp3"))

    def encode(index: int, parts: Parts) -> None:
        # The first chunk carries the tags and all the chapters (ffmpeg writes them in the
        # ID3 header without looking at the duration), so the joined file needs no remux.
        tags = ["-i", str(meta_path), *delivery.inputs("mp3", 2), "-map", "0:a"]
        tags += ["-map_metadata", "1", "-map_chapters", "1"]
        options = tags if index == 0 else ["-map_metadata", "-1"]
        options += [*KINDS["mp3"].options, "-reservoir", "0", "-f", "mp3"]
        target = str(workdir / f"chunk-{index}.mp3")
        _encode_stream(parts, sample_rate, [*options, target], out.name)

    def job() -> None:
        run_parallel(
            [partial(encode, i, parts) for i, (parts, _) in enumerate(chunks)],
            workers or len(chunks),
        )
        with atomic_path(out) as temp:
            mp3join.join_chunks(
                [(workdir / f"chunk-{i}.mp3", keep) for i, (_, keep) in enumerate(chunks)],
                temp,
            )
            mp3join.retag(temp, samples)

    return job


def _encode_stream(parts: Parts, sample_rate: int, arguments: list[str], what: str) -> None:
    """Run ffmpeg with the parts' PCM on its input (``arguments`` name the outputs). The
    audio is streamed from the paragraph files: ffmpeg's concat demuxer costs half as much
    CPU again as the MP3 encoder, probing every file."""
    # With a second input (the metadata) ffmpeg reads the pipe on a thread and sleeps 10 ms
    # whenever its packet queue runs dry; a deep queue keeps the encoder fed (1.7x faster).
    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-thread_queue_size", "4096"]
    raw += ["-i", "pipe:0"]
    seconds = deadline(parts_seconds(parts, sample_rate))
    code, stderr = feed(
        "ffmpeg",
        ["-y", *raw, *arguments],
        what,
        partial(stream_pcm, parts),
        timeout=seconds,
        hint=WAV_HINT,
    )
    if code != 0:
        ffmpeg_failed(stderr, code, what)


class Sink(Protocol):
    """Where PCM goes: a pipe, a file, or anything else that takes bytes."""

    def write(self, data: bytes, /) -> object:
        """Take ``data``."""


def stream_pcm(parts: Parts, sink: Sink) -> None:
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
