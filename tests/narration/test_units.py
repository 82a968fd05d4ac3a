"""Small pure pieces of narration: frame arithmetic, names, option parsing, formats."""

from __future__ import annotations

import pytest

from reader.audio import mp3join
from reader.errors import ReaderError
from reader.narration.outputs import parse_formats, slug
from reader.narration.syncformats import iso_date


@pytest.mark.parametrize(
    ("start", "samples", "expected"),
    [
        (0, 1, (1, 2)),  # 1 + 529 samples fit in one frame after the skipped delay
        (0, 47, (1, 2)),
        (0, 48, (1, 3)),
        (576 * 10, 576 * 3, (11, 15)),
    ],
)
def test_cut_covers_the_paragraph(start: int, samples: int, expected: tuple[int, int]) -> None:
    first, stop = mp3join.cut(start, samples)
    assert (first, stop) == expected
    decoded = (stop - first) * mp3join.FRAME_SAMPLES - mp3join.DECODER_DELAY
    assert 0 <= decoded - samples < mp3join.FRAME_SAMPLES


def test_cut_needs_a_frame_boundary() -> None:
    with pytest.raises(ValueError, match="frame boundary"):
        mp3join.cut(100, 1000)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Two American Addresses", "two-american-addresses"),
        ("Ünïcödé: déjà vu!", "unicode-deja-vu"),
        ("中文", "document"),
        ("a" * 80, "a" * 48),
    ],
)
def test_slug(title: str, expected: str) -> None:
    assert slug(title) == expected


def test_formats() -> None:
    assert parse_formats(" MP3, wav,mp3 ") == ["mp3", "wav"]
    assert parse_formats("epub,mp3") == ["epub", "mp3"]
    with pytest.raises(ReaderError, match="unknown format 'pdf'"):
        parse_formats("pdf")
    with pytest.raises(ReaderError, match="no format given"):
        parse_formats(",")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("March 16, 2018", "2018-03-16"), ("1863, 1961", "1863, 1961"), ("2018", "2018")],
)
def test_iso_date(text: str, expected: str) -> None:
    assert iso_date(text) == expected
