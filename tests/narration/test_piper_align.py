"""Piper word alignment: the pure logic with hand-made streams, then the real phonemiser
over every word of the speech and of a hostile text (no model inference: fast)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.document import Document
from reader.narration.engines import piper_align as align
from reader.segment import split_sentences

HOSTILE = (
    "Dr. Smith met Mr. Jones at 10:30 p.m. on Jan. 5, 2019 — about $1.5 million (roughly "
    "30,000 dollars each). The U.S. Attorney’s office said “we won’t stop”; MS-13 and AT&T "
    "were named, e.g. in the 1970s report. Well… it’s a state-of-the-art, twenty-first-century "
    "fact: No. 7 and the 100th runner! She read pp. 12–15 by Prof. J. R. R. Tolkien at 5 a.m."
)


def _sentence(text: str) -> tuple[str, list[align.SpokenWord]]:
    (sentence,) = split_sentences(text)
    return align.spoken_sentence(text, sentence)


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Dr. Smith came.", "Doctor Smith came."),
        ("The U.S. Department said so.", "The U.S Department said so."),
        ("“It’s late,” she said.", '"It\'s late," she said.'),
        ("We met St. Louis and Mr. Jones.", "We met Saint Louis and Mister Jones."),
        ("It ended at 5 p.m.", "It ended at 5 p.m."),  # the final dot ends the sentence
        ("See No. 7 and no. It.", "See number 7 and no It."),
    ],
)
def test_spoken_form_keeps_one_sentence(text: str, spoken: str) -> None:
    said, words = _sentence(text)
    assert said == spoken
    # The words keep the original characters' offsets.
    assert [text[w.char_start : w.char_end] for w in words] == [
        w.text for w in split_sentences(text)[0].words
    ]


def test_sounds_drop_stress_space_and_punctuation() -> None:
    assert align.sounds("ðə jˌuːˈɛs, dᵻpˈɑːɹtmənt.") == "ðəjuːɛsdᵻpɑːɹtmənt"


def test_joined_and_expanded_words_align_to_their_own_sounds() -> None:
    # "in the" joined into one phoneme word, "125" expanded into three.
    stream = list("ɪnðə wˈʌnhˈʌndɹɪd twˈɛnti fˈaɪv jˈɪɹz")
    words = ["ɪn", "ðə", "wʌnhʌndɹɪdtwɛntifaɪv", "jɪɹz"]
    found = align.align_words(words, stream)
    assert found == [0, 2, 5, stream.index("j")]


def test_reduced_vowels_still_align() -> None:
    # "a" alone is "eɪ", in a sentence "ɐ"; "to" alone "tuː", in a sentence "tə".
    stream = list("ɐ kˈæt wɛnt tə bˈɛd")
    found = align.align_words(["eɪ", "kæt", "wɛnt", "tuː", "bɛd"], stream)
    assert [stream[i] for i in found if i is not None] == ["ɐ", "k", "w", "t", "b"]


def test_a_word_without_sounds_has_no_position() -> None:
    assert align.align_words(["", "kæt"], list("kˈæt")) == [None, 0]


def _symbols(text: str, durations: list[int]) -> list[align.Symbol]:
    """Symbols laid out like a call: each id then a pad, the pad before the first symbol
    and every id ``durations[i]`` samples long, pads 256."""
    symbols = []
    at = 512 + 256  # ^ then _
    for number, (char, length) in enumerate(zip(text, durations, strict=True)):
        symbols.append(
            align.Symbol(char, at, at - 256, 256, at + length + 256, call_start=number == 0)
        )
        at += length + 256
    return symbols


def test_fluent_word_starts_at_its_space_and_first_word_mid_pad() -> None:
    symbols = _symbols("ab cd", [512, 512, 256, 512, 512])
    assert align.word_start(symbols, 0, 22050) == (512 + 128, True)
    assert align.word_start(symbols, 3, 22050) == (symbols[2].start, False)


def test_word_after_punctuation_starts_mid_pad_before_it() -> None:
    symbols = _symbols("ab, cd", [512, 512, 4096, 256, 512, 512])
    start, paused = align.word_start(symbols, 4, 22050)
    assert paused
    assert start == symbols[4].pad_start + 128


def test_stress_mark_belongs_to_the_word() -> None:
    symbols = _symbols("ab ˈcd", [512, 512, 256, 768, 512, 512])
    assert align.word_start(symbols, 4, 22050) == (symbols[2].start, False)


def test_onset_finds_the_first_loud_frame() -> None:
    np = pytest.importorskip("numpy")
    audio = np.zeros(4410, dtype=np.float32)
    audio[2000:] = 0.3
    found = align.onset(audio, 100, 4410, 22050)
    assert 2000 - 110 < found <= 2000
    assert align.onset(np.zeros(4410), 100, 4410, 22050) == 100  # silence: unchanged


@given(st.lists(st.integers(-50, 5000), min_size=1, max_size=40))
def test_strictly_increasing_inside_the_audio(starts: list[int]) -> None:
    result = align.strictly_increasing(starts, 5000)
    assert all(a < b for a, b in itertools.pairwise(result))
    assert result[0] >= 0
    assert result[-1] < 5000


@given(st.lists(st.sampled_from(["ðə", "kæt", "ɪn", "", "wʌn", "eɪ"]), min_size=1, max_size=12))
def test_alignment_positions_never_go_back(words: list[str]) -> None:
    stream = list(" ".join(w for w in words if w) or "ə")
    found = [i for i in align.align_words(words, stream) if i is not None]
    assert found == sorted(found)
    assert all(0 <= i < len(stream) for i in found)


def _phonemise() -> object:
    pytest.importorskip("piper", reason="the neural extra is not installed")
    from piper import espeakbridge
    from piper.phonemize_espeak import ESPEAK_DATA_DIR

    espeakbridge.initialize(str(ESPEAK_DATA_DIR))
    espeakbridge.set_voice("en-us")

    def phonemes(text: str) -> list[str]:
        out: list[str] = []
        for ph, terminator, _ in espeakbridge.get_phonemes(text):
            out.extend([" "] if out else [])
            out.extend(ph + terminator)
        return out

    return phonemes


def _check_text(text: str, phonemes: object) -> int:
    """Align every word of ``text``; return the word count. Every word with sounds must
    land on a sound that is the same phoneme or a vowel for a vowel, in order."""
    assert callable(phonemes)
    count = 0
    for sentence in split_sentences(text):
        spoken, words = align.spoken_sentence(text, sentence)
        stream = phonemes(spoken)
        sounds = [align.sounds("".join(phonemes(w.spoken))) for w in words]
        found = align.align_words(sounds, stream)
        landed = [i for i in found if i is not None]
        assert landed == sorted(landed), sentence.text
        for word, sound, index in zip(words, sounds, found, strict=True):
            count += 1
            assert sound, text[word.char_start : word.char_end]
            assert index is not None
            first = stream[index]
            assert first == sound[0] or {first, sound[0]} <= align._VOWELS, (word, first, sound)
    return count


@pytest.mark.slow
def test_every_word_of_the_speech_and_a_hostile_text_is_found(speech: Document) -> None:
    phonemes = _phonemise()
    total = sum(_check_text(p.text, phonemes) for p in speech.paragraphs)
    assert total == sum(len(p.words) for p in speech.paragraphs)
    assert _check_text(HOSTILE, phonemes) > 60
