"""The engine port's contract, checked against every registered engine that can run here.

An engine that is not installed (Piper without ``reader[neural]``) is skipped with the line
the registry gives for it; eSpeak is part of the default set-up, so it always runs.
"""

from __future__ import annotations

import pytest

from reader.errors import ReaderError
from reader.narration.engines import ENGINES, get_engine, split_voice, unavailable
from reader.narration.engines.port import SpeechEngine, SpeechRequest

SENTENCE = "The chiefs met in Nashville on a cold morning in March."


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> SpeechEngine:
    name: str = request.param
    problem = unavailable(name)
    if problem is not None:
        if name == "espeak":
            pytest.fail(f"eSpeak must be available: {problem}")
        pytest.skip(problem)
    return get_engine(name)


def _request(engine: SpeechEngine) -> SpeechRequest:
    caps = engine.capabilities
    return SpeechRequest(caps.default_voice, caps.default_rate_wpm)


def test_the_default_engine_is_available() -> None:
    assert unavailable("espeak") is None


def test_capabilities_are_sane(engine: SpeechEngine) -> None:
    caps = engine.capabilities
    assert isinstance(engine, SpeechEngine)
    assert caps.name in ENGINES and get_engine(caps.name) is engine
    assert caps.sample_rate in (16000, 22050, 24000, 44100, 48000)
    assert 0 < caps.min_rate_wpm <= caps.default_rate_wpm <= caps.max_exact_rate_wpm
    assert caps.default_voice
    assert engine.version() and engine.version() == engine.version()


def test_voices_round_trip_through_split_voice(engine: SpeechEngine) -> None:
    voices = engine.voices()
    assert voices
    assert [v.id for v in voices] == sorted(v.id for v in voices)
    name = engine.capabilities.name
    for voice in voices:
        assert voice.engine == name and voice.language and voice.name
        assert split_voice(voice.qualified_id) == (name, voice.id)
    engine.check_voice(voices[0].id)


def test_an_unknown_voice_is_refused(engine: SpeechEngine) -> None:
    with pytest.raises(ReaderError):
        engine.check_voice("no-such-voice-anywhere")


def test_synthesis_gives_audio_with_ordered_marks(
    engine: SpeechEngine, capfd: pytest.CaptureFixture[str]
) -> None:
    result = engine.synthesise(SENTENCE, _request(engine))
    assert result.sample_rate == engine.capabilities.sample_rate
    assert result.pcm and len(result.pcm) % 2 == 0
    # At least a few seconds' worth of speech for eleven words, not a click.
    assert result.sample_count > result.sample_rate
    words = [m for m in result.marks if m.kind == "word" and m.char_length > 0]
    assert len(words) >= 8
    samples = [m.sample for m in words]
    assert samples == sorted(samples)
    assert samples[0] >= 0 and samples[-1] < result.sample_count
    for mark in words:
        assert 0 <= mark.char_start < mark.char_start + mark.char_length <= len(SENTENCE)
    assert SENTENCE[words[-1].char_start :].startswith("March")
    assert capfd.readouterr().out == ""  # nothing on stdout: it would corrupt the UI


def test_the_same_text_gives_the_same_audio(engine: SpeechEngine) -> None:
    request = _request(engine)
    first = engine.synthesise(SENTENCE, request)
    engine.synthesise("Something else entirely, said in between, with a question?", request)
    again = engine.synthesise(SENTENCE, request)
    assert again.pcm == first.pcm
    assert again.marks == first.marks
