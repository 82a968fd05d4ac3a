"""How the terminal reader cuts a long paragraph for narration, so that it starts speaking
at once: a small first piece (its first sentence), then pieces of whole sentences, each
allowed twice the words of the one before (each is synthesised while the one before
plays), up to a cap.

Pieces are runs of whole sentences; a sentence longer than the piece that starts with it
is cut after clause punctuation (, ; : and dashes); with none near, it stays whole, unless
it is longer than the largest piece (a run-on sentence), which is cut between words. A
paragraph that fits in the first piece is one piece, the paragraph itself, so its audio
is the very entry ``reader render`` makes and caches. The plan depends only on the
paragraph and the engine's sizes, so the same pieces (and their cache entries) come back
whichever word narration starts from.

Units: ``start``/``end`` are paragraph-local character offsets (half-open); sizes are
words.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from reader.document import Paragraph

# (first piece, largest piece) in words, by engine. eSpeak NG speaks about a thousand
# words a second here, so 200 words are ready in well under a second and every ordinary
# paragraph stays whole; Piper speaks some 25 words a second on one core (its first
# sentence of the speech in about 0.25 s), so its first piece is a short sentence or the
# first clause of a longer one.
# The largest piece bounds how long a move waits for the piece rendering ahead (about a
# second for eSpeak, two or three for Piper, on an idle core).
SIZES: dict[str, tuple[int, int]] = {"espeak": (200, 1600), "piper": (8, 64)}
DEFAULT_SIZES = (8, 64)  # an engine not measured: assume a slow one
CLAUSE_MARKS = frozenset(",;:\u2013\u2014")


@dataclass(frozen=True, slots=True)
class Piece:
    """One piece of paragraph ``paragraph``: number ``number`` of ``count``, spanning
    ``start``..``end`` of its text, starting at its word ``first_word``."""

    paragraph: int
    number: int
    count: int
    start: int
    end: int
    first_word: int
    words: int

    @property
    def whole(self) -> bool:
        """Whether this piece is the whole paragraph."""
        return self.count == 1

    @property
    def last(self) -> bool:
        """Whether this is the paragraph's last piece."""
        return self.number == self.count - 1

    def holds(self, offset: int) -> bool:
        """Whether paragraph-local ``offset`` falls in this piece (the last piece holds
        everything after it, the first everything before it)."""
        after_start = self.number == 0 or offset >= self.start
        before_end = self.last or offset < self.end
        return after_start and before_end

    def text_of(self, paragraph: Paragraph) -> Paragraph:
        """The piece as a paragraph of its own (same index), for the renderer; the whole
        paragraph itself when it is one piece."""
        if self.whole:
            return paragraph
        return Paragraph(
            paragraph.index,
            paragraph.section_index,
            paragraph.start + self.start,
            paragraph.start + self.end,
            paragraph.text[self.start : self.end],
        )


def plan(paragraph: Paragraph, first: int, largest: int) -> tuple[Piece, ...]:
    """The pieces of ``paragraph`` (one when it has at most ``first`` words): the first
    its first sentence (at most ``first`` words), the next ones at most ``2 * first``,
    ``4 * first``... words, none above ``largest`` (a sentence is cut only when it alone
    is longer than its piece may be)."""
    text = paragraph.text
    spans: list[tuple[int, int]] = []  # (first word, word count) of each sentence
    words: list[tuple[int, int]] = []  # local (start, end) of every word
    for sentence in paragraph.sentences:
        spans.append((len(words), len(sentence.words)))
        words.extend((paragraph.local(w.start), paragraph.local(w.end)) for w in sentence.words)
    total = len(words)
    if total <= first:
        return (Piece(paragraph.index, 0, 1, 0, len(text), 0, total),)
    sentence_end = sorted({begin + count for begin, count in spans if count})
    cuts: list[int] = [0]  # word indices where pieces begin
    budget = first
    at = 0
    while at < total:
        end = at
        while end < total:
            stop = _sentence_stop(sentence_end, end, total)
            if stop - at <= budget:
                end = stop
                if at == 0:  # the first piece is one sentence: the sooner it sounds
                    break
                continue
            if end == at:  # one sentence longer than the piece: cut it after a clause
                cut = _clause_cut(text, words, at, min(stop - 1, at + budget), stop)
                if cut is not None:
                    end = cut
                elif stop - at <= largest:
                    end = stop  # no clause to end on: the sentence whole
                else:
                    end = at + budget  # a run-on sentence: between words
            break
        at = end
        if at < total:
            cuts.append(at)
        budget = min(largest, budget * 2)
    starts = [0, *(_start_of(text, words, cut) for cut in cuts[1:])]
    pieces = []
    for number, cut in enumerate(cuts):
        begin = starts[number]
        stop_char = starts[number + 1] if number + 1 < len(cuts) else len(text)
        end_char = len(text[:stop_char].rstrip()) if number + 1 < len(cuts) else stop_char
        upto = cuts[number + 1] if number + 1 < len(cuts) else total
        pieces.append(Piece(paragraph.index, number, len(cuts), begin, end_char, cut, upto - cut))
    return tuple(pieces)


def _sentence_stop(sentence_end: list[int], at: int, total: int) -> int:
    """The word index just after the sentence that holds word ``at``."""
    found = bisect_right(sentence_end, at)
    return sentence_end[found] if found < len(sentence_end) else total


def _clause_cut(
    text: str, words: list[tuple[int, int]], at: int, limit: int, stop: int
) -> int | None:
    """Where to end a piece that starts at word ``at`` inside a sentence that ends before
    word ``stop``: after the last clause punctuation before word ``limit`` (at least one
    word in), else after the first one past it; None if the sentence has none."""
    for index in range(limit, at, -1):
        if CLAUSE_MARKS.intersection(text[words[index - 1][1] : words[index][0]]):
            return index
    for index in range(limit + 1, stop):
        if CLAUSE_MARKS.intersection(text[words[index - 1][1] : words[index][0]]):
            return index
    return None


def _start_of(text: str, words: list[tuple[int, int]], cut: int) -> int:
    """The character where a piece beginning at word ``cut`` starts: just after the
    punctuation and spaces that end the word before it."""
    position = words[cut - 1][1]
    begin = words[cut][0]
    while position < begin and not text[position].isspace():
        position += 1
    while position < begin and text[position].isspace():
        position += 1
    return position
