"""Loudness measurement: ITU-R BS.1770-4 / EBU R128 integrated loudness, loudness range
and true peak from ffmpeg's ``ebur128`` filter (``peak=true``), with the plain RMS and
sample peak that ACX checks (``astats``'s figures) counted in-process on the audio streamed
to ffmpeg, in one pass. The presets it aims at are in :mod:`reader.audio.presets`.

Units: LUFS and LU for loudness, dBTP/dBFS for peaks, dB for RMS; seconds for room tone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from reader.audio.formats import WAV_HINT
from reader.audio.presets import (
    ACX_RMS_RANGE,
    DEFAULT_LOUDNESS,
    LOUDNESS_CHOICES,
    PRESETS,
    Preset,
)
from reader.audio.stream import Parts, parts_seconds, stream_pcm
from reader.errors import EXIT_FAILURE, ReaderError
from reader.media import deadline, feed, last_line

if TYPE_CHECKING:
    from reader.audio.tally import Tally

__all__ = [
    "ACX_RMS_RANGE",
    "DEFAULT_LOUDNESS",
    "LOUDNESS_CHOICES",
    "PRESETS",
    "Measurement",
    "Preset",
    "gain_db",
    "limiter_ceiling",
    "measure",
    "measure_stream",
    "parse",
]

# The limiter aims this far under the ceiling: lossy encoders overshoot the PCM's true
# peak (measured on eSpeak speech at 48 kbit/s: MP3 -0.3 dB, AAC +0.3 dB, Vorbis +1.1 dB).
ENCODER_MARGIN_DB = 1.5
MAX_GAIN_DB = 30.0
SILENCE_LUFS = -70.0


@dataclass(frozen=True, slots=True)
class Measurement:
    """What ffmpeg measured: integrated loudness (LUFS), true peak (dBTP), loudness range
    (LU), RMS (dB) and sample peak (dBFS); ``-inf`` for silence."""

    integrated: float
    true_peak: float
    lra: float
    rms: float
    peak: float

    def level(self, preset: Preset) -> float:
        """The figure ``preset`` aims at (integrated loudness, or RMS for ACX)."""
        return self.rms if preset.by_rms else self.integrated

    def describe(self, preset: Preset | None = None) -> str:
        """For the summary line: ``-18.0 LUFS, true peak -2.6 dBTP, LRA 3.1 LU``."""
        text = (
            f"{self.integrated:.1f} LUFS, true peak {self.true_peak:.1f} dBTP, "
            f"LRA {self.lra:.1f} LU"
        )
        if preset is not None and preset.by_rms:
            text += f", RMS {self.rms:.1f} dB, peak {self.peak:.1f} dBFS"
        return text


_FIGURES = {
    "integrated": r"I:\s+(\S+) LUFS",
    "lra": r"LRA:\s+(\S+) LU",
    "true_peak": r"(?:True|Sample) peak:\s+Peak:\s+(\S+) dBFS",
    "peak": r"Overall.*?Peak level dB:\s+(\S+)",
    "rms": r"Overall.*?RMS level dB:\s+(\S+)",
}


def parse(stderr: str) -> Measurement:
    """The figures in ffmpeg's log of ``ebur128`` and ``astats`` (how the tests measure a
    file on their own)."""
    return Measurement(**_figures(stderr, _FIGURES))


def _figures(log: str, names: Iterable[str]) -> dict[str, float]:
    """The ``names`` figures in ffmpeg's ``log``: ebur128's from its summary at the end."""
    summary = log[log.rfind("Summary:") :]
    values: dict[str, float] = {}
    for name in names:
        text = summary if name in ("integrated", "lra", "true_peak") else log
        found = re.search(_FIGURES[name], text, re.DOTALL)
        if found is None:
            raise ReaderError(f"ffmpeg did not report the {name} level", EXIT_FAILURE)
        values[name] = float(found.group(1))  # float() reads "-inf" too
    return values


def measure(parts: Parts, sample_rate: int, *, true_peak: bool = True) -> Measurement:
    """Measure the audio of ``parts`` (streamed, never held in memory). Without
    ``true_peak`` the true-peak figure is the sample peak (four times faster)."""
    seconds = parts_seconds(parts, sample_rate)
    return measure_stream(
        lambda tally: stream_pcm(parts, tally), seconds, sample_rate, true_peak=true_peak
    )


def measure_stream(
    write: Callable[[Tally], None], seconds: float, sample_rate: int, *, true_peak: bool
) -> Measurement:
    """Measure the 16-bit mono PCM that ``write`` passes to the :class:`Tally` it is given
    (``seconds`` long): integrated loudness, loudness range and (with ``true_peak``) true
    peak from ffmpeg's ``ebur128``; RMS and sample peak counted on the way."""
    peak = "true" if true_peak else "sample"
    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    # The summary is logged at the "info" level, which the usual QUIET hides;
    # framelog=verbose keeps the ten lines a second of momentary loudness out of the log.
    arguments = ["-loglevel", "info", "-hide_banner", "-nostats", *raw]
    arguments += ["-af", f"ebur128=peak={peak}:framelog=verbose", "-f", "null", "-"]
    from reader.audio.tally import Tally  # numpy: not for every command's parser

    what = "the loudness of the narration"
    tallies: list[Tally] = []

    def fill(sink: IO[bytes]) -> None:
        tallies.append(Tally(sink))
        write(tallies[0])

    code, stderr = feed("ffmpeg", arguments, what, fill, timeout=deadline(seconds), hint=WAV_HINT)
    if code != 0 or not tallies:
        detail = last_line(stderr, f"exit status {code}")
        raise ReaderError(f"ffmpeg could not measure {what}: {detail}", EXIT_FAILURE)
    values = _figures(stderr.decode("utf-8", "replace"), ("integrated", "lra", "true_peak"))
    return Measurement(rms=tallies[0].rms, peak=tallies[0].peak, **values)


def gain_db(preset: Preset, measured: Measurement) -> float:
    """The one gain, in dB, that brings the whole document to ``preset``'s target (0 for
    silence, which has no level to correct)."""
    level = measured.level(preset)
    if math.isnan(level) or level <= SILENCE_LUFS:
        return 0.0  # silence (ebur128 gates everything under -70 LUFS): nothing to correct
    # Near-silence (ebur128 says -70 LUFS) is not raised into audible noise.
    return max(-MAX_GAIN_DB, min(MAX_GAIN_DB, preset.target - level))


def limiter_ceiling(preset: Preset) -> float:
    """The limiter's true-peak ceiling, linear (full scale 1.0), under the preset's by
    the encoders' overshoot."""
    return float(10 ** ((preset.ceiling - ENCODER_MARGIN_DB) / 20))
