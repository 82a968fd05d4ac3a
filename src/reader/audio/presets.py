"""The loudness presets of ``reader render --loudness``, with nothing to import: every
command's parser offers them.

- ``speech`` (default): -18 LUFS integrated, true peak at most -1.5 dBTP.
- ``podcast``: -16 LUFS, true peak at most -1.5 dBTP.
- ``acx`` (Audible's ACX submission rules): RMS -20 dB (they ask -23 to -18), peaks at
  most -3 dB, 0.75 s of room tone before the first word and 1 s after the last.
- ``off``: the engine's own level, untouched.

Units: LUFS for loudness, dBTP for peaks, dB for RMS; seconds for room tone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Preset:
    """A loudness target: ``target`` is integrated loudness in LUFS (``by_rms`` False)
    or plain RMS in dB (``by_rms`` True); ``ceiling`` the highest true peak in dBTP;
    ``head``/``tail`` the silence before the first and after the last speech, seconds."""

    name: str
    target: float
    ceiling: float
    head: float
    tail: float
    by_rms: bool = False


PRESETS: dict[str, Preset] = {
    "speech": Preset("speech", -18.0, -1.5, head=0.5, tail=1.0),
    "podcast": Preset("podcast", -16.0, -1.5, head=0.25, tail=0.5),
    "acx": Preset("acx", -20.0, -3.0, head=0.75, tail=1.0, by_rms=True),
}
LOUDNESS_CHOICES = ("off", *PRESETS)
DEFAULT_LOUDNESS = "speech"
ACX_RMS_RANGE = (-23.0, -18.0)
