"""The ranges of the narration settings: the one source the renderer, the command line, the
settings file and the terminal UI take them from (kept apart so building the command line
imports nothing heavy).

Units: words per minute, pitch 0-100, volume as a factor (1.0 normal).
"""

from __future__ import annotations

# Every engine accepts this range: rates outside an engine's exact range
# (``EngineCapabilities.min_rate_wpm``..``max_exact_rate_wpm``, 80..430 for eSpeak) are
# spoken at its nearest exact rate and time-stretched, never eSpeak's fast mode, which puts
# word events hundreds of ms off from 450 wpm (espeak-ng PR 2470).
MIN_RATE_WPM = 80
MAX_RATE_WPM = 1200  # a 2.8x time-stretch of eSpeak's fastest exact rate
DEFAULT_RATE_WPM = 175
MAX_PITCH = 100
MAX_VOLUME = 2.0
MAX_JOBS = 64
