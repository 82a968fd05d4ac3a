"""Spoken title, credits and headings (issue 12 item 9): the plan over a table, and a real
render (real eSpeak NG, ffmpeg, ffprobe) whose sync maps place every announcement exactly
in the full-length audio, leave the ``paragraphs`` array as consumers know it, and start
each chapter where its heading is spoken."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from reader.document import Document
from reader.ingest import parse_text
from reader.narration.announcements import credits_texts, entry_gaps, plan_entries

from .narration_helpers import ffprobe, read_samples, run_reader

TITLES = ["The Gettysburg Address", "From President John F. Kennedy's Inaugural Address", "Notes"]


def _kinds(document: Document, indices: range, *, credits: bool, headings: bool) -> list[str]:
    paragraphs = document.select(indices)
    stems = [f"p{p.number:03d}" for p in paragraphs]
    entries = plan_entries(document, paragraphs, stems, credits=credits, headings=headings)
    return [entry.stem for entry in entries]


def test_plan_entries(addresses: Document) -> None:
    every = range(len(addresses.paragraphs))
    full = _kinds(addresses, every, credits=True, headings=True)
    # The first heading repeats the title the opening credits just said: not said twice.
    assert full[:3] == ["opening", "p001", "h002"] and full[-1] == "closing"
    assert [s for s in full if s.startswith("h")] == ["h002", "h003", "h004"]
    quiet = _kinds(addresses, every, credits=False, headings=True)
    assert quiet[:2] == ["h001", "p001"] and "closing" not in quiet
    assert _kinds(addresses, every, credits=False, headings=False) == [
        f"p{n:03d}" for n in range(1, 12)
    ]
    # An excerpt has no credits, and a heading only where its section starts inside it.
    section = addresses.sections[2]
    part = range(section.first - 1, section.first + 1)
    assert _kinds(addresses, part, credits=True, headings=True) == [
        f"p{section.first:03d}",
        "h003",
        f"p{section.first + 1:03d}",
    ]


def test_entry_gaps(addresses: Document) -> None:
    paragraphs = addresses.paragraphs
    stems = [f"p{p.number:03d}" for p in paragraphs]
    entries = plan_entries(addresses, paragraphs, stems, credits=True, headings=True)
    gaps = dict(zip([e.stem for e in entries], entry_gaps(addresses, entries, 10), strict=True))
    assert gaps["opening"] == 20 and gaps["h002"] == 10 and gaps["closing"] == 0
    before_heading = f"p{addresses.sections[2].first:03d}"  # the last of section 2
    assert gaps[before_heading] == 20
    silent = plan_entries(addresses, paragraphs, stems, credits=False, headings=False)
    assert sorted(set(entry_gaps(addresses, silent, 10)[:-1])) == [10, 20]  # as before


@pytest.mark.parametrize(
    ("front", "opening", "closing"),
    [
        ("title: A Talk\nauthor: Ann Lee", "A Talk. By Ann Lee.", "End of A Talk."),
        ("title: A Talk?", "A Talk?", "End of A Talk?"),
        ("title: Ein Vortrag\nspeaker: Max\nlanguage: de", "Ein Vortrag. Von Max.",
         "Ende von Ein Vortrag."),
        ("title: Foo\nauthor: Bar\nlanguage: fi", "Foo. Bar.", "Foo."),
    ],
)  # fmt: skip
def test_credits_texts(front: str, opening: str, closing: str) -> None:
    document = parse_text(f"---\n{front}\n---\n\nText.", markdown=True)
    assert credits_texts(document) == (opening, closing)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory, addresses_path: Path) -> Path:
    out = tmp_path_factory.mktemp("spoken") / "out"
    result = run_reader("render", str(addresses_path), "-o", str(out), "--format", "wav,mp3,epub",
                        cache=tmp_path_factory.mktemp("cache"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def _map(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "addresses.json").read_text())
    return data


def test_announcements_sit_exactly_where_the_map_says(spoken: Path) -> None:
    data = _map(spoken)
    said = data["announcements"]
    assert [a["kind"] for a in said] == ["opening", "heading", "heading", "heading", "closing"]
    assert said[0]["text"] == "Two American Addresses. By Abraham Lincoln and John F. Kennedy."
    assert [a["text"] for a in said[1:4]] == [f"{t}." for t in TITLES]
    assert said[-1]["text"] == "End of Two American Addresses."
    # The paragraphs array is what consumers always read: paragraphs, numbered 1 to 11.
    assert [p["number"] for p in data["paragraphs"]] == list(range(1, 12))
    full = read_samples(spoken / "addresses.wav")
    assert len(full) == data["sample_count"]
    entries = sorted([*said, *data["paragraphs"]], key=lambda e: e["offset_samples"])
    position = 0
    for entry in entries:
        assert entry["offset_samples"] == position  # entries tile the audio, no overlap
        audio = entry["audio"] if "kind" in entry else entry["paragraph_audio"]
        own = read_samples(spoken / audio)
        length = entry["sample_count"] + entry["pause_after_samples"]
        assert len(own) == length and full[position : position + length] == own
        position += length
    assert position == len(full)
    heading = json.loads((spoken / "h002.json").read_text())
    assert heading["kind"] == "heading" and "number" not in heading
    assert [w["text"] for w in heading["words"]] == ["The", "Gettysburg", "Address"]


def test_chapters_start_at_the_spoken_headings(spoken: Path) -> None:
    data = _map(spoken)
    headings = [a for a in data["announcements"] if a["kind"] == "heading"]
    chapters = ffprobe(spoken / "addresses.mp3")["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Two American Addresses", *TITLES]
    starts = [int(c["start"]) for c in chapters]
    assert starts[0] == 0
    assert starts[1:] == [int(h["offset_samples"] * 1000 // 22050) for h in headings]


def test_captions_playlist_and_book(spoken: Path) -> None:
    data = _map(spoken)
    srt = (spoken / "addresses.srt").read_text()
    heading = data["announcements"][1]
    cue = re.search(r"(\d\d:\d\d:\d\d,\d\d\d) --> [^\n]+\nThe Gettysburg Address\.\n", srt)
    assert cue is not None  # the spoken heading has its caption
    hours, minutes, seconds = cue.group(1).replace(",", ".").split(":")
    at = (int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000
    assert at == pytest.approx(heading["start_ms"], abs=200)
    playlist = [
        line for line in (spoken / "addresses.m3u8").read_text().splitlines() if "#" not in line
    ]
    assert playlist[0] == "opening.mp3" and playlist[-1] == "closing.mp3"
    assert playlist[2] == "h002.mp3" and len(playlist) == 11 + 5
    with zipfile.ZipFile(spoken / "addresses.epub") as book:
        audio = [n for n in book.namelist() if n.endswith(".mp3")]
        smil = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".smil"))
    assert len(audio) == 11  # the book reads the paragraphs; its text shows the headings
    ends: dict[str, str] = {}
    for href, end in re.findall(r'src="[./]*audio/(p\d+)\.mp3"[^>]*clipEnd="([^"]+)"', smil):
        ends[href] = end
    for entry in data["paragraphs"]:
        # Each paragraph's clip runs to where the next entry (paragraph or heading) starts.
        hours, minutes, seconds = ends[f"p{entry['number']:04d}"].split(":")
        at = (int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000
        length = entry["sample_count"] + entry["pause_after_samples"]
        assert at == pytest.approx(length * 1000 / 22050, abs=1)
