"""The eSpeak NG engine: the only module that imports pyttsx3.

pyttsx3's espeak driver drops the sample position of every word event (ENGINE-NOTES), so we
drive the same ctypes binding it ships (``pyttsx3.drivers._espeak``) ourselves, in eSpeak's
synchronous output mode: synthesis runs on the calling thread and every callback brings the
audio with the events that carry their exact ``sample`` index.

Units: audio is mono signed 16-bit little-endian PCM at 22050 Hz; mark positions are sample
indices into that audio; ``char_start``/``char_length`` are 0-based code-point offsets into
the text passed in (eSpeak reports 1-based code points for UTF-8 input).

eSpeak initialises once per process and is not re-entrant: one lock guards it, and
parallelism means worker processes (see ``reader.narration.worker``). Importing this module
loads neither pyttsx3 nor the library; both load on first use.

Reproducible audio: the process that initialised eSpeak never chooses a voice and never
speaks. Each set of settings gets a pristine template (``pristine.Template``) forked from
it that chooses the voice once; every text is spoken in a fresh child of that template,
forked before the text arrives. So a text's audio depends on the text and the settings
alone, never on what was spoken or chosen before.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.engines.port import (
    EngineCapabilities,
    MarkKind,
    SpeechRequest,
    SynthesisResult,
    VoiceInfo,
    WordMark,
)
from reader.narration.engines.pristine import Template, abandoned, run_pristine
from reader.sanitize import for_terminal

# Bump when our use of the library changes its output (part of every cache key).
# 3: a process that speaks never chose a voice before (a template chooses it once and
# forks a child per text), so the audio no longer depends on how many voice choices came
# before: eSpeak keeps a trace of each that changed later audio after a few dozen.
SYNTH_FORMAT = "reader-espeak-3"
NAME = "espeak"
QUALITY = "robotic, fast"
# The files eSpeak reads while initialising; without them espeak_Initialize calls exit(1)
# inside our process (espeak-ng src/libespeak-ng/espeak_api.c).
DATA_FILES = ("phontab", "phonindex", "phondata", "intonations")
# speak_lib.h: report an initialisation failure instead of calling exit(1).
_INITIALIZE_DONT_EXIT = 0x8000

_MISSING = (
    "the eSpeak NG library (libespeak-ng.so.1) is missing; install the Debian package "
    "libespeak-ng1 (apt install espeak-ng)"
)

CAPABILITIES = EngineCapabilities(
    name=NAME,
    sample_rate=22050,
    min_rate_wpm=80,  # eSpeak's own floor
    # From 450 wpm eSpeak's fast mode (libsonic) puts word events hundreds of ms off
    # (espeak-ng PR 2470); up to 430 every event was exact.
    max_exact_rate_wpm=430,
    default_rate_wpm=175,
    has_pitch=True,
    exact_word_marks=True,
    own_process=True,
    default_voice="en",
)


@functools.cache
def _library() -> Any:
    """libespeak-ng through ctypes, as pyttsx3's binding finds it (without pyttsx3)."""
    import ctypes.util

    # find_library runs ldconfig (tens of ms): only when the usual name is not there.
    finders: tuple[Callable[[], str | None], ...] = (
        lambda: "libespeak-ng.so.1",
        lambda: ctypes.util.find_library("espeak-ng"),
    )
    for find in finders:
        if name := find():
            try:
                library = ctypes.CDLL(name)
            except OSError:
                continue
            library.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
            library.espeak_Info.restype = ctypes.c_char_p
            library.espeak_ng_InitializePath.argtypes = [ctypes.c_char_p]
            library.espeak_ng_InitializePath.restype = None
            return library
    raise ReaderError(_MISSING, EXIT_FAILURE)


@functools.cache
def library_version() -> str:
    """``reader-espeak-N/espeak-ng X.Y`` from the library itself (cache key part)."""
    version = _library().espeak_Info(None) or b"?"
    return f"{SYNTH_FORMAT}/espeak-ng {version.decode('ascii', 'replace')}"


def data_folder() -> Path:
    """The data folder the library will read, found by the library's own rules
    (``ESPEAK_DATA_PATH``, then ``$HOME/espeak-ng-data``, then its built-in path)."""
    library = _library()
    library.espeak_ng_InitializePath(None)
    path = ctypes.c_char_p()
    library.espeak_Info(ctypes.byref(path))
    return Path(os.fsdecode(path.value or b""))


def check_data() -> None:
    """Raise ``ReaderError`` (one line) unless eSpeak's data files are in place.

    Checked before initialising because eSpeak ends the whole process when they are not.
    """
    folder = data_folder()
    missing = [name for name in DATA_FILES if not (folder / name).is_file()]
    if missing:
        where = " (from ESPEAK_DATA_PATH)" if os.environ.get("ESPEAK_DATA_PATH") else ""
        raise ReaderError(
            f"the eSpeak NG data folder {folder}{where} lacks {', '.join(missing)}; "
            "reinstall the Debian package espeak-ng-data or fix ESPEAK_DATA_PATH",
            EXIT_FAILURE,
        )


def _binding() -> Any:
    """pyttsx3's ctypes binding to libespeak-ng, or a clear error when the library is absent."""
    try:
        from pyttsx3.drivers import _espeak
    except ImportError as error:
        raise ReaderError(f"pyttsx3 is not installed ({error})", EXIT_FAILURE) from None
    except (OSError, RuntimeError):
        raise ReaderError(_MISSING, EXIT_FAILURE) from None
    return _espeak


class _State:
    """The process-wide eSpeak state: initialised on first use, then reused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.binding: Any = None
        self.sample_rate = 0
        self._pcm: list[bytes] = []
        self._marks: list[WordMark] = []
        self._callback: Any = None
        # The template for the settings used last: (voice, rate, pitch, volume).
        self.template: Template | None = None
        self.template_settings: tuple[str, int, int, int] | None = None
        # Set by ``prepare_here`` in a synthesis pool's template: the settings its
        # children speak their one text with, directly.
        self.ready: tuple[str, int, int, int] | None = None
        self.stopped = False  # the last synthesis stopped because nobody waited for it

    def start(self) -> Any:
        if self.binding is not None:
            return self.binding
        _library()
        check_data()
        espeak = _binding()
        rate = espeak.Initialize(espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000, None, _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise ReaderError(
                "eSpeak NG failed to start; reinstall the Debian package espeak-ng-data",
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
        if abandoned():
            self.stopped = True
            return 1  # nobody waits for this text any more: stop (non-zero aborts)
        espeak = self.binding
        if count > 0:
            self._pcm.append(ctypes.string_at(wav, count * 2))
        index = 0
        while events[index].type != espeak.EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type in (espeak.EVENT_WORD, espeak.EVENT_SENTENCE):
                kind: MarkKind = "word" if event.type == espeak.EVENT_WORD else "sentence"
                self._marks.append(
                    WordMark(kind, event.text_position - 1, event.length, event.sample)
                )
            index += 1
        return 0

    def configure(self, voice: str, rate: int, pitch: int, volume: int) -> None:
        espeak = self.start()
        try:
            name = voice.encode("utf-8")
        except UnicodeEncodeError:  # bytes from the command line that are not UTF-8
            name = b""
        if not name or espeak.SetVoiceByName(name) != espeak.EE_OK:
            shown = for_terminal(repr(voice))
            raise ReaderError(f"unknown voice {shown}; run `reader voices` to list them")
        # The voice resets the parameters, so they are set after it.
        espeak.SetParameter(espeak.RATE, rate, 0)
        espeak.SetParameter(espeak.PITCH, pitch, 0)
        espeak.SetParameter(espeak.VOLUME, volume, 0)

    def template_for(self, settings: tuple[str, int, int, int]) -> Template:
        """The pristine template that chose these settings (made, or reused when the
        last one had the same settings); called under the lock."""
        template = self.template
        if template is None or not template.alive or self.template_settings != settings:
            if template is not None:
                template.close()
            self.start()  # initialised here, so every template shares the loaded data
            self.template = template = Template(
                functools.partial(self.configure, *settings), self.synthesise
            )
            self.template_settings = settings
        return template

    def synthesise(self, data: bytes) -> bytes:
        """``speak`` packed for ``unpack`` (what a template's child sends back)."""
        result = self.speak(data)
        marks = array("q")
        for mark in result.marks:
            marks.extend((mark.kind == "word", mark.char_start, mark.char_length, mark.sample))
        header = array("q", [result.sample_rate, len(result.marks)]).tobytes()
        return header + marks.tobytes() + result.pcm

    def speak(self, data: bytes) -> SynthesisResult:
        """Speak ``data`` (UTF-8) as configured. Runs in a child of a pristine template
        only (see ``pristine``)."""
        espeak = self.binding
        self._pcm, self._marks, self.stopped = [], [], False
        # CHARS_UTF8 makes text_position count code points (verified by a test on accented
        # text); the size argument is unused in synchronous mode.
        status = espeak.cSynth(
            data, len(data) + 1, 0, espeak.POS_CHARACTER, 0, espeak.CHARS_UTF8, None, None
        )
        if self.stopped:  # part of the audio only: never to be stored
            raise ReaderError("the synthesis was abandoned", EXIT_FAILURE)
        if status != espeak.EE_OK:
            raise ReaderError(f"eSpeak NG refused the text (status {status})", EXIT_FAILURE)
        return SynthesisResult(b"".join(self._pcm), self.sample_rate, tuple(self._marks))


def unpack(data: bytes) -> SynthesisResult:
    """The ``SynthesisResult`` packed by ``_State.synthesise`` (native byte order: the
    bytes never leave the machine)."""
    header = array("q")
    header.frombytes(data[:16])
    sample_rate, count = header
    numbers = array("q")
    numbers.frombytes(data[16 : 16 + 32 * count])
    marks = tuple(
        WordMark("word" if numbers[i] else "sentence", *numbers[i + 1 : i + 4])
        for i in range(0, len(numbers), 4)
    )
    return SynthesisResult(data[16 + 32 * count :], sample_rate, marks)


_STATE = _State()


class EspeakEngine:
    """eSpeak NG behind the engine port (:class:`~reader.narration.engines.port.SpeechEngine`)."""

    def __init__(self) -> None:
        # One state per process, whatever the number of engine objects: the library has
        # one callback and one voice, so a second state would leave the first one's
        # children calling a freed callback.
        self._state = _STATE

    @property
    def capabilities(self) -> EngineCapabilities:
        """eSpeak's limits: 22050 Hz, exact word marks from 80 to 430 wpm."""
        return CAPABILITIES

    def version(self) -> str:
        """The library's own version (the audio depends on it alone; pyttsx3 only binds it),
        asked without starting eSpeak or importing pyttsx3 (fast)."""
        return library_version()

    def available(self) -> str | None:
        """None when the library and its data are in place, else what to install."""
        try:
            check_data()
        except ReaderError as error:
            return str(error)
        return None

    def voices(self) -> list[VoiceInfo]:
        """The installed voices, sorted by id."""
        voices = []
        with self._state.lock:
            espeak = self._state.start()
            for voice in espeak.ListVoices(None):
                languages = voice.languages or b""
                # The languages field is a list of (priority byte, name, NUL); the first
                # name is the main language.
                language = languages[1:].split(b"\0", 1)[0].decode("utf-8", "replace")
                voices.append(
                    VoiceInfo(
                        engine=NAME,
                        id=(voice.identifier or b"").decode("utf-8", "replace"),
                        name=(voice.name or b"").decode("utf-8", "replace"),
                        language=language,
                        quality=QUALITY,
                    )
                )
        return sorted(voices, key=lambda v: v.id)

    def check_voice(self, voice: str) -> None:
        """Raise ``ReaderError`` unless eSpeak NG can select ``voice``."""
        state = self._state
        with state.lock:
            state.start()  # a missing library or data folder is reported from here

            def check() -> bytes:
                try:
                    state.configure(voice, CAPABILITIES.default_rate_wpm, 50, 100)
                except ReaderError as error:
                    return str(error).encode("utf-8", "replace")
                return b""

            # In a pristine child, like every synthesis: choosing a voice here would change
            # this process's eSpeak state (see synthesise).
            problem = run_pristine(check)
        if problem:
            raise ReaderError(problem.decode("utf-8", "replace"))

    def synthesise(self, text: str, request: SpeechRequest) -> SynthesisResult:
        """Speak ``text`` into memory, in a fresh child of the template for these
        settings; thread-safe, nothing printed. The rate is clamped to what eSpeak does
        exactly."""
        state, settings = self._state, _settings(request)
        with state.lock:
            if state.ready == settings:  # a pristine child of a pool's template
                state.ready = None  # one text per child: the next goes through a template
                return state.speak(text.encode("utf-8"))
            template = state.template_for(settings)
            return unpack(template.run(text.encode("utf-8")))

    def prepare_here(self, request: SpeechRequest) -> None:
        """Initialise eSpeak and choose ``request``'s voice and settings in this process,
        which must then never speak: it is a template whose children each speak one text
        with these settings (``reader.narration.pristinepool``)."""
        settings = _settings(request)
        with self._state.lock:
            self._state.start()
            self._state.configure(*settings)
            self._state.ready = settings

    def prepare(self, request: SpeechRequest) -> None:
        """Initialise eSpeak and start the template for ``request``'s settings now, so
        the first paragraph waits for neither (worker processes call this while the
        caller is still parsing). Errors (an unknown voice) come with the first text."""
        with self._state.lock:
            self._state.template_for(_settings(request))

    def warm_up(self, voice: str) -> None:
        """``prepare`` for ``voice`` at the default rate, pitch and volume."""
        self.prepare(SpeechRequest(voice, CAPABILITIES.default_rate_wpm))


def _settings(request: SpeechRequest) -> tuple[str, int, int, int]:
    """(voice, rate, pitch, volume %) as eSpeak takes them, the rate clamped to its exact
    range."""
    low, high = CAPABILITIES.min_rate_wpm, CAPABILITIES.max_exact_rate_wpm
    rate = max(low, min(high, request.rate_wpm))
    return request.voice, rate, request.pitch, round(request.volume * 100)


ENGINE = EspeakEngine()
