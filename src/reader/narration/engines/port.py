"""The engine port: what every speech engine offers the rest of the reader.

An engine is one module in :mod:`reader.narration.engines` exposing ``ENGINE``, an object
that satisfies :class:`SpeechEngine`. Nothing outside that module imports the engine's own
library (pyttsx3, piper, onnxruntime); everything else speaks the types below.

Units: audio is mono signed 16-bit little-endian PCM at ``SynthesisResult.sample_rate``;
``WordMark.sample`` is a sample index into that audio; ``char_start``/``char_length`` are
0-based code-point offsets into the text passed to ``synthesise``. Rates are words per
minute; pitch is 0-100 (50 normal); volume is a factor (1.0 normal, at most 2.0).

Importing this module loads nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

MarkKind = Literal["word", "sentence"]


@dataclass(frozen=True, slots=True)
class WordMark:
    """Where the engine says a word (or a sentence) of the text starts in its audio."""

    kind: MarkKind
    char_start: int
    char_length: int
    sample: int


@dataclass(frozen=True, slots=True)
class SynthesisResult:
    """Raw engine output for one text: PCM bytes and the marks within it."""

    pcm: bytes
    sample_rate: int
    marks: tuple[WordMark, ...]

    @property
    def sample_count(self) -> int:
        """Samples (mono frames) in ``pcm``."""
        return len(self.pcm) // 2


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    """An installed voice. ``id`` is the engine-local id; ``qualified_id`` is what
    ``--voice`` takes (``espeak:en-us``, ``piper:en_US-joe-medium``)."""

    engine: str
    id: str
    name: str
    language: str
    quality: str = ""  # a few words for people: "natural", "robotic, very fast"

    @property
    def qualified_id(self) -> str:
        """``engine:id``."""
        return f"{self.engine}:{self.id}"


@dataclass(frozen=True, slots=True)
class EngineCapabilities:
    """What an engine can do; the CLI, settings and UI take their ranges from here."""

    name: str
    sample_rate: int
    min_rate_wpm: int
    max_exact_rate_wpm: int  # faster rates are time-stretched by the renderer
    default_rate_wpm: int
    has_pitch: bool
    exact_word_marks: bool
    own_process: bool  # must run in its own process (not re-entrant, global state)
    default_voice: str  # engine-local id
    natural: bool = False  # voices that sound human (neural): listed first in the chooser


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    """How one text is to be spoken, in the engine's exact range (the renderer clamps
    the rate to ``max_exact_rate_wpm`` and time-stretches the rest)."""

    voice: str  # engine-local id
    rate_wpm: int
    pitch: int = 50
    volume: float = 1.0


@runtime_checkable
class SpeechEngine(Protocol):
    """A speech engine. Implementations must make ``synthesise`` depend only on its
    arguments (not on what was spoken before), so renders are reproducible."""

    @property
    def capabilities(self) -> EngineCapabilities:
        """The engine's limits and defaults (cheap: no model or library loaded)."""
        ...

    def version(self) -> str:
        """A string that changes whenever the engine's output could change (cache key)."""
        ...

    def available(self) -> str | None:
        """None when the engine can run here, else one line saying what to install."""
        ...

    def voices(self) -> list[VoiceInfo]:
        """The installed voices, sorted by id."""
        ...

    def check_voice(self, voice: str) -> None:
        """Raise ``ReaderError`` unless ``voice`` (engine-local id) can be used."""
        ...

    def synthesise(self, text: str, request: SpeechRequest) -> SynthesisResult:
        """Speak ``text`` into memory; nothing printed; raises ``ReaderError`` on failure."""
        ...
