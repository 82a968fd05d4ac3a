"""Counting sentences and words without building them gives exactly the numbers of the
full segmentation: on the test corpus, on every Basic Multilingual Plane character, on
random text made of the characters the rules care about, and through the document API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.counts import count_sentences, count_words
from reader.ingest import load_document, parse_text
from reader.segment import split_sentences

ROOT = Path(__file__).resolve().parents[2]
CORPUS = [
    ROOT / "texts" / "sessions-iacp-2018.md",
    ROOT / "tests" / "data" / "addresses.md",
    ROOT / "tests" / "data" / "seed-page.txt",
    ROOT / "README.md",
]
PIECES = [
    *list("aAbZI1 .!?…\"'“”‘’()[]-,:;/\u2010\u2011\u3002！？」\n\t\u00a0\u2028\x85我"),
    "Mr.",
    "U.S.",
    "a.m.",
    "Dr",
    "1.",
    "...",
    "The ",
    "we ",
    "e.g.",
    "30,000",
    "don't",
    # Plain words of every length around the abbreviations (the counted shortcut).
    "Washington",
    "went",
    " Smith",
    " mr",
    " St",
    " vs",
    " no",
    " Sept",
    " messrs",
    " approx",
    " corps",
]


def _full(text: str) -> tuple[int, int]:
    sentences = split_sentences(text)
    return len(sentences), sum(len(sentence.words) for sentence in sentences)


def _counted(text: str) -> tuple[int, int]:
    return count_sentences(text), count_words(text)


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_counts_equal_the_segmentation_on_the_corpus(path: Path) -> None:
    document = load_document(path)
    texts = [paragraph.text for paragraph in document.paragraphs]
    texts.append(path.read_text(encoding="utf-8"))  # raw, with newlines and markup
    for text in texts:
        assert _counted(text) == _full(text), text[:200]


@pytest.mark.parametrize(
    ("text", "sentences", "words"),
    [
        ("", 0, 0),
        ("   ", 0, 0),
        ("Mr. Smith went to Washington. He met Dr. Jones.", 2, 9),
        ("He lives in the U.S. The weather is fine.", 2, 9),
        ("1. Delivered at Gettysburg, Pa., on Nov. 19, 1863.", 1, 9),
        ("(1. Not a list.) Next.", 3, 5),
        ("我们走。他们来了。", 2, 2),
        ("U.S.A and a.b.c.d and 1.2.3", 1, 5),
        ("Wait... what? Really?! Yes.", 3, 4),
        ("“Really?” he asked. “Yes.” “", 3, 4),
        ("a..b a.-b .a. --", 2, 5),
    ],
)
def test_counts_table(text: str, sentences: int, words: int) -> None:
    assert _full(text) == (sentences, words)
    assert _counted(text) == (sentences, words)


def test_every_bmp_character_as_word_separator_or_joiner() -> None:
    for code in range(0x10000):
        char = chr(code)
        for text in (f"ab{char}cd", f"a.{char}.b x{char}"):
            assert count_words(text) == _full(text)[1], hex(code)


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
@settings(max_examples=1500, deadline=None)
def test_counts_equal_the_segmentation_on_tricky_text(text: str) -> None:
    assert _counted(text) == _full(text)


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_counts_equal_the_segmentation_on_any_unicode(text: str) -> None:
    assert _counted(text) == _full(text)


def test_document_counts_build_no_sentences() -> None:
    document = parse_text("One. Two three.\n\nFour five six. Seven!", markdown=False)
    assert document.word_count == 7 and document.sentence_count == 4
    assert [p.sentence_count for p in document.paragraphs] == [2, 2]
    # Counting left the paragraphs unsplit; once split, the counts come from the split.
    assert all("sentences" not in vars(p) for p in document.paragraphs)
    first = document.paragraphs[0]
    assert len(first.sentences) == first.sentence_count == 2
    assert len(first.words) == first.word_count == 3


class _Watched(str):
    """A text that counts how often it is stripped whole (a slice is a plain ``str``)."""

    strips = 0

    def rstrip(self, chars: str | None = None) -> str:
        _Watched.strips += 1
        return super().rstrip(chars)

    def lstrip(self, chars: str | None = None) -> str:
        _Watched.strips += 1
        return super().lstrip(chars)

    def strip(self, chars: str | None = None) -> str:
        _Watched.strips += 1
        return super().strip(chars)


@pytest.mark.parametrize("split", [split_sentences, count_sentences], ids=["split", "count"])
def test_a_paragraph_is_stripped_whole_a_fixed_number_of_times(
    split: Callable[[str], object],
) -> None:
    """Stripping the whole paragraph for each candidate end made one long paragraph
    (pathological Markdown, a book without blank lines) cost quadratic time."""
    for ends in (10, 1000):
        _Watched.strips = 0
        split(_Watched("1. Mr. Smith went. He came back. " * ends))
        assert _Watched.strips <= 2, (ends, _Watched.strips)
