"""`reader render` end to end (a subprocess, real engine, real ffmpeg/ffprobe): every file
it promises, read back by ffprobe/ffmpeg and by small parsers of each sync format."""

from __future__ import annotations

import json
import re
import subprocess
from array import array
from pathlib import Path
from typing import Any

import pytest

from reader.document import Document
from reader.narration.syncformats import read_paragraph_json

from .narration_helpers import ffprobe, playable_seconds, read_samples, rms, run_reader

TOLERANCE_S = 0.030
SECTION_TITLES = [
    "Two American Addresses",
    "The Gettysburg Address",
    "From President John F. Kennedy's Inaugural Address",
    "Notes",
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, addresses_path: Path) -> Path:
    out = tmp_path_factory.mktemp("render") / "out"
    cache = tmp_path_factory.mktemp("cache")
    result = run_reader(
        "render",
        str(addresses_path),
        "-o",
        str(out),
        "--format",
        "wav,mp3,m4b",
        "--jobs",
        "3",
        # Paragraphs only: spoken credits and headings are tested in test_spoken_extras.py.
        "--no-credits",
        "--no-headings",
        cache=cache,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "wrote 11 paragraphs" in result.stderr
    return out


def doc_map(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "addresses.json").read_text())
    return data


def test_every_paragraph_has_audio_and_a_sync_map(rendered: Path, addresses: Document) -> None:
    for paragraph in addresses.paragraphs:
        stem = f"p{paragraph.number:03d}"
        text = (rendered / f"{stem}.json").read_text()
        data = json.loads(text)
        samples = read_samples(rendered / f"{stem}.wav")
        sync = read_paragraph_json(text, paragraph)
        assert sync.sample_count == len(samples)
        assert [(w.text, w.char_start) for w in sync.words] == [
            (w.text, w.start - paragraph.start) for w in paragraph.words
        ]
        assert data["sample_count"] == len(samples) > 0
        assert data["paragraph"]["text"] == paragraph.text
        assert [w["text"] for w in data["words"]] == [w.text for w in paragraph.words]
        for unit in [*data["sentences"], *data["words"]]:
            assert paragraph.text[unit["char_start"] : unit["char_end"]] == unit["text"]
            assert 0 <= unit["start_sample"] < unit["end_sample"] <= len(samples)
            assert unit["start_ms"] == pytest.approx(unit["start_sample"] / 22.05, abs=0.001)
        for fmt in ("mp3", "m4b"):
            seconds = playable_seconds(rendered / f"{stem}.{fmt}")
            assert abs(seconds - data["duration_ms"] / 1000) <= TOLERANCE_S, (stem, fmt)


def test_full_length_files_match_the_sync_map(rendered: Path) -> None:
    data = doc_map(rendered)
    expected = data["sample_count"] / data["sample_rate"]
    assert len(read_samples(rendered / "addresses.wav")) == data["sample_count"]
    for fmt in ("mp3", "m4b"):
        assert abs(playable_seconds(rendered / f"addresses.{fmt}") - expected) <= TOLERANCE_S


def test_paragraphs_sit_where_the_map_says(rendered: Path) -> None:
    data = doc_map(rendered)
    full = read_samples(rendered / "addresses.wav")
    loud = rms(full, 0, len(full))
    previous_end = 0
    for entry in data["paragraphs"]:
        offset = entry["offset_samples"]
        gap_ms = (offset - previous_end) * 1000 / 22050
        if entry["number"] > 1:
            # 600 ms, doubled before a heading; with MP3 asked, rounded to whole 26 ms frames
            assert min(abs(gap_ms - 600), abs(gap_ms - 1200)) <= 13.1
        own = read_samples(rendered / entry["paragraph_audio"])
        assert full[offset : offset + len(own)] == own
        assert rms(full, previous_end, offset) == 0  # the gap is silence
        first_word = entry["words"][0]["start_sample"]
        assert rms(full, first_word - 441, first_word) < 0.05 * loud
        previous_end = offset + entry["sample_count"]


def test_chapters_per_section_and_tags(rendered: Path) -> None:
    data = doc_map(rendered)
    for fmt in ("mp3", "m4b"):
        info = ffprobe(rendered / f"addresses.{fmt}")
        chapters = info["chapters"]
        assert [c["tags"]["title"] for c in chapters] == SECTION_TITLES
        assert [c["start"] for c in chapters] == [c["start_ms"] for c in data["chapters"]]
        starts = [float(c["start_time"]) for c in chapters]
        assert starts == sorted(starts) and starts[0] == 0
        tags = {k.lower(): v for k, v in info["format"]["tags"].items()}
        assert tags["title"] == "Two American Addresses"
        assert tags["artist"] == "Abraham Lincoln and John F. Kennedy"
        assert tags["album"] == "Two American Addresses"
        assert tags["date"].startswith("1863")


def _vtt_clock(text: str) -> float:
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_webvtt_cues_with_word_timestamps(rendered: Path, addresses: Document) -> None:
    text = (rendered / "addresses.vtt").read_text()
    assert text.startswith("WEBVTT\n\n")
    duration = doc_map(rendered)["duration_ms"] / 1000
    blocks = text.strip().split("\n\n")[1:]
    sentences = [s.text for p in addresses.paragraphs for s in p.sentences]
    # Readable cues: a long sentence spans several, none longer than 2 x 42 or 7 s.
    assert len(blocks) > len(sentences)
    previous_end = 0.0
    shown = []
    for block in blocks:
        _, timing, *rows = block.split("\n")
        start, end = (_vtt_clock(t) for t in timing.split(" --> "))
        assert previous_end <= start < end <= duration and end - start <= 7.0
        assert 1 <= len(rows) <= 2
        body = " ".join(rows)
        stamps = [_vtt_clock(t) for t in re.findall(r"<(\d\d:\d\d:\d\d\.\d\d\d)>", body)]
        assert stamps == sorted(stamps) and all(start < s < end for s in stamps)
        lines = [re.sub(r"<[^>]+>", "", row).replace("&amp;", "&") for row in rows]
        assert all(len(line) <= 42 for line in lines), lines
        shown.append(" ".join(lines))
        previous_end = end
    assert " ".join(shown) == " ".join(" ".join(s.split()) for s in sentences)


def test_srt_and_lrc(rendered: Path) -> None:
    srt = (rendered / "addresses.srt").read_text().strip().split("\n\n")
    vtt_count = (rendered / "addresses.vtt").read_text().count(" --> ")
    assert len(srt) == vtt_count
    previous = -1.0
    for number, block in enumerate(srt, 1):
        index, timing, *_ = block.split("\n")
        assert int(index) == number
        start, end = (_vtt_clock(t.replace(",", ".")) for t in timing.split(" --> "))
        assert previous <= start < end
        previous = end
    lines = (rendered / "addresses.lrc").read_text().splitlines()
    assert lines[0] == "[ti:Two American Addresses]"
    times = []
    for line in lines:
        match = re.match(r"\[(\d+):(\d\d\.\d\d)\](.*)", line)
        if match:
            times.append(int(match.group(1)) * 60 + float(match.group(2)))
            words = re.findall(r"<(\d+):(\d\d\.\d\d)>", match.group(3))
            stamps = [int(m) * 60 + float(s) for m, s in words]
            assert stamps == sorted(stamps) and stamps[0] == times[-1]
    assert len(times) == vtt_count and times == sorted(times)


def test_ffmpeg_reads_the_subtitles(rendered: Path) -> None:
    for name in ("addresses.vtt", "addresses.srt"):
        result = subprocess.run(
            ["ffmpeg", "-v", "warning", "-i", str(rendered / name), "-f", "webvtt", "-"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert result.stdout.count(" --> ") == (rendered / name).read_text().count(" --> ")


def test_playlist(rendered: Path) -> None:
    lines = (rendered / "addresses.m3u8").read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [line for line in lines if not line.startswith("#")]
    infos = [line for line in lines if line.startswith("#EXTINF:")]
    assert entries == [f"p{n:03d}.mp3" for n in range(1, 12)]
    for entry, info in zip(entries, infos, strict=True):
        assert (rendered / entry).exists()
        seconds = float(info.split(":", 1)[1].split(",", 1)[0])
        assert abs(seconds - playable_seconds(rendered / entry)) <= TOLERANCE_S


def test_up_to_date_then_one_edit(tmp_path: Path, addresses_path: Path) -> None:
    source = tmp_path / "doc.md"
    source.write_text(addresses_path.read_text())
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = run_reader("render", str(source), "-o", str(out), "--format", "wav,mp3", cache=cache)
    assert "11 synthesised, 0 from the cache" in first.stderr
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("p*.mp3")}
    second = run_reader("render", str(source), "-o", str(out), "--format", "wav,mp3", cache=cache)
    assert "up to date" in second.stderr
    source.write_text(source.read_text().replace("Four score", "Eighty-seven years, four score"))
    third = run_reader("render", str(source), "-o", str(out), "--format", "wav,mp3", cache=cache)
    assert third.returncode == 0, third.stderr
    assert "1 synthesised, 10 from the cache" in third.stderr
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("p*.mp3")}
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == ["p002.mp3"]
    assert "Eighty-seven" in json.loads((out / "p002.json").read_text())["paragraph"]["text"]


def _decode(path: Path) -> array[int]:
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    samples = array("h")
    samples.frombytes(decoded)
    return samples


def test_paragraph_mp3s_cut_from_the_full_one_play_from_the_first_sample(rendered: Path) -> None:
    # The paragraph MP3s are cut out of the full-length MP3 frame by frame, not encoded
    # again: each must decode to exactly its paragraph's samples, aligned (gapless tag).
    for entry in doc_map(rendered)["paragraphs"]:
        mp3 = _decode(rendered / entry["paragraph_audio"].replace(".wav", ".mp3"))
        wav = read_samples(rendered / entry["paragraph_audio"])
        assert len(mp3) == len(wav)
        # 100-300 ms into the speech (the first paragraph starts with room tone).
        first = 2205 + next(i for i, sample in enumerate(wav) if abs(sample) > 32)
        aligned = _mean_square_error(mp3, wav, first, 0)
        assert aligned < 0.25 * rms(wav, first, first + 4410) ** 2
        assert aligned < min(_mean_square_error(mp3, wav, first, s) for s in (-441, 441)) / 4


def test_full_mp3_plays_each_paragraph_where_the_map_says(rendered: Path) -> None:
    # Decode the full-length MP3 and compare with the WAV, which is laid out sample for
    # sample by the same map.
    mp3 = _decode(rendered / "addresses.mp3")
    wav = read_samples(rendered / "addresses.wav")
    assert abs(len(mp3) - len(wav)) < 576  # ffmpeg's LAME end padding can be a few samples off
    for entry in doc_map(rendered)["paragraphs"]:
        offset = entry["offset_samples"]  # the first paragraph starts with room tone
        first = 2205 + next(i for i in range(offset, len(wav)) if abs(wav[i]) > 32)
        aligned = _mean_square_error(mp3, wav, first, 0)
        assert aligned < 0.25 * rms(wav, first, first + 4410) ** 2  # the codec's error only
        shifted = min(_mean_square_error(mp3, wav, first, s) for s in (-441, 441))
        assert aligned < shifted / 4  # 20 ms off would be far worse


def _mean_square_error(a: array[int], b: array[int], first: int, shift: int) -> float:
    pairs = zip(a[first + shift : first + shift + 4410], b[first : first + 4410], strict=True)
    return sum((x - y) ** 2 for x, y in pairs) / 4410
