"""Captions and LRC from a synthetic timeline (no engine): readable cue sizes, the
document's own text between word timestamps, and LRC clocks past 99 minutes."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reader.document import Document
from reader.narration.captions import MAX_LINE, MAX_MS
from reader.narration.syncformats import (
    lrc,
    lrc_clock,
    lrc_length,
    srt,
    webvtt,
)

from .sync_helpers import fake_timeline


def vtt_cues(text: str) -> list[tuple[float, float, list[str]]]:
    """(start s, end s, payload lines) of every cue in a WebVTT file."""
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        _, timing, *rows = block.split("\n")
        start, end = (clock(t) for t in timing.split(" --> "))
        cues.append((start, end, rows))
    return cues


def clock(text: str) -> float:
    hours, minutes, seconds = text.replace(",", ".").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def plain(row: str) -> str:
    return (
        re.sub(r"<[^>]+>", "", row).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


LONG = (
    "We learned that lesson after the attacks, and we are hopeful that we will remember "
    "this lesson now, in the wake of another terrible tragedy, because law enforcement "
    "cooperation, sharing information across every level of government and every agency "
    "that holds a piece of the puzzle, saves lives; and when we fail to share, when we "
    "keep what we know to ourselves for reasons of turf or pride or habit, people die who "
    "did not need to die, and families grieve who did not need to grieve, and we must "
    "never let that happen again on our watch, not in this city and not anywhere else."
)
CASES = {
    "a 558-character sentence": LONG,
    "short sentences": "Thank you, Tim. I have no doubt. You are safe.",
    "no space at a dash": "We learned that lesson after the 9/11 attacks—and I'm hopeful now.",
    "an overlong word": "See https://www.example.com/a/very/long/path/that/never/ends/at/all "
    "for the details of the whole matter today.",
    "markup characters": "Use <b> & <i> tags -> carefully, said the editor of the page today.",
    "several paragraphs": "# One\n\nFirst paragraph here.\n\n# Two\n\n" + LONG,
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_vtt_cues_are_readable_and_keep_the_text(text: str) -> None:
    timeline = fake_timeline(text)
    cues = vtt_cues(webvtt(timeline))
    previous = 0.0
    for start, end, rows in cues:
        assert previous <= start < end
        assert end - start <= MAX_MS / 1000 + 1e-9
        assert 1 <= len(rows) <= 2
        for row in rows:
            words = plain(row).split(" ")
            assert len(plain(row)) <= MAX_LINE or len(words) == 1, row
            stamps = [clock(t) for t in re.findall(r"<(\d\d:\d\d:\d\d\.\d\d\d)>", row)]
            assert all(start < s < end for s in stamps)
        previous = end
    document: Document = timeline.document
    spoken = " ".join(" ".join(plain(r) for r in rows) for _, _, rows in cues)
    assert spoken == " ".join(p.text for p in document.paragraphs).replace("\n", " ")


def test_srt_has_the_same_cues_and_lines() -> None:
    timeline = fake_timeline(LONG)
    vtt = vtt_cues(webvtt(timeline))
    blocks = srt(timeline).strip().split("\n\n")
    assert len(blocks) == len(vtt) > 8
    for block, (start, end, rows) in zip(blocks, vtt, strict=True):
        _, timing, *lines = block.split("\n")
        assert [clock(t) for t in timing.split(" --> ")] == [start, end]
        assert lines == [plain(r) for r in rows]


def test_long_sentence_breaks_after_clauses_not_mid_phrase() -> None:
    cues = vtt_cues(webvtt(fake_timeline(LONG)))
    endings = [plain(rows[-1])[-1] for _, _, rows in cues]
    # Most cues end at punctuation: the text has a comma every few words.
    assert sum(e in ",;." for e in endings) >= len(endings) * 0.6, endings


def test_seven_seconds_bound_the_cue_even_when_the_text_would_fit() -> None:
    slow = fake_timeline("A slow sentence spoken very slowly indeed.", ms_per_char=400)
    cues = vtt_cues(webvtt(slow))
    assert len(cues) >= 3
    assert all(end - start <= 7.0 for start, end, _ in cues)


def test_lrc_keeps_the_documents_text_between_timestamps() -> None:
    out = lrc(fake_timeline(CASES["no space at a dash"]))
    line = out.splitlines()[-1]
    assert "attacks—<" in line and "— " not in line
    assert re.sub(r"<[^>]+>", "", line.split("]", 1)[1]) == CASES["no space at a dash"]


@pytest.mark.parametrize(
    ("milliseconds", "stamp", "length"),
    [
        (0, "00:00.00", "00:00"),
        (61_239, "01:01.23", "01:01"),
        (99 * 60_000 + 59_999, "99:59.99", "99:59"),
        (100 * 60_000, "100:00.00", "100:00"),
        (1065 * 60_000 + 7_500, "1065:07.50", "1065:07"),
    ],
)
def test_lrc_minutes_run_past_99(milliseconds: int, stamp: str, length: str) -> None:
    assert lrc_clock(milliseconds) == stamp
    assert lrc_length(milliseconds) == length


def test_lrc_of_a_long_recording() -> None:
    # 106 minutes of pause before the second paragraph.
    timeline = fake_timeline("First.\n\nSecond one.", gap=106 * 60_000)
    out = lrc(timeline).splitlines()
    total = timeline.sample_count
    assert out[1] == f"[length:{lrc_length(total)}]" and out[1].startswith("[length:106:")
    second = next(line for line in out if "Second" in line)
    assert second.startswith(f"[{lrc_clock(timeline.placed[1].offset)}]<106:")


WORDS = st.lists(
    st.text(alphabet="abcdefghij,.—", min_size=1, max_size=50).filter(lambda w: w.strip(",.—")),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(WORDS, st.integers(min_value=1, max_value=400))
# Found by this test: a word and a stray "." after it share a time, and a cut between
# them made a cue that started no later than the one before it.
@example(["a", ".aaaaaaaaaaaaaaaaaaaaaaaa"], 251)
# Found by this test: punctuation before a word belongs to the word before it, so "Aaa…a"
# and "..a" make a 27-character unit that the 7 s rule cannot split.
@example(["aaaaaaaaaaaaaaaaaaaaaaaa", "..a"], 260)
@example(["aaaaaaaaaaaaaaaa.a", "..a"], 334)  # "aaa.a" is one word to the segmenter
def test_any_sentence_gives_cues_that_fit(words: list[str], ms_per_char: int) -> None:
    text = " ".join(words).capitalize() + "."
    timeline = fake_timeline(text, ms_per_char=ms_per_char)
    cues = vtt_cues(webvtt(timeline))
    previous = 0.0
    for start, end, rows in cues:
        assert previous <= start < end
        assert 1 <= len(rows) <= 2
        for row in rows:
            # Over 42 characters only where there is no space to break at.
            assert len(plain(row)) <= MAX_LINE or " " not in plain(row), row
        previous = end
    # Over 7 s only when a single word, with what follows it up to the next word (a cue
    # never cuts between them), takes longer than that to say.
    sync = timeline.placed[0].clip.sync
    starts = [word.start_sample for word in sync.words] + [sync.sample_count]
    longest_unit = max(b - a for a, b in itertools.pairwise(starts)) * 1000 / sync.sample_rate
    if longest_unit < MAX_MS:
        assert all(end - start <= MAX_MS / 1000 + 1e-9 for start, end, _ in cues)
    # Nothing lost or changed (a sentence may end without a space: "a..b").
    shown = "".join("".join(plain(r) for r in rows) for _, _, rows in cues)
    assert shown.replace(" ", "") == text.replace(" ", "")
