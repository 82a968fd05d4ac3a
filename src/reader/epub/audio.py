"""Paragraph audio for EPUB books: encoding WAVs with ffmpeg and probing what a reading
system will play (the only module of :mod:`reader.epub` that runs ffmpeg or ffprobe).

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
  ends at the WAV's length; decoded audio lines up at lag 0 and ``duration`` is the WAV's.

Clip times in the overlays are therefore the sync maps' times unchanged: no offset is added.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reader.errors import EXIT_FAILURE, ReaderError

AudioFormat = Literal["mp3", "aac"]
# Mono speech at the engine's 22.05 kHz: 48 kb/s keeps eSpeak's voice clean in both codecs.
BITRATE = "48k"


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


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ReaderError(
            f"{name} not found; EPUB audio needs it (install it with: sudo apt-get install ffmpeg)",
            EXIT_FAILURE,
        )
    return found


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def encode(wav: Path, out: Path, audio_format: AudioFormat) -> Path:
    """Encode one WAV into ``out`` (MP3 or AAC in MP4) and return ``out``."""
    kind = KINDS[audio_format]
    command = [
        _tool("ffmpeg"),
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav)),
        # One thread per process: the caller runs one process per core.
        *("-vn", "-map_metadata", "-1", "-threads", "1", *kind.encoder, "-b:a", BITRATE),
        str(out),
    ]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not out.is_file():
        raise ReaderError(
            f"{wav}: ffmpeg could not encode it to {audio_format} ({_last_line(result.stderr)})",
            EXIT_FAILURE,
        )
    return out


def probe(path: Path) -> Probe:
    """Ask ffprobe for the codec, container, duration and start time of ``path``."""
    command = [
        _tool("ffprobe"),
        *("-v", "error", "-print_format", "json", "-select_streams", "a:0"),
        *("-show_entries", "format=format_name,duration:stream=codec_name,start_time"),
        str(path),
    ]
    result = subprocess.run(command, capture_output=True, check=False)
    try:
        data = json.loads(result.stdout or b"{}")
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
            f"{path}: is not an audio file ffprobe can read ({_last_line(result.stderr)})"
        ) from None


def matches_format(found: Probe, audio_format: AudioFormat) -> bool:
    """Whether a probed file is the codec and container the book declares."""
    kind = KINDS[audio_format]
    return found.codec == kind.codec and kind.container in found.container.split(",")


def encode_all(
    jobs: Sequence[tuple[Path, Path]], audio_format: AudioFormat, workers: int | None = None
) -> list[Probe]:
    """Encode ``(wav, out)`` pairs in parallel (one ffmpeg per core) and probe each result."""

    def one(job: tuple[Path, Path]) -> Probe:
        return probe(encode(job[0], job[1], audio_format))

    if not jobs:
        return []
    count = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=min(count, len(jobs))) as pool:
        return list(pool.map(one, jobs))


def probe_all(paths: Sequence[Path], workers: int | None = None) -> list[Probe]:
    """Probe several files in parallel."""
    if not paths:
        return []
    count = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=min(count, len(paths))) as pool:
        return list(pool.map(probe, paths))
