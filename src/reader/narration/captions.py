"""Caption cues people can read: a sentence's timed words cut into cues of at most two
lines of 42 characters and at most 7 seconds, split where the text pauses.

The limits are the common broadcast ones (BBC and Netflix subtitle guidelines: 42
characters a line, two lines, about 7 seconds a cue). A cue ends at a sentence end, else
preferably after clause punctuation, else at the last space that still fits; it never
ends inside a word, and a line breaks only where the text has white space. A single word
longer than a line (a web address) gets a line of its own rather than being cut.

Units: milliseconds in the full-length audio; lengths in code points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_LINE = 42
MAX_LINES = 2
MAX_MS = 7000
# A cue that ends at clause punctuation must still hold this share of what would fit, so
# a comma after the first word does not make a one-word cue.
MIN_CLAUSE_SHARE = 0.4
CLAUSE_END = tuple(".,;:!?—–)]”’\"'…")


@dataclass(frozen=True, slots=True)
class Token:
    """One word with what follows it up to the next word, as the document has it.

    ``text`` is the word and its punctuation with white space folded to single spaces and
    none at the ends; ``space`` says whether white space separates it from the next word
    (``attacks—and`` is two tokens with no space between them). ``at`` is when the word
    starts, ``stop`` when the next one does (or the sentence ends).
    """

    at: int
    stop: int
    text: str
    space: bool


@dataclass(frozen=True, slots=True)
class Cue:
    """A caption: its time span and its tokens laid out in one or two lines."""

    start: int
    end: int
    lines: tuple[tuple[Token, ...], ...]

    @property
    def tokens(self) -> tuple[Token, ...]:
        """All tokens of the cue in order."""
        return tuple(token for line in self.lines for token in line)


def join(tokens: Sequence[Token]) -> str:
    """The tokens as text: a space only where the document has white space."""
    parts: list[str] = []
    for index, token in enumerate(tokens):
        parts.append(token.text)
        if token.space and index + 1 < len(tokens):
            parts.append(" ")
    return "".join(parts)


def _clause(token: Token) -> bool:
    return token.text.endswith(CLAUSE_END)


def layout(tokens: Sequence[Token]) -> tuple[tuple[Token, ...], ...] | None:
    """The tokens in one line, or two balanced lines broken at a space (after clause
    punctuation where that costs little balance); None when they do not fit.

    A run with no space in it (one long word, a web address the segmenter cut into several
    words) cannot be broken, so it may fill a line of its own whatever its length."""
    # ends[i]: the length of tokens[: i + 1] as one line (a cut after token i drops the
    # space that follows it). Prefix sums keep this linear: it runs for every cue tried.
    ends: list[int] = []
    total = 0
    for index, token in enumerate(tokens):
        total += len(token.text)
        ends.append(total)
        if token.space and index + 1 < len(tokens):
            total += 1
    spaced = [i for i in range(len(tokens) - 1) if tokens[i].space]
    if ends[-1] <= MAX_LINE or not spaced:
        return (tuple(tokens),)
    best: tuple[int, int] | None = None
    for position, index in enumerate(spaced):
        first, second = ends[index], ends[-1] - ends[index] - 1
        # A line longer than MAX_LINE is allowed only where it has no space to break at.
        first_ok = first <= MAX_LINE or position == 0
        second_ok = second <= MAX_LINE or position == len(spaced) - 1
        if not (first_ok and second_ok):
            continue
        # Balanced lines read best; a break after a comma is worth a few characters.
        score = max(first, second) - (6 if _clause(tokens[index]) else 0)
        if best is None or score < best[0]:
            best = (score, index + 1)
    if best is None:
        return None
    return (tuple(tokens[: best[1]]), tuple(tokens[best[1] :]))


def _best_cut(tokens: Sequence[Token], first: int, stop: int) -> int:
    """Where to end a cue holding ``tokens[first:stop]`` when the next token does not
    fit: after the last clause that leaves a cue of reasonable size, else after the last
    word followed by a space, else (no space at all) after the last word that fits."""
    size = len(join(tokens[first:stop]))
    spaced = [k for k in range(first + 1, stop + 1) if tokens[k - 1].space]
    for k in reversed(spaced):
        if _clause(tokens[k - 1]) and len(join(tokens[first:k])) >= MIN_CLAUSE_SHARE * size:
            return k
    return spaced[-1] if spaced else stop


def split_cues(start: int, end: int, tokens: Sequence[Token]) -> list[Cue]:
    """Cut one sentence (``start``-``end`` ms, its ``tokens`` in order) into cues that fit.

    The cues cover the sentence without gaps: each one ends when the next one's first
    word starts, the last one when the sentence ends."""
    cues: list[Cue] = []
    first = 0
    while first < len(tokens):
        cue_start = start if first == 0 else tokens[first].at
        stop = first + 1
        length, spaced = len(tokens[first].text), False
        while stop < len(tokens) and tokens[stop].stop - cue_start <= MAX_MS:
            # The run's one-line length, kept as it grows: only runs between one and two
            # lines long need a layout to tell whether they fit.
            gap = tokens[stop - 1].space
            grown = length + gap + len(tokens[stop].text)
            spaced = spaced or gap
            if grown > MAX_LINE and spaced:
                too_long = grown > MAX_LINES * MAX_LINE + 1
                if too_long or layout(tokens[first : stop + 1]) is None:
                    break
            length = grown
            stop += 1
        if stop < len(tokens):
            stop = _best_cut(tokens, first, stop)
        # Never end a cue where the next token starts no later than this cue: tokens that
        # share a time (a word and a stray " ." after it) stay together, so every cue
        # starts after the one before it.
        while stop < len(tokens) and tokens[stop].at <= cue_start:
            stop += 1
        run = tokens[first:stop]
        lines = layout(run) or (tuple(run),)
        cue_end = end if stop == len(tokens) else tokens[stop].at
        cues.append(Cue(cue_start, max(cue_end, cue_start + 1), lines))
        first = stop
    return cues
