"""Sentence and word splitting on real prose (table-driven)."""

from __future__ import annotations

import pytest

from reader.segment import iter_words, split_sentences

SENTENCES = [
    (
        "Mr. Smith went to Washington. He met Dr. Jones at St. Paul's.",
        ["Mr. Smith went to Washington.", "He met Dr. Jones at St. Paul's."],
    ),
    ("The U.S. Attorney spoke. We listened.", ["The U.S. Attorney spoke.", "We listened."]),
    ("He lives in the U.S. The weather is fine.", ["He lives in the U.S.", "The weather is fine."]),
    ("We met at 9 a.m. on Jan. 5. It rained.", ["We met at 9 a.m. on Jan. 5.", "It rained."]),
    ("John F. Kennedy spoke. Then he left.", ["John F. Kennedy spoke.", "Then he left."]),
    ("So have I. And we listened.", ["So have I.", "And we listened."]),
    (
        "It cost $1.5 million. That is 10 percent more than in the 1970s.",
        ["It cost $1.5 million.", "That is 10 percent more than in the 1970s."],
    ),
    (
        "More than 30,000 chiefs came. After 9/11 things changed.",
        ["More than 30,000 chiefs came.", "After 9/11 things changed."],
    ),
    ("MS-13 is a gang. It is violent.", ["MS-13 is a gang.", "It is violent."]),
    ("Wait... what? Really?! Yes.", ["Wait... what?", "Really?!", "Yes."]),
    ("It went on… And then it stopped.", ["It went on…", "And then it stopped."]),
    ("It went on… and on.", ["It went on… and on."]),
    (
        "He said, “by the field, for the field.” Then we left.",
        ["He said, “by the field, for the field.”", "Then we left."],
    ),
    ("(See above.) Next one!", ["(See above.)", "Next one!"]),
    ("“Really?” he asked. She nodded.", ["“Really?” he asked.", "She nodded."]),
    (
        "Center—which will help. Between sanctity – and lawlessness. Done.",
        ["Center—which will help.", "Between sanctity – and lawlessness.", "Done."],
    ),
    (
        "1. Delivered at Gettysburg, Pa., on Nov. 19, 1863.",
        ["1. Delivered at Gettysburg, Pa., on Nov. 19, 1863."],
    ),
    ("No final stop here", ["No final stop here"]),
    ("我们走。他们来了。", ["我们走。", "他们来了。"]),
    ("Γεια σου. Τι κάνεις;", ["Γεια σου.", "Τι κάνεις;"]),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_sentences(text: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == expected


WORDS = [
    ("Don’t say it", ["Don’t", "say", "it"]),
    ("$1 million and 10 percent", ["$1", "million", "and", "10", "percent"]),
    ("30,000 police; 9/11; 1970s.", ["30,000", "police", "9/11", "1970s"]),
    ("MS-13 and law-and-order", ["MS-13", "and", "law-and-order"]),
    ("the U.S. and a.m. hours", ["the", "U.S.", "and", "a.m.", "hours"]),
    ("Center—which will", ["Center", "which", "will"]),
    ("“by the field”", ["by", "the", "field"]),
    ("— – … !!", []),
    ("नमस्ते दुनिया", ["नमस्ते", "दुनिया"]),
    ("AT&T 10% off", ["AT&T", "10%", "off"]),
]


@pytest.mark.parametrize(("text", "expected"), WORDS)
def test_words(text: str, expected: list[str]) -> None:
    assert [w.text for w in iter_words(text)] == expected


def test_offsets_are_shifted_by_base() -> None:
    text = "One two. Three."
    sentences = split_sentences(text, base=100)
    assert sentences[1].start == 109
    padded = " " * 100 + text
    for sentence in sentences:
        assert padded[sentence.start : sentence.end] == sentence.text
        for word in sentence.words:
            assert padded[word.start : word.end] == word.text
