"""Where ``time_stretch`` used to live. The audio back end is :mod:`reader.audio`;
this name stays only for ``reader.narration.renderer`` (engine-port branch), which imports
``time_stretch`` from here: delete this module once it imports
``reader.audio.encode.time_stretch`` instead.

Units: as in :mod:`reader.audio.encode`.
"""

from __future__ import annotations

from reader.audio.encode import time_stretch

__all__ = ["time_stretch"]
