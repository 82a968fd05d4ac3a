"""Word starts for Piper from its per-phoneme durations (pure logic, no model).

Piper reports how many samples each phoneme id took, not where words are. eSpeak (inside
Piper) joins words ("in the" -> one phoneme word), expands numbers ("125" -> three words)
and drops quotes, so splitting the phoneme stream at spaces fails (ENGINE-NOTES). Instead
each word of the text is phonemised alone and the concatenation is aligned to the
sentence's stream by edit distance, ignoring stress marks, spaces and punctuation; a word
starts where its first phoneme landed. Where exactly, per the measurements in the notes:
a fluent word at the space token before it, a word after punctuation, a sentence (call)
start or a long pause in the middle of the pad just before its first phoneme.

Before phonemising, a sentence is normalised so that Piper speaks it as one sentence:
"Dr." before a capital would otherwise be a falling sentence of its own, so titles are
expanded and a dot inside a sentence is dropped; curly quotes become straight ones.

Units: character offsets are 0-based code points into the text passed to the engine;
positions in the stream are indices into the symbol list; samples are sample indices into
the sentence's concatenated audio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reader.document import Sentence

STRESS = frozenset("ˈˌ")
# Symbols that are not sounds of a word: stress, word space, punctuation eSpeak keeps.
SILENT = frozenset(" .,;:!?'\"-()…—–\u2014\u2013") | STRESS
# A pause before a word longer than this (seconds) is treated like punctuation.
LONG_PAUSE_S = 0.12
# Raw model audio louder than this (dB full scale, per 5 ms) is sound; its silence is
# below -80 dBFS and speech above -30.
ONSET_DBFS = -50.0
# Expanded so eSpeak does not end the sentence at their dot (and says them as people do).
TITLES = {
    "dr": "Doctor",
    "mr": "Mister",
    "mrs": "Missus",
    "ms": "Miz",
    "prof": "Professor",
    "gov": "Governor",
    "sen": "Senator",
    "rep": "Representative",
    "gen": "General",
    "lt": "Lieutenant",
    "col": "Colonel",
    "capt": "Captain",
    "sgt": "Sergeant",
    "jr": "Junior",
    "sr": "Senior",
    "st": "Saint",
    "vs": "versus",
}
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_VOWELS = frozenset("aeiouæɐɑɒɔəɚɛɜɝɪʊʌᵻɨʉɵøœɤɯyɘɞɶ")


@dataclass(frozen=True, slots=True)
class SpokenWord:
    """A word of the text: its characters and what to phonemise for it alone."""

    char_start: int
    char_end: int
    spoken: str


@dataclass(frozen=True, slots=True)
class Symbol:
    """One phoneme symbol of the stream with the samples of its id and of the pad
    (``_``) ids around it. ``call_start`` marks the first symbol of a model call."""

    text: str
    start: int
    pad_start: int
    pad_length: int
    end: int  # where the pad after this symbol ends
    call_start: bool = False


def spoken_sentence(text: str, sentence: Sentence) -> tuple[str, list[SpokenWord]]:
    """The sentence as Piper should hear it, and its words with their spoken forms.

    ``sentence`` carries offsets into ``text``. Only the spoken string changes; the words
    keep the offsets of the original characters.
    """
    words = list(sentence.words)
    parts: list[str] = []
    spoken_words: list[SpokenWord] = []
    cursor = sentence.start
    for number, word in enumerate(words):
        last = number == len(words) - 1
        parts.append(text[cursor : word.start].translate(_QUOTES))
        spoken = word.text.translate(_QUOTES)
        cursor = word.end
        dotted = text[word.end : word.end + 1] == "." or spoken.endswith(".")
        if dotted and not last:
            bare = spoken.rstrip(".")
            spoken = TITLES.get(bare.lower(), bare)
            if bare.lower() == "no" and words[number + 1].text[:1].isdigit():
                spoken = "number"  # "No. 7"
            if not word.text.endswith("."):
                cursor += 1  # drop the dot that follows the word
        parts.append(spoken)
        spoken_words.append(SpokenWord(word.start, word.end, spoken))
    parts.append(text[cursor : sentence.end].translate(_QUOTES))
    return "".join(parts), spoken_words


def sounds(phonemes: str) -> str:
    """The phonemes without stress, spaces and punctuation (what alignment compares)."""
    return "".join(p for p in phonemes if p not in SILENT)


def align_words(word_sounds: Sequence[str], stream: Sequence[str]) -> list[int | None]:
    """For each word, the index in ``stream`` where its first sound is, or None for a word
    without sounds. ``word_sounds`` come from :func:`sounds`; ``stream`` is the sentence's
    symbols, silent ones included (they are skipped here)."""
    positions = [i for i, s in enumerate(stream) if s not in SILENT]
    target = [stream[i] for i in positions]
    source: list[str] = []
    owner: list[int] = []
    for index, word in enumerate(word_sounds):
        source.extend(word)
        owner.extend([index] * len(word))
    mapped = _edit_alignment(source, target)
    found: list[int | None] = [None] * len(word_sounds)
    for i, j in enumerate(mapped):
        if found[owner[i]] is None and positions:
            found[owner[i]] = positions[min(j, len(positions) - 1)]
    return found


def _edit_alignment(source: Sequence[str], target: Sequence[str]) -> list[int]:
    """For each source symbol, the target index it aligns to (for a deleted symbol, the
    index of the next target symbol) under an edit distance where vowels substitute for
    each other cheaply. Banded around the diagonal for long sentences (cost stays linear
    in practice: the streams differ by reductions, not reorderings)."""
    n, m = len(source), len(target)
    if n == 0:
        return []
    band = max(60, abs(n - m) + 40)
    inf = float("inf")
    # cost[i][j]: aligning source[:i] with target[:j]; move[i][j]: 0 diag, 1 up, 2 left.
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for j in range(1, min(m, band) + 1):
        cost[0][j], move[0][j] = float(j), 2
    for i in range(1, n + 1):
        centre = i * m // n
        low, high = max(0, centre - band), min(m, centre + band)
        a = source[i - 1]
        row, above, steps = cost[i], cost[i - 1], move[i]
        for j in range(low, high + 1):
            best, step = above[j] + 1.0, 1
            if j:
                b = target[j - 1]
                sub = 0.0 if a == b else (0.4 if a in _VOWELS and b in _VOWELS else 1.0)
                if above[j - 1] + sub < best:
                    best, step = above[j - 1] + sub, 0
                if row[j - 1] + 1.0 < best:
                    best, step = row[j - 1] + 1.0, 2
            row[j], steps[j] = best, step
    mapped = [0] * n
    i, j = n, m
    while i > 0:
        step = move[i][j] if j else 1
        if step == 0:
            mapped[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif step == 1:
            mapped[i - 1] = j
            i -= 1
        else:
            j -= 1
    return mapped


def word_start(symbols: Sequence[Symbol], index: int, sample_rate: int) -> tuple[int, bool]:
    """The sample where the word whose first sound is ``symbols[index]`` starts, and
    whether a pause comes before it (then :func:`onset` can refine it from the audio)."""
    first = index
    while first > 0 and symbols[first - 1].text in STRESS:
        first -= 1  # a stress mark before the first sound belongs to the word
    run = first
    while run > 0 and symbols[run - 1].text in SILENT and not symbols[run].call_start:
        run -= 1
    gap = symbols[run:first]
    here = symbols[first]
    paused = (
        here.call_start
        or run == 0
        or any(s.text not in STRESS and s.text != " " for s in gap)
        or (here.start - (gap[0].start if gap else here.start)) > LONG_PAUSE_S * sample_rate
    )
    if paused:
        return here.pad_start + here.pad_length // 2, True
    spaces = [s for s in gap if s.text == " "]
    return (spaces[-1].start if spaces else here.start), False


def onset(audio: Any, start: int, limit: int, sample_rate: int) -> int:
    """The first sample at or after ``start`` (and before ``limit``) of a 5 ms frame whose
    RMS exceeds ``ONSET_DBFS``; ``start`` if none does.

    After a pause the model's durations put the first phoneme up to 60 ms before its sound
    (a vowel or a soft consonant fades in), so a word after a pause is moved to where its
    sound begins; ``limit`` (the end of its first sound) keeps it inside the word.
    ``audio`` is the raw float audio (before the gain).
    """
    import numpy as np

    frame = sample_rate // 200
    window = np.asarray(audio[start:limit], dtype=np.float64)
    count = len(window) // frame
    if count == 0:
        return start
    energy = np.sqrt(np.mean(window[: count * frame].reshape(count, frame) ** 2, axis=1))
    loud = np.flatnonzero(energy > 10 ** (ONSET_DBFS / 20))
    return start + int(loud[0]) * frame if len(loud) else start


def strictly_increasing(starts: Sequence[int], sample_count: int) -> list[int]:
    """Starts made strictly increasing and inside ``[0, sample_count)`` (a word eSpeak
    gave no sound, or two words on one sound, still get distinct samples)."""
    result: list[int] = []
    for number, start in enumerate(starts):
        ceiling = sample_count - (len(starts) - number)
        floor = result[-1] + 1 if result else 0
        result.append(max(floor, min(start, ceiling)))
    return result
