"""Pathological Markdown (the patterns of ``benchmarks/bench_formats.py``): what `reader
info` does with it is correct and does work in proportion to its size.

Times are the bench's business; here the work is counted without a clock: the Python
calls made and the peak memory allocated, for a pattern and for twice as much of it,
must grow linearly. Both are deterministic, so the test fails only when the work does.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from reader.ingest import parse_text
from reader.outline import outline_data
from reader.segment import split_sentences

SIZE = 64 * 1024
LINEAR = 2.2  # twice the input may cost at most this much more work


def _fill(unit: str, size: int, head: str = "") -> str:
    return (head + unit * (size // len(unit) + 1))[:size]


def _grow(line: Callable[[int], str], size: int) -> str:
    lines, total, depth = [], 0, 0
    while total < size:
        lines.append(line(depth))
        total += len(lines[-1])
        depth += 1
    return "".join(lines)[:size]


PATTERNS: dict[str, Callable[[int], str]] = {
    "images": lambda n: _fill("![alt text](pic.png) ", n),
    "links": lambda n: _fill("[a link](http://example.com/x) and ", n),
    "unclosed emphasis": lambda n: _fill("*a _b **c [d `e ", n),
    "hard breaks": lambda n: _fill("line  \n", n),
    "huge table": lambda n: _fill("| 1 | two | [3](x) |\n", n, "| a | b | c |\n|---|---|---|\n"),
    "nested lists": lambda n: _grow(lambda d: f"{'  ' * d}- level {d}\n", n),
    "nested quotes": lambda n: _grow(lambda d: f"{'>' * d} level {d}\n\n", n),
    "sentences without end": lambda n: _fill("Mr. A. B. and U.S. a.m. 1. ", n),
}


def _info(text: str) -> dict[str, Any]:
    return outline_data(parse_text(text, markdown=True))


def _calls(work: Callable[[], object]) -> int:
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def _peak(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", PATTERNS)
def test_info_counts_match_the_full_split(name: str) -> None:
    text = PATTERNS[name](SIZE)
    document = parse_text(text, markdown=True)
    data = outline_data(document)
    assert all("sentences" not in vars(p) for p in document.paragraphs)  # counted, not built
    sentences = [split_sentences(p.text) for p in document.paragraphs]
    assert data["sentences"] == sum(len(s) for s in sentences)
    assert data["words"] == sum(len(one.words) for s in sentences for one in s)
    assert data["paragraphs"] == len(document.paragraphs) > 0


@pytest.mark.parametrize("name", PATTERNS)
def test_info_work_is_linear(name: str) -> None:
    small, large = PATTERNS[name](SIZE), PATTERNS[name](2 * SIZE)
    calls = _calls(lambda: _info(large)) / _calls(lambda: _info(small))
    assert calls <= LINEAR, f"{name}: {calls:.2f}x the calls for 2x the text"
    memory = _peak(lambda: _info(large)) / _peak(lambda: _info(small))
    assert memory <= LINEAR, f"{name}: {memory:.2f}x the memory for 2x the text"


@pytest.mark.parametrize("name", PATTERNS)
def test_splitting_what_is_shown_is_linear(name: str) -> None:
    """`read` and `open` split the paragraph they show: one long paragraph of unclosed
    emphasis is the worst case."""
    small = parse_text(PATTERNS[name](SIZE), markdown=True).paragraphs
    large = parse_text(PATTERNS[name](2 * SIZE), markdown=True).paragraphs
    calls = _calls(lambda: [split_sentences(p.text) for p in large]) / _calls(
        lambda: [split_sentences(p.text) for p in small]
    )
    assert calls <= LINEAR, f"{name}: {calls:.2f}x the calls for 2x the text"
