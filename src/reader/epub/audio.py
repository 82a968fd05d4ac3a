"""Paragraph audio for EPUB books: encoding WAVs with ffmpeg and probing what a reading
system will play (the only module of :mod:`reader.epub` that calls ffmpeg or ffprobe, through
:mod:`reader.media`; the encoder settings live here).

Units: durations are milliseconds (``float``); sample counts and rates come from the sync
maps. ``played_ms`` is ffprobe's container duration minus the stream's start time.

Encoder delay, measured with ffmpeg 5.1 on 22.05 kHz mono speech:

- MP3 (libmp3lame): the muxer writes a Xing/LAME "Info" header that records the encoder
  delay (1105 samples, 50 ms here) and the end padding. ffmpeg's decoder drops both: the
  decoded audio has exactly the WAV's sample count and lines up with it at lag 0. ffprobe
  reports the delay as the stream's ``start_time`` and a ``duration`` that still counts the
  delay and padding (57 ms more than the WAV here), so the played length is
  ``duration - start_time`` (at most one frame, 26 ms at 22.05 kHz, of end padding left).
- AAC in MP4 (.m4a): the muxer writes an edit list that skips the 1024 priming samples and
  ends at the WAV's length (to a few samples); decoded audio lines up at lag 0 and
  ``duration`` is the WAV's. (Raw ADTS ``.aac`` has no edit list: it would play 46 ms late.)

Clip times in the overlays are therefore the sync maps' times unchanged: no offset is added.
The tests decode both formats and check the alignment and ffprobe's played length.

What a build checks: a WAV it encodes must have exactly its sync map's rate and sample count
(read from the header, no process); a file the caller supplies is probed with ffprobe (its
codec, container, and played length within 30 ms). Probing every encoded file as well took
longer than encoding them (ffprobe starts in about 0.1 s).
"""

from __future__ import annotations

import os
import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reader import media
from reader.errors import EXIT_FAILURE, ReaderError

AudioFormat = Literal["mp3", "aac"]
# Mono speech at the engine's 22.05 kHz: 48 kb/s keeps eSpeak's voice clean in both codecs.
BITRATE = "48k"
# Files per ffmpeg process: enough to pay for its start-up, few enough to spread the work.
BATCH = 16
# What a missing ffmpeg/ffprobe is needed for, in its one-line error.
_NEEDS = "EPUB audio"


@dataclass(frozen=True, slots=True)
class AudioKind:
    """How one audio format is written and recognised."""

    suffix: str
    media_type: str
    codec: str
    container: str
    encoder: tuple[str, ...]


KINDS: dict[str, AudioKind] = {
    "mp3": AudioKind(".mp3", "audio/mpeg", "mp3", "mp3", ("-c:a", "libmp3lame", "-f", "mp3")),
    # The muxer is named, never guessed from the suffix: raw ADTS (".aac") has no edit list
    # and plays 1024 samples (46 ms) late. The "fast" coder encodes speech 4x faster than
    # "twoloop" for a few per cent more bytes; "+faststart" lets playback start at once.
    "aac": AudioKind(
        ".m4a",
        "audio/mp4",
        "aac",
        "mov",
        ("-c:a", "aac", "-aac_coder", "fast", "-movflags", "+faststart", "-f", "mp4"),
    ),
}


@dataclass(frozen=True, slots=True)
class Probe:
    """What ffprobe says about one audio file."""

    codec: str
    container: str
    duration_ms: float
    start_ms: float

    @property
    def played_ms(self) -> float:
        """The length a decoder plays: the container duration less the skipped delay."""
        return self.duration_ms - self.start_ms


def _outputs(jobs: Sequence[tuple[Path, Path]], audio_format: AudioFormat) -> list[str]:
    kind = KINDS[audio_format]
    arguments = []
    for number, (_, out) in enumerate(jobs):
        # One thread per output: the caller runs one process per core.
        arguments += ["-map", f"{number}:a:0", "-map_metadata", "-1", "-threads", "1"]
        arguments += [*kind.encoder, "-b:a", BITRATE, str(out)]
    return arguments


def _run_ffmpeg(jobs: Sequence[tuple[Path, Path]], audio_format: AudioFormat) -> bytes | None:
    """Encode every ``(wav, out)`` pair in one ffmpeg process; stderr on failure."""
    inputs = [argument for wav, _ in jobs for argument in ("-i", str(wav))]
    result = media.run("ffmpeg", ["-y", *inputs, *_outputs(jobs, audio_format)], _NEEDS)
    if result.returncode != 0 or not all(out.is_file() for _, out in jobs):
        return result.stderr or b"no output"
    return None


def encode(wav: Path, out: Path, audio_format: AudioFormat) -> Path:
    """Encode one WAV into ``out`` as MP3 or as AAC in MP4 (never guessed from the suffix)."""
    failure = _run_ffmpeg([(wav, out)], audio_format)
    if failure is not None:
        raise ReaderError(
            f"{wav}: ffmpeg could not encode it to {audio_format} ({media.last_line(failure)})",
            EXIT_FAILURE,
        )
    return out


def _encode_batch(jobs: Sequence[tuple[Path, Path]], audio_format: AudioFormat) -> None:
    """Several files per ffmpeg process: starting ffmpeg costs more than encoding a short
    paragraph. When the batch fails, each file is tried alone to name the culprit."""
    if _run_ffmpeg(jobs, audio_format) is not None:
        for wav, out in jobs:
            encode(wav, out, audio_format)


def probe(path: Path) -> Probe:
    """Ask ffprobe for the codec, container, duration and start time of ``path``."""
    entries = "format=format_name,duration:stream=codec_name,start_time"
    arguments = ["-select_streams", "a:0", "-show_entries", entries]
    data, stderr = media.probe_json(path, arguments, _NEEDS)
    try:
        stream = data["streams"][0]
        fmt = data["format"]
        start = stream.get("start_time", "0")
        return Probe(
            codec=str(stream["codec_name"]),
            container=str(fmt["format_name"]),
            duration_ms=float(fmt["duration"]) * 1000.0,
            start_ms=float(start) * 1000.0 if start not in ("N/A", None) else 0.0,
        )
    except (KeyError, IndexError, TypeError, ValueError):
        raise ReaderError(
            f"{path}: is not an audio file ffprobe can read ({media.last_line(stderr)})"
        ) from None


def matches_format(found: Probe, audio_format: AudioFormat) -> bool:
    """Whether a probed file is the codec and container the book declares."""
    kind = KINDS[audio_format]
    return found.codec == kind.codec and kind.container in found.container.split(",")


def encode_all(
    jobs: Sequence[tuple[Path, Path]], audio_format: AudioFormat, workers: int | None = None
) -> None:
    """Encode ``(wav, out)`` pairs: batches of up to :data:`BATCH` files per ffmpeg, one
    process per core."""
    if not jobs:
        return
    count = min(workers or os.cpu_count() or 1, len(jobs))
    size = min(BATCH, -(-len(jobs) // count))
    batches = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(lambda batch: _encode_batch(batch, audio_format), batches))


def wav_length(path: Path) -> tuple[int, int]:
    """``(sample_rate, frames)`` of a WAV file: read from its header for PCM, through
    ffprobe for other encodings (float WAVs)."""
    try:
        with wave.open(str(path), "rb") as handle:
            return handle.getframerate(), handle.getnframes()
    except (wave.Error, EOFError):
        pass
    entries = ["-select_streams", "a:0", "-show_entries", "stream=sample_rate,duration_ts"]
    data, stderr = media.probe_json(path, entries, _NEEDS)
    try:
        stream = data["streams"][0]
        return int(stream["sample_rate"]), int(stream["duration_ts"])
    except (KeyError, IndexError, TypeError, ValueError):
        raise ReaderError(
            f"{path}: is not a WAV file ffprobe can read ({media.last_line(stderr)})"
        ) from None


def probe_all(paths: Sequence[Path], workers: int | None = None) -> list[Probe]:
    """Probe several files in parallel."""
    if not paths:
        return []
    count = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=min(count, len(paths))) as pool:
        return list(pool.map(probe, paths))
