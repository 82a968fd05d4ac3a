"""The ranges of the narration settings, shared by the renderer and the command line
(kept apart so building the command line imports nothing heavy).

Units: words per minute, eSpeak pitch 0-100, volume as a factor (1.0 normal).
"""

from __future__ import annotations

# eSpeak's own floor; above 430 wpm its fast mode (libsonic) puts word events hundreds of
# ms off (espeak-ng PR 2470), so faster rates are time-stretched instead.
MIN_RATE_WPM = 80
MAX_ENGINE_RATE_WPM = 430
MAX_RATE_WPM = 1200  # a 2.8x time-stretch of eSpeak's fastest exact rate
MAX_PITCH = 100
MAX_VOLUME = 2.0
MAX_JOBS = 64
