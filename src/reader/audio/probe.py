"""What a player will play: ffprobe's view of an encoded file, WAV lengths from their
headers, and the exact length of a gapless MP3 read from its own tag (no process).

Encoder delay, measured with ffmpeg 5.1 on 22.05 kHz mono speech:

- MP3 (libmp3lame): the muxer writes a Xing/LAME "Info" header that records the encoder
  delay (1105 samples, 50 ms here) and the end padding. ffmpeg's decoder drops both: the
  decoded audio has exactly the WAV's sample count and lines up with it at lag 0. ffprobe
  reports the delay as the stream's ``start_time`` and a ``duration`` that still counts the
  delay and padding (57 ms more than the WAV here), so the played length is
  ``duration - start_time`` (at most one frame, 26 ms at 22.05 kHz, of end padding left).
- AAC in MP4 (.m4a, .m4b): the muxer writes an edit list that skips the 1024 priming
  samples and ends at the WAV's length (to a few samples); decoded audio lines up at lag 0
  and ``duration`` is the WAV's. (Raw ADTS ``.aac`` has no edit list: it would play 46 ms
  late.)

ffprobe starts in about 0.1 s, longer than encoding a paragraph: a check that can read
a header instead does (:func:`wav_length`, :func:`exact_length`).

Units: durations in milliseconds (``float``); sample counts at the file's own rate.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reader.audio import mp3join
from reader.audio.formats import KINDS
from reader.errors import ReaderError
from reader.media import last_line, probe_json

# What a missing ffprobe is needed for, in its one-line error.
_NEEDS = "audio details"


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


def probe(path: Path) -> Probe:
    """Ask ffprobe for the codec, container, duration and start time of ``path``."""
    entries = "format=format_name,duration:stream=codec_name,start_time"
    arguments = ["-select_streams", "a:0", "-show_entries", entries]
    data, stderr = probe_json(path, arguments, _NEEDS)
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
            f"{path}: is not an audio file ffprobe can read ({last_line(stderr)})"
        ) from None


def probe_all(paths: Sequence[Path], workers: int | None = None) -> list[Probe]:
    """Probe several files in parallel."""
    if not paths:
        return []
    count = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=min(count, len(paths))) as pool:
        return list(pool.map(probe, paths))


def matches_format(found: Probe, fmt: str) -> bool:
    """Whether a probed file is the codec and container of format ``fmt``."""
    kind = KINDS[fmt]
    return found.codec == kind.codec and kind.container in found.container.split(",")


def exact_length(path: Path, fmt: str) -> tuple[int, int] | None:
    """``(sample_rate, samples)`` a decoder plays from ``path``, known without a process
    (a gapless MP3 of the kind the render cuts or ffmpeg encodes), else None."""
    return mp3join.gapless_length(path) if fmt == "mp3" else None


def wav_length(path: Path) -> tuple[int, int]:
    """``(sample_rate, frames)`` of a WAV file: read from its header for PCM, through
    ffprobe for other encodings (float WAVs)."""
    try:
        with wave.open(str(path), "rb") as handle:
            return handle.getframerate(), handle.getnframes()
    except (wave.Error, EOFError):
        pass
    entries = ["-select_streams", "a:0", "-show_entries", "stream=sample_rate,duration_ts"]
    data, stderr = probe_json(path, entries, _NEEDS)
    try:
        stream = data["streams"][0]
        return int(stream["sample_rate"]), int(stream["duration_ts"])
    except (KeyError, IndexError, TypeError, ValueError):
        raise ReaderError(
            f"{path}: is not a WAV file ffprobe can read ({last_line(stderr)})"
        ) from None
