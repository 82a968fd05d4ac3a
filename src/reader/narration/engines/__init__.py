"""The speech engines the reader knows, loaded lazily by name.

A voice is named ``engine:id`` (``espeak:gmw/en``, ``piper:en_US-joe-medium``); a bare id
names an eSpeak NG voice, so settings files written before there was a choice of engine
still load (``en-us`` is ``espeak:en-us``). ``None`` is the default engine's default voice.

Importing this package loads no engine library: :data:`ENGINES` maps names to module paths,
and a module is imported only when its engine is first asked for. An engine whose module
cannot be imported (Piper without its optional dependencies) is reported unavailable with
one line saying what to install, never a traceback.

Units: rates in words per minute.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence

from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.engines.port import SpeechEngine, VoiceInfo
from reader.narration.limits import MAX_RATE_WPM, MIN_RATE_WPM

DEFAULT_ENGINE = "espeak"
ENGINES: dict[str, str] = {
    "espeak": "reader.narration.engines.espeak",
    "piper": "reader.narration.engines.piper",
}
# What to do when an engine's module (or the library it imports) is not installed.
INSTALL_HINTS: dict[str, str] = {
    "espeak": "install eSpeak NG (apt install espeak-ng) and pyttsx3",
    "piper": "install with pip install 'reader[neural]'",
}


def split_voice(voice: str | None) -> tuple[str, str | None]:
    """``(engine name, engine-local id)`` of a voice as ``--voice`` and settings give it;
    the id is None for the engine's default voice. Raises ``ReaderError`` for an engine
    the reader does not know."""
    if voice is None or voice == "":
        return DEFAULT_ENGINE, None
    engine, colon, local = voice.partition(":")
    if not colon:
        return DEFAULT_ENGINE, voice
    if engine not in ENGINES:
        raise ReaderError(
            f"unknown speech engine {engine!r} in voice {voice!r}; "
            f"engines: {', '.join(ENGINES)} (run `reader voices` to list the voices)"
        )
    return engine, local or None


def qualified(voice: str | None) -> str:
    """The fully qualified ``engine:id`` of ``voice`` (its default voice for None)."""
    name, local = split_voice(voice)
    if local is None:
        local = get_engine(name).capabilities.default_voice
    return f"{name}:{local}"


@functools.cache
def _load(name: str) -> SpeechEngine | str:
    """The engine object, or the one line saying why it cannot be loaded."""
    try:
        module = importlib.import_module(ENGINES[name])
    except ModuleNotFoundError as error:
        return f"the {name} engine is not installed ({error.name}); {INSTALL_HINTS[name]}"
    except ImportError as error:
        return f"the {name} engine cannot be loaded ({error}); {INSTALL_HINTS[name]}"
    engine: SpeechEngine = module.ENGINE
    return engine


def get_engine(name: str) -> SpeechEngine:
    """The engine called ``name``; ``ReaderError`` (one line) if it is unknown or its
    module is not installed. Availability of its library is ``engine.available()``."""
    if name not in ENGINES:
        raise ReaderError(f"unknown speech engine {name!r}; engines: {', '.join(ENGINES)}")
    loaded = _load(name)
    if isinstance(loaded, str):
        raise ReaderError(loaded, EXIT_FAILURE)
    return loaded


def unavailable(name: str) -> str | None:
    """None when engine ``name`` can speak here, else one line saying what to install."""
    if name not in ENGINES:
        raise ReaderError(f"unknown speech engine {name!r}; engines: {', '.join(ENGINES)}")
    loaded = _load(name)
    if isinstance(loaded, str):
        return loaded
    return loaded.available()


def engine_for(voice: str | None) -> tuple[SpeechEngine, str]:
    """The engine that speaks ``voice`` and the engine-local voice id (its default for
    None), refusing with one line an engine that cannot run here."""
    name, local = split_voice(voice)
    engine = get_engine(name)
    if name not in _ready:  # checked once per process: it looks at files on disk
        problem = engine.available()
        if problem is not None:
            raise ReaderError(problem, EXIT_FAILURE)
        _ready.add(name)
    return engine, local if local is not None else engine.capabilities.default_voice


_ready: set[str] = set()


def checked_voice(voice: str) -> str:
    """``voice`` as ``engine:id`` (its engine's default id filled in), once its engine runs
    here and knows the id; ``ReaderError``, one line, otherwise."""
    engine, local = engine_for(voice)
    engine.check_voice(local)
    return f"{engine.capabilities.name}:{local}"


def all_voices(names: Sequence[str] = ()) -> tuple[list[VoiceInfo], dict[str, str]]:
    """Every available engine's voices (engine order, then id), or only those of the
    engines ``names``, and by engine name one line for each that is not available."""
    voices: list[VoiceInfo] = []
    problems: dict[str, str] = {}
    for name in names or ENGINES:
        problem = unavailable(name)
        if problem is not None:
            problems[name] = problem
            continue
        voices += get_engine(name).voices()
    return voices, problems


def rate_range() -> tuple[int, int]:
    """The rates every engine accepts, in words per minute: an engine's exact range is
    widened by time-stretching its audio."""
    return MIN_RATE_WPM, MAX_RATE_WPM


def exact_rate(voice: str | None, rate_wpm: int) -> int:
    """The rate the engine of ``voice`` speaks at for ``rate_wpm`` (inside its exact
    range); the renderer time-stretches the rest. Loads the engine module, not its library."""
    capabilities = get_engine(split_voice(voice)[0]).capabilities
    return max(capabilities.min_rate_wpm, min(capabilities.max_exact_rate_wpm, rate_wpm))
