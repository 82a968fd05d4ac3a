"""The eSpeak NG adapter: the only module that imports pyttsx3.

pyttsx3's espeak driver drops the sample position of every word event (ENGINE-NOTES), so we
drive the same ctypes binding it ships (``pyttsx3.drivers._espeak``) ourselves, in eSpeak's
synchronous output mode: synthesis runs on the calling thread and every callback brings the
audio with the events that carry their exact ``sample`` index.

Units: audio is mono signed 16-bit little-endian PCM at ``sample_rate`` Hz; event positions
are sample indices into that audio; ``char_start``/``char_length`` are 0-based code-point
offsets into the text passed in (eSpeak reports 1-based code points for UTF-8 input).

eSpeak initialises once per process and is not re-entrant: one lock guards it, and
parallelism means worker processes (see ``renderer``).
"""

from __future__ import annotations

import ctypes
import functools
import threading
from dataclasses import dataclass
from typing import Any

from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.limits import MAX_ENGINE_RATE_WPM, MIN_RATE_WPM

SYNTH_FORMAT = "reader-espeak-1"

_MISSING = (
    "the eSpeak NG library (libespeak-ng.so.1) is missing; install the Debian package "
    "libespeak-ng1 (apt install espeak-ng)"
)


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """A word or sentence start reported by eSpeak."""

    kind: str  # "word" or "sentence"
    char_start: int
    char_length: int
    sample: int


@dataclass(frozen=True, slots=True)
class Synthesis:
    """Raw engine output for one text: PCM bytes and the events within it."""

    pcm: bytes
    sample_rate: int
    events: tuple[EngineEvent, ...]

    @property
    def sample_count(self) -> int:
        """Samples (mono frames) in ``pcm``."""
        return len(self.pcm) // 2


@dataclass(frozen=True, slots=True)
class Voice:
    """An installed voice: ``id`` is what ``--voice`` takes."""

    id: str
    name: str
    language: str


def _binding() -> Any:
    """pyttsx3's ctypes binding to libespeak-ng, or a clear error when the library is absent."""
    try:
        from pyttsx3.drivers import _espeak
    except ImportError as error:
        raise ReaderError(f"pyttsx3 is not installed ({error})", EXIT_FAILURE) from None
    except (OSError, RuntimeError):
        raise ReaderError(_MISSING, EXIT_FAILURE) from None
    return _espeak


class _Engine:
    """The process-wide eSpeak state: initialised on first use, then reused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.binding: Any = None
        self.sample_rate = 0
        self._pcm: list[bytes] = []
        self._events: list[EngineEvent] = []
        self._callback: Any = None
        self._settings: tuple[str | None, int, int, int] | None = None

    def start(self) -> Any:
        if self.binding is not None:
            return self.binding
        espeak = _binding()
        rate = espeak.Initialize(espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000, None, 0)
        if rate <= 0:
            raise ReaderError(
                "eSpeak NG failed to start (its data files may be missing); "
                "reinstall the Debian package espeak-ng-data",
                EXIT_FAILURE,
            )
        self.sample_rate = rate
        # Keep a reference to the ctypes callback: if it were collected, eSpeak would call
        # freed memory.
        self._callback = espeak.t_espeak_callback(self._on_synth)
        espeak.cSetSynthCallback(self._callback)
        self.binding = espeak
        return espeak

    def _on_synth(self, wav: Any, count: int, events: Any) -> int:
        espeak = self.binding
        if count > 0:
            self._pcm.append(ctypes.string_at(wav, count * 2))
        index = 0
        while events[index].type != espeak.EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type in (espeak.EVENT_WORD, espeak.EVENT_SENTENCE):
                kind = "word" if event.type == espeak.EVENT_WORD else "sentence"
                self._events.append(
                    EngineEvent(kind, event.text_position - 1, event.length, event.sample)
                )
            index += 1
        return 0

    def configure(self, voice: str | None, rate: int, pitch: int, volume: int) -> None:
        espeak = self.start()
        wanted = (voice, rate, pitch, volume)
        if self._settings == wanted:
            return
        name = (voice or "en").encode("utf-8")
        if espeak.SetVoiceByName(name) != espeak.EE_OK:
            raise ReaderError(f"unknown voice {voice!r}; run `reader voices` to list them")
        # The voice resets the parameters, so they are set after it.
        espeak.SetParameter(espeak.RATE, rate, 0)
        espeak.SetParameter(espeak.PITCH, pitch, 0)
        espeak.SetParameter(espeak.VOLUME, volume, 0)
        self._settings = wanted

    def synthesise(self, text: str) -> Synthesis:
        espeak = self.binding
        self._pcm, self._events = [], []
        data = text.encode("utf-8")
        # CHARS_UTF8 makes text_position count code points (verified by a test on accented
        # text); the size argument is unused in synchronous mode.
        status = espeak.cSynth(
            data, len(data) + 1, 0, espeak.POS_CHARACTER, 0, espeak.CHARS_UTF8, None, None
        )
        if status != espeak.EE_OK:
            raise ReaderError(f"eSpeak NG refused the text (status {status})", EXIT_FAILURE)
        result = Synthesis(b"".join(self._pcm), self.sample_rate, tuple(self._events))
        self._pcm, self._events = [], []
        return result


_ENGINE = _Engine()


def synthesise(
    text: str, voice: str | None = None, rate: int = 175, pitch: int = 50, volume: int = 100
) -> Synthesis:
    """Speak ``text`` into memory with eSpeak NG; thread-safe, nothing printed.

    ``rate`` is in words per minute (clamped to what eSpeak does exactly), ``pitch`` 0-100,
    ``volume`` 0-200 (100 is normal).
    """
    rate = max(MIN_RATE_WPM, min(MAX_ENGINE_RATE_WPM, rate))
    with _ENGINE.lock:
        _ENGINE.configure(voice, rate, pitch, volume)
        return _ENGINE.synthesise(text)


def check_voice(voice: str | None) -> None:
    """Raise ``ReaderError`` unless eSpeak NG can select ``voice``."""
    with _ENGINE.lock:
        _ENGINE.configure(voice, 175, 50, 100)


def list_voices() -> list[Voice]:
    """The installed voices, sorted by id."""
    with _ENGINE.lock:
        espeak = _ENGINE.start()
        voices = []
        for voice in espeak.ListVoices(None):
            languages = voice.languages or b""
            # The languages field is a list of (priority byte, name, NUL); the first name is
            # the main language.
            language = languages[1:].split(b"\0", 1)[0].decode("utf-8", "replace")
            voices.append(
                Voice(
                    id=(voice.identifier or b"").decode("utf-8", "replace"),
                    name=(voice.name or b"").decode("utf-8", "replace"),
                    language=language,
                )
            )
    return sorted(voices, key=lambda v: v.id)


@functools.cache
def engine_version() -> str:
    """A string that changes whenever the engine's output could change (cache key part).

    The audio depends on libespeak-ng alone (pyttsx3 only binds it), so the library's own
    version is asked directly, without starting eSpeak or importing pyttsx3 (fast).
    """
    info = _load_library().espeak_Info
    info.restype = ctypes.c_char_p
    info.argtypes = [ctypes.c_void_p]
    return f"{SYNTH_FORMAT}/espeak-ng {(info(None) or b'?').decode('ascii', 'replace')}"


def _load_library() -> Any:
    """libespeak-ng through ctypes, as pyttsx3's binding finds it."""
    import ctypes.util

    for name in ("libespeak-ng.so.1", ctypes.util.find_library("espeak-ng")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    raise ReaderError(_MISSING, EXIT_FAILURE)
