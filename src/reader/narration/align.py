"""Turning an engine's word marks into timings for the document's own words and sentences.

Units: event and timing positions are sample indices into one paragraph's audio; character
offsets are paragraph-local code points (``word.start - paragraph.start``).

eSpeak's idea of a word is not ours ("30,000" may be several events, an emoji is spoken as
several words, an em dash can give an empty event), so each document word takes the first
event that overlaps its characters; a word no event touches (eSpeak skipped it) is placed
between its timed neighbours by character position. Starts are then made strictly
increasing and every unit ends where the next begins, so the result always satisfies the
``ParagraphSync`` contract.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from reader.document import Paragraph
from reader.narration.engines.port import WordMark
from reader.narration.timing import ParagraphSync, TimedUnit


class AlignmentError(ValueError):
    """The audio cannot hold the paragraph's words (for example, it is too short)."""


def align(
    paragraph: Paragraph,
    events: Sequence[WordMark],
    sample_count: int,
    sample_rate: int,
) -> ParagraphSync:
    """The sync map of ``paragraph`` given the engine's word marks for its text."""
    spans = [(w.start - paragraph.start, w.end - paragraph.start, w.text) for w in paragraph.words]
    if len(spans) > sample_count:
        raise AlignmentError(f"{len(spans)} words cannot fit in {sample_count} samples")
    word_events = sorted(
        (e for e in events if e.kind == "word" and e.char_length > 0 and e.sample < sample_count),
        key=lambda e: (e.sample, e.char_start),
    )
    starts = _strictly_increasing(_word_starts(spans, word_events), sample_count)
    words = tuple(
        TimedUnit(start, end, s, e, text)
        for (s, e, text), start, end in zip(
            spans, starts, [*starts[1:], sample_count][: len(starts)], strict=True
        )
    )
    sentences = _sentences(paragraph, words, sample_count)
    return ParagraphSync(paragraph.index, sample_rate, sample_count, words, sentences)


def _word_starts(spans: list[tuple[int, int, str]], events: list[WordMark]) -> list[int | None]:
    """For each word, the sample of the first event overlapping it (None if none does)."""
    by_char = sorted(events, key=lambda e: e.char_start)
    event_starts = [e.char_start for e in by_char]
    found: list[int | None] = []
    for start, end, _ in spans:
        best: int | None = None
        # Events starting before the word's end; walk back while they could still reach it.
        index = bisect_right(event_starts, end - 1) - 1
        while index >= 0:
            event = by_char[index]
            if event.char_start + event.char_length > start and (
                best is None or event.sample < best
            ):
                best = event.sample
            if start - event.char_start > 64:
                break
            index -= 1
        found.append(best)
    return found


def _strictly_increasing(found: list[int | None], sample_count: int) -> list[int]:
    """Fill gaps by interpolation and make every start later than the one before."""
    count = len(found)
    filled: list[int] = []
    previous = 0
    for index, value in enumerate(found):
        start = value
        if start is None or start < previous:
            following = next((v for v in found[index + 1 :] if v is not None), sample_count)
            start = previous if following <= previous else (previous + following) // 2
        filled.append(start)
        previous = start
    result: list[int] = []
    for index, value in enumerate(filled):
        # Leave room for the words still to come so none is squeezed out of the audio.
        ceiling = sample_count - (count - index)
        low = result[-1] + 1 if result else 0
        result.append(max(low, min(value, ceiling)))
    return result


def _sentences(
    paragraph: Paragraph, words: tuple[TimedUnit, ...], sample_count: int
) -> tuple[TimedUnit, ...]:
    """Sentences start at their first word; a sentence without words shares its place."""
    starts: list[int | None] = []
    position = 0
    for sentence in paragraph.sentences:
        count = len(sentence.words)
        starts.append(words[position].start_sample if count else None)
        position += count
    known = [s for s in starts if s is not None]
    if not known:
        # No words at all (a paragraph of symbols): one span per sentence, split evenly.
        step = sample_count / max(1, len(starts))
        filled = [round(i * step) for i in range(len(starts))]
    else:
        # A wordless sentence ("* * *" amid prose) takes the next sentence's start, so it
        # gets no span of its own: there is nothing in it to highlight.
        filled = [
            s
            if s is not None
            else next((t for t in starts[i + 1 :] if t is not None), sample_count)
            for i, s in enumerate(starts)
        ]
    if filled:
        filled[0] = 0  # the leading silence belongs to the first sentence
    units: list[TimedUnit] = []
    bounds = [*filled[1:], sample_count]
    for sentence, start, end in zip(paragraph.sentences, filled, bounds, strict=True):
        if end <= start:
            continue  # a wordless sentence squeezed to nothing: it has no audio of its own
        units.append(
            TimedUnit(
                start,
                end,
                sentence.start - paragraph.start,
                sentence.end - paragraph.start,
                sentence.text,
            )
        )
    return tuple(units)


def check(paragraph: Paragraph, sync: ParagraphSync) -> None:
    """Raise ``AlignmentError`` unless ``sync`` times every word of ``paragraph`` in order,
    inside the audio, without overlaps."""
    words = paragraph.words
    if sync.sample_count <= 0:
        raise AlignmentError("the audio is empty")
    if len(sync.words) != len(words):
        raise AlignmentError(f"{len(sync.words)} of {len(words)} words timed")
    _check_units(sync.words, sync.sample_count, "word")
    _check_units(sync.sentences, sync.sample_count, "sentence")
    for word, unit in zip(words, sync.words, strict=True):
        if paragraph.text[unit.char_start : unit.char_end] != word.text:
            raise AlignmentError(f"word {word.text!r} points at the wrong characters")


def _check_units(units: tuple[TimedUnit, ...], sample_count: int, what: str) -> None:
    previous_end = 0
    for unit in units:
        if not previous_end <= unit.start_sample < unit.end_sample <= sample_count:
            raise AlignmentError(f"{what} {unit.text!r} is out of order or outside the audio")
        previous_end = unit.end_sample
