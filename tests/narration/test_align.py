"""Mapping eSpeak's word events onto the document's words (pure logic, no engine)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.document import Paragraph
from reader.ingest import parse_text
from reader.narration.align import AlignmentError, align, check
from reader.narration.engines.port import WordMark


def paragraph(text: str) -> Paragraph:
    document = parse_text(text, markdown=False)
    assert len(document.paragraphs) == 1
    return document.paragraphs[0]


def word_events(text: str, samples: list[int]) -> list[WordMark]:
    p = paragraph(text)
    return [
        WordMark("word", w.start - p.start, w.end - w.start, s)
        for w, s in zip(p.words, samples, strict=True)
    ]


def test_each_word_takes_its_event() -> None:
    p = paragraph("One two three. Four five.")
    sync = align(p, word_events(p.text, [0, 100, 200, 500, 600]), 800, 22050)
    check(p, sync)
    assert [w.start_sample for w in sync.words] == [0, 100, 200, 500, 600]
    assert [w.end_sample for w in sync.words] == [100, 200, 500, 600, 800]
    assert [(s.start_sample, s.end_sample) for s in sync.sentences] == [(0, 500), (500, 800)]
    assert [s.text for s in sync.sentences] == ["One two three.", "Four five."]


def test_split_and_missing_events() -> None:
    # "30,000" read as several events, "and" skipped, an empty event for a dash.
    p = paragraph("We have 30,000 chiefs and — friends.")
    text = p.text
    events = [
        WordMark("word", 0, 2, 0),
        WordMark("word", 3, 4, 50),
        WordMark("word", text.index("30"), 2, 100),
        WordMark("word", text.index("000"), 3, 150),
        WordMark("word", text.index("chiefs"), 6, 200),
        WordMark("word", text.index("—"), 0, 260),
        WordMark("word", text.index("friends"), 7, 300),
    ]
    sync = align(p, events, 400, 22050)
    check(p, sync)
    starts = {w.text: w.start_sample for w in sync.words}
    assert starts["30,000"] == 100
    assert 200 < starts["and"] < 300  # placed between its timed neighbours


def test_no_events_at_all_still_times_every_word() -> None:
    p = paragraph("Alpha beta gamma.")
    sync = align(p, [], 90, 22050)
    check(p, sync)
    assert len(sync.words) == 3


def test_too_short_audio_is_refused() -> None:
    p = paragraph("Alpha beta gamma delta.")
    with pytest.raises(AlignmentError):
        align(p, [], 3, 22050)


def test_check_catches_a_missing_word() -> None:
    p = paragraph("Alpha beta gamma.")
    sync = align(p, [], 900, 22050)
    broken = type(sync)(sync.paragraph_index, 22050, 900, sync.words[:2], sync.sentences)
    with pytest.raises(AlignmentError, match="2 of 3"):
        check(p, broken)


@given(
    words=st.lists(st.sampled_from(["a", "bb", "ccc", "30,000", "don't", "é", "中文"]),
                   min_size=1, max_size=30),
    samples=st.lists(st.integers(0, 5000), max_size=40),
    stops=st.lists(st.booleans(), max_size=30),
)  # fmt: skip
def test_any_events_give_a_valid_sync(
    words: list[str], samples: list[int], stops: list[bool]
) -> None:
    text = " ".join(w + ("." if i < len(stops) and stops[i] else "") for i, w in enumerate(words))
    p = paragraph(text)
    events = [
        WordMark("word", (i * 7) % max(1, len(text)), 1 + i % 3, s) for i, s in enumerate(samples)
    ]
    sync = align(p, events, 6000, 22050)
    check(p, sync)
    assert sync.sentences[0].start_sample == 0
