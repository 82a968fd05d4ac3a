"""Chapters: at most 255, per section or per stretch of minutes, and the files ffmpeg
writes from them read back with the right count and titles (real ffmpeg/ffprobe)."""

from __future__ import annotations

import subprocess
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.ingest import parse_text
from reader.narration.chapters import (
    MAX_CHAPTERS,
    Chapter,
    PlacedParagraph,
    plan_chapters,
    vorbis_comments,
)
from reader.narration.syncformats import ffmetadata

from .narration_helpers import ffprobe
from .sync_helpers import fake_timeline

RATE = 1000  # samples are milliseconds here


def plain(count: int) -> str:
    return "\n\n".join(f"Paragraph number {n} says a few words." for n in range(1, count + 1))


def sectioned(count: int) -> str:
    return "\n\n".join(f"# Heading {n}\n\nText of section {n}." for n in range(1, count + 1))


def plan(text: str, seconds: list[int], minutes: float = 10.0) -> list[Chapter]:
    """Chapters of ``text`` whose paragraphs last ``seconds`` each, back to back."""
    document = parse_text(text, markdown=True)
    placed, at = [], 0
    for paragraph, length in zip(document.paragraphs, seconds, strict=True):
        placed.append(PlacedParagraph(paragraph, at, at + length * RATE))
        at += length * RATE
    return plan_chapters(document, placed, at, RATE, minutes=minutes)


def assert_covers(chapters: list[Chapter], total: int) -> None:
    assert chapters[0].start == 0 and chapters[-1].end == total
    for before, after in pairwise(chapters):
        assert before.end == after.start and before.start < before.end


@pytest.mark.parametrize(
    ("text", "seconds", "minutes", "titles"),
    [
        # A plain text groups paragraphs into stretches of the target length.
        (plain(6), [120] * 6, 5.0, ["Part 1 (paragraphs 1-3)", "Part 2 (paragraphs 4-6)"]),
        (plain(1), [30], 10.0, ["Part 1 (paragraph 1)"]),
        (plain(5), [30] * 5, 10.0, ["Part 1 (paragraphs 1-5)"]),
        # A short remainder joins the chapter before rather than standing alone.
        (plain(7), [120] * 6 + [10], 5.0, ["Part 1 (paragraphs 1-3)", "Part 2 (paragraphs 4-7)"]),
        # With sections: one chapter each, whatever their length.
        (sectioned(3), [5, 900, 5], 10.0, ["Heading 1", "Heading 2", "Heading 3"]),
        # One heading is a title, not sections: grouped by time.
        (
            "# Title\n\n" + plain(4),
            [400] * 4,
            10.0,
            ["Part 1 (paragraphs 1-2)", "Part 2 (paragraphs 3-4)"],
        ),
    ],
)
def test_chapter_plan(text: str, seconds: list[int], minutes: float, titles: list[str]) -> None:
    chapters = plan(text, seconds, minutes)
    assert [c.title for c in chapters] == titles
    assert_covers(chapters, sum(seconds) * RATE)


def test_300_paragraphs_of_plain_text_make_chapters_of_ten_minutes() -> None:
    chapters = plan(plain(300), [30] * 300)
    assert len(chapters) == 15
    assert chapters[1].title == "Part 2 (paragraphs 21-40)"


def test_never_more_than_255_chapters() -> None:
    for text in (plain(300), sectioned(300)):
        chapters = plan(text, [30] * 300, minutes=0.01)
        assert len(chapters) <= MAX_CHAPTERS
        assert_covers(chapters, 300 * 30 * RATE)


def test_too_many_sections_merge_the_small_ones_first() -> None:
    # 250 long sections and 50 short ones: the short ones merge, the long ones stay alone.
    seconds = [600 if n % 6 else 5 for n in range(300)]
    chapters = plan(sectioned(300), seconds)
    assert len(chapters) <= MAX_CHAPTERS
    alone = {c.title for c in chapters if "–" not in c.title}
    assert sum(1 for n in range(300) if n % 6 and f"Heading {n + 1}" in alone) >= 200
    assert any(c.title == "Heading 1 – Heading 2" for c in chapters)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=2000), min_size=1, max_size=400),
    st.booleans(),
    st.floats(min_value=0.01, max_value=60),
)
def test_any_layout_gives_at_most_255_contiguous_chapters(
    seconds: list[int], with_sections: bool, minutes: float
) -> None:
    text = sectioned(len(seconds)) if with_sections else plain(len(seconds))
    chapters = plan(text, seconds, minutes)
    assert 1 <= len(chapters) <= MAX_CHAPTERS
    assert_covers(chapters, sum(seconds) * RATE)


@pytest.mark.parametrize(
    ("start", "key", "value"),
    [
        (0, "CHAPTER001", "00:00:00.000"),
        (61_001, "CHAPTER001", "00:01:01.001"),
        (3_600_000 * 27 + 5, "CHAPTER001", "27:00:00.005"),
    ],
)
def test_vorbis_comment_times(start: int, key: str, value: str) -> None:
    comments = vorbis_comments([Chapter(start, start + 10, "Intro; part=1")], RATE)
    assert comments == [(key, value), (f"{key}NAME", "Intro; part=1")]


def ctoc_entry_count(path: Path) -> int:
    """The entry count byte of the MP3's ID3 CTOC frame (what players use to list the
    chapters; ffprobe reads the CHAP frames and does not look at it)."""
    data = path.read_bytes()[:1_000_000]
    frame = data.index(b"CTOC")
    body = data[frame + 10 :]
    element_end = body.index(b"\0")
    return body[element_end + 2]  # after the element id: one flags byte, then the count


def encode(meta: Path, seconds: float, out: Path, codec: list[str]) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-t", f"{seconds:.3f}",
         "-i", "anullsrc=r=8000:cl=mono", "-i", str(meta), "-map", "0:a",
         "-map_metadata", "1", "-map_chapters", "1", *codec, str(out)],
        check=True, capture_output=True,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("text", [plain(300), sectioned(300)], ids=["plain", "sections"])
def test_players_read_the_chapters_back(tmp_path: Path, text: str) -> None:
    # Chapters of about 0.1 minutes over 300 paragraphs would be 300: capped at 255.
    timeline = fake_timeline(text, ms_per_char=100, chapter_minutes=0.02)
    chapters = timeline.chapters()
    assert 200 < len(chapters) <= MAX_CHAPTERS
    seconds = timeline.sample_count / timeline.sample_rate
    codecs = {
        "mp3": ["-c:a", "libmp3lame", "-b:a", "8k"],
        "m4b": ["-c:a", "aac", "-b:a", "16k", "-f", "ipod"],
        "ogg": ["-c:a", "libvorbis"],
    }
    for fmt, codec in codecs.items():
        meta = tmp_path / f"{fmt}.ffmeta"
        meta.write_text(ffmetadata(timeline, vorbis=fmt == "ogg"), encoding="utf-8")
        out = tmp_path / f"book.{fmt}"
        encode(meta, seconds, out, codec)
        found = ffprobe(out)["chapters"]
        assert [c["tags"]["title"] for c in found] == [c.title for c in chapters], fmt
        starts = [round(float(c["start_time"]) * 1000) for c in found]
        assert starts == [c.start for c in chapters], fmt
        if fmt == "mp3":
            assert ctoc_entry_count(out) == len(chapters)
        if fmt != "ogg":
            tags = ffprobe(out)["format"].get("tags", {})
            assert not any(key.upper().startswith("CHAPTER") for key in tags), fmt


def test_chapter_minutes_on_the_command_line(tmp_path: Path) -> None:
    """A plain text without sections: one chapter by default, several with a short
    --chapter-minutes, read back from the real M4B by ffprobe."""
    from .narration_helpers import ffprobe, run_reader

    text = "\n\n".join(
        f"Paragraph {n} is one of ten in a plain text, long enough to take a few seconds."
        for n in range(10)
    )
    source = tmp_path / "plain.txt"
    source.write_text(text + "\n", encoding="utf-8")
    counts = []
    for minutes in ("10", "0.1"):
        out = tmp_path / f"out-{minutes}"
        result = run_reader(
            "render", str(source), "-o", str(out), "--format", "m4b",
            "--chapter-minutes", minutes, cache=tmp_path / "cache",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        counts.append(len(ffprobe(out / "plain.m4b")["chapters"]))
    assert counts[0] == 1
    assert 3 <= counts[1] <= 10
