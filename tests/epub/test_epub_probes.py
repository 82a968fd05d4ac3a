"""An EPUB build does not start ffprobe for audio whose length it can read for itself: a
gapless MP3 (the render's cuts, or ffmpeg's own encodes) says in its tag how many samples
it plays. Only a file whose tag does not match its sync map is probed. ffprobe is wrapped
by a script that counts its runs and then runs the real one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from epub_fixtures import speak_document

from reader.audio.encode import encode
from reader.audio.probe import exact_length, wav_length
from reader.document import Document
from reader.epub import build_epub
from reader.errors import ReaderError
from reader.narration.timing import RenderedParagraph


@pytest.fixture
def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH with an ffprobe that appends a line to the returned log on every run."""
    folder = tmp_path / "counting"
    folder.mkdir()
    real = shutil.which("ffprobe")
    assert real is not None
    log = tmp_path / "ffprobe-runs"
    log.touch()
    script = folder / "ffprobe"
    script.write_text(f'#!/bin/sh\necho run >> {log}\nexec {real} "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


def _runs(log: Path) -> int:
    return len(log.read_text().split())


@pytest.fixture(scope="module")
def narrated_mp3s(
    speech_head: Document, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Document, list[RenderedParagraph], dict[int, Path]]:
    folder = tmp_path_factory.mktemp("mp3s")
    clips = speak_document(speech_head, folder)
    mp3s = {
        clip.sync.paragraph_index: encode(clip.wav_path, clip.wav_path.with_suffix(".mp3"), "mp3")
        for clip in clips
    }
    return speech_head, clips, mp3s


def test_the_gapless_tag_gives_the_wavs_length(narrated_mp3s) -> None:  # type: ignore[no-untyped-def]
    _, clips, mp3s = narrated_mp3s
    for clip in clips:
        assert exact_length(mp3s[clip.sync.paragraph_index], "mp3") == wav_length(clip.wav_path)
    assert exact_length(clips[0].wav_path, "mp3") is None  # not an MP3 at all
    assert exact_length(mp3s[0], "aac") is None


def test_matching_mp3s_are_not_probed(narrated_mp3s, counted: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips, mp3s = narrated_mp3s
    build_epub(document, clips, tmp_path / "book.epub", audio_files=mp3s)
    assert _runs(counted) == 0
    swapped = {**mp3s, 0: mp3s[1]}
    with pytest.raises(ReaderError, match="sync map of paragraph 1 says"):
        build_epub(document, clips, tmp_path / "other.epub", audio_files=swapped)
    assert _runs(counted) == 1  # only the file whose tag disagrees


def test_a_render_probes_only_its_full_length_file(
    addresses_path: Path, counted: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader", "render", str(addresses_path), "--format", "epub,mp3",
         "-o", str(tmp_path / "out"), "--jobs", "2"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "addresses.epub").is_file()
    # The full-length MP3's length check; none for the 11 paragraph MP3s in the book.
    assert _runs(counted) == 1
