"""How to speak (``NarrationSettings``) and one text spoken into the cache.

Both the renderer (on its own thread) and the worker processes import this module, so
neither imports the other. Any registered engine can speak: the voice names it
(``engine:id``, see :mod:`reader.narration.engines`).

Units: rates in words per minute, pitch 0-100, volume as a factor (1.0 normal); mark
positions are sample indices into the audio stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.cache import NarrationCache
from reader.narration.engines import engine_for, exact_rate, split_voice
from reader.narration.engines.port import SpeechEngine, SpeechRequest, SynthesisResult, WordMark
from reader.narration.limits import (
    DEFAULT_RATE_WPM,
    MAX_PITCH,
    MAX_RATE_WPM,
    MAX_VOLUME,
    MIN_RATE_WPM,
)


@dataclass(frozen=True, slots=True)
class NarrationSettings:
    """How to speak: the voice (``engine:id``, a bare eSpeak id, or None for the default
    engine's default voice), words per minute, pitch 0-100 (50 normal) and volume factor
    0-2 (1.0 normal)."""

    voice: str | None = None
    rate_wpm: int = DEFAULT_RATE_WPM
    pitch: int = 50
    volume: float = 1.0

    def __post_init__(self) -> None:
        if not MIN_RATE_WPM <= self.rate_wpm <= MAX_RATE_WPM:
            raise ReaderError(
                f"rate {self.rate_wpm} is out of range ({MIN_RATE_WPM} to {MAX_RATE_WPM} wpm)"
            )
        if not 0 <= self.pitch <= MAX_PITCH:
            raise ReaderError(f"pitch {self.pitch} is out of range (0 to {MAX_PITCH})")
        if not 0.0 < self.volume <= MAX_VOLUME:
            raise ReaderError(f"volume {self.volume} is out of range (above 0, up to 2.0)")
        split_voice(self.voice)  # an unknown engine is refused here, in one line

    @property
    def engine_name(self) -> str:
        """The name of the engine that speaks."""
        return split_voice(self.voice)[0]

    @property
    def engine_rate(self) -> int:
        """The rate the engine speaks at: the nearest inside its exact range."""
        return exact_rate(self.voice, self.rate_wpm)

    @property
    def stretch(self) -> float:
        """How much faster than the engine the audio is played (1.0: not stretched)."""
        return self.rate_wpm / self.engine_rate

    @property
    def engine_volume(self) -> int:
        """Volume in percent (100 normal), as the cache key records it."""
        return round(self.volume * 100)

    def as_list(self) -> list[object]:
        """The settings as the worker protocol carries them (JSON)."""
        return [self.voice, self.rate_wpm, self.pitch, self.volume]


def engine_request(settings: NarrationSettings) -> tuple[SpeechEngine, SpeechRequest]:
    """The engine that speaks with ``settings`` and what it is asked (the rate inside its
    exact range)."""
    engine, voice = engine_for(settings.voice)
    return engine, SpeechRequest(voice, settings.engine_rate, settings.pitch, settings.volume)


def speak(text: str, settings: NarrationSettings) -> SynthesisResult:
    """Synthesise ``text`` into memory with the engine the voice names.

    Runs in a worker process, on the caller's thread or on a cluster worker. Rates outside
    the engine's exact range are spoken at the nearest exact rate and time-stretched, with
    the mark positions scaled to the stretched audio.
    """
    engine, request = engine_request(settings)
    result = engine.synthesise(text, request)
    pcm, marks = result.pcm, result.marks
    if not pcm:
        raise ReaderError("the engine produced no audio", EXIT_FAILURE)
    if settings.stretch != 1.0:
        from reader.audio.encode import time_stretch

        stretched = time_stretch(pcm, result.sample_rate, settings.stretch)
        scale = (len(stretched) // 2) / result.sample_count
        marks = tuple(
            WordMark(m.kind, m.char_start, m.char_length, int(m.sample * scale)) for m in marks
        )
        pcm = stretched
        if not pcm:
            raise ReaderError("time-stretching produced no audio", EXIT_FAILURE)
    return SynthesisResult(pcm, result.sample_rate, marks)


def synthesise_into_cache(text: str, settings: NarrationSettings, root: str, key: str) -> int:
    """Synthesise ``text`` (see :func:`speak`) and store it under ``key``; returns the
    samples synthesised."""
    result = speak(text, settings)
    NarrationCache(Path(root)).store(key, result.pcm, result.sample_rate, result.marks)
    return result.sample_count
