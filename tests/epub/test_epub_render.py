"""``reader render --format epub`` end to end, in a subprocess: the real engine, ffmpeg,
ffprobe and EPUBCheck. The book's clips must match the render's own sync maps
(``p###.json``) to the millisecond and its audio (the render's paragraph MP3s, cut from the
full-length MP3) must decode in line with the paragraph WAVs.
"""

from __future__ import annotations

import array
import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from epub_fixtures import HOSTILE, Book, run_epubcheck
from test_epub_books import (
    Built,
    check_clips_match_sync,
    check_durations,
    check_epubcheck_clean,
    check_text_kept,
)

from reader.document import Document
from reader.ingest import load_document
from reader.narration.syncformats import read_paragraph_json
from reader.narration.timing import RenderedParagraph


def run_reader(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """``reader ARGS`` in a subprocess with its own narration cache."""
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        timeout=180,
        check=False,
    )


def rendered_book(document: Document, folder: Path, name: str, granularity: str) -> Built:
    """The book in ``folder`` with the clips the render wrote next to it (its WAVs and
    ``p###.json`` sync maps, read back)."""
    width = max(3, len(str(len(document.paragraphs))))
    clips = []
    for paragraph in document.paragraphs:
        stem = folder / f"p{paragraph.number:0{width}d}"
        sync = read_paragraph_json(stem.with_suffix(".json").read_text("utf-8"), paragraph)
        clips.append(RenderedParagraph(stem.with_suffix(".wav"), sync))
    return Built(document, clips, Book(folder / f"{name}.epub"), granularity, "mp3")


@pytest.fixture(scope="module")
def addresses_render(
    addresses_path: Path, addresses: Document, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    out = tmp_path_factory.mktemp("render") / "out"
    result = run_reader(
        "render",
        str(addresses_path),
        "--format",
        "epub,mp3",
        "-o",
        str(out),
        "--jobs",
        "2",
        cache=tmp_path_factory.mktemp("cache"),
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 11 paragraphs" in result.stderr
    return rendered_book(addresses, out, "addresses", "sentence")


def _decode(data: bytes, tmp_path: Path) -> array.array[int]:
    source = tmp_path / "clip.mp3"
    source.write_bytes(data)
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(source), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return array.array("h", raw)


def _best_lag(wav: array.array[int], decoded: array.array[int], reach: int) -> int:
    """The shift of ``decoded`` against ``wav`` (in samples, within ``reach``) that
    correlates best, over the loudest 2048-sample window of the WAV."""
    window = 2048
    start = max(
        range(reach, len(wav) - window - reach, window),
        key=lambda s: sum(abs(v) for v in wav[s : s + window : 8]),
    )
    reference = wav[start : start + window]

    def score(lag: int) -> int:
        shifted = decoded[start + lag : start + lag + window]
        return sum(a * b for a, b in zip(reference, shifted, strict=True))

    return max(range(-reach, reach + 1), key=score)


def test_render_writes_a_valid_book_in_sync_with_its_audio(
    addresses_render: Built, tmp_path: Path
) -> None:
    # One test, so the render runs once whichever worker takes it.
    folder = addresses_render.book.path.parent
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".addresses.epub")]
    check_epubcheck_clean(addresses_render, tmp_path)
    check_text_kept(addresses_render)
    check_clips_match_sync(addresses_render)
    check_durations(addresses_render, tmp_path)
    book = addresses_render.book
    for paragraph, clip in zip(
        addresses_render.document.paragraphs, addresses_render.clips, strict=True
    ):
        data = book.data[f"EPUB/audio/p{paragraph.number:04d}.mp3"]
        # Nothing encoded twice: the book holds the render's own paragraph MP3s.
        assert data == clip.wav_path.with_suffix(".mp3").read_bytes()
        with wave.open(str(clip.wav_path), "rb") as handle:
            wav = array.array("h", handle.readframes(handle.getnframes()))
        decoded = _decode(data, tmp_path)
        # Gapless: exactly the paragraph's samples, in line with the WAV to within a
        # millisecond (an untrimmed encoder or decoder delay would be 1105 or 529 samples
        # late and put the best lag at the edge of the search), so every clip starts and
        # ends where its sync map says.
        assert len(decoded) == len(wav) == clip.sync.sample_count, paragraph.number
        assert abs(_best_lag(wav, decoded, reach=110)) <= 22, paragraph.number


def test_epub_alone_on_hostile_text_with_word_highlights(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    source = tmp_path / "hostile.md"
    source.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "book"
    result = run_reader(
        "render",
        str(source),
        "--format",
        "epub",
        "--epub-granularity",
        "word",
        "-o",
        str(out),
        "--quiet",
        cache=tmp_path_factory.mktemp("cache"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    built = rendered_book(load_document(source), out, "hostile", "word")
    messages = run_epubcheck(built.book.path, tmp_path / "report.json")
    assert messages == [], [(m["severity"], m["ID"], m["message"]) for m in messages]
    check_text_kept(built)
    check_clips_match_sync(built)
    (summary,) = built.book.meta("schema:accessibilitySummary")
    assert "word" in summary


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "epub", "--paragraphs", "2-3"], "needs every paragraph"),
        (["--format", "mp3,epub", "--paragraphs", "1"], "needs every paragraph"),
        (["--format", "epub", "--epub-granularity", "paragraph"], "invalid choice"),
        (["--format", "epub,pdf"], "unknown format 'pdf'"),
    ],
)
def test_bad_requests_are_one_line_and_write_nothing(
    addresses_path: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    out = tmp_path / "out"
    result = run_reader("render", str(addresses_path), "-o", str(out), *args, cache=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and expected in result.stderr, result.stderr
    assert not out.exists() or not list(out.glob("*.epub"))
