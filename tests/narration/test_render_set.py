"""`reader render` writes its outputs as one set (issue 12 items 1, 4, 6): a failure in the
middle (a full disk that kills ffmpeg and fails our own writes, Ctrl-C while encoding)
leaves the folder exactly as it was; paragraph files end where the next paragraph starts
in the full-length file (pause included), in WAV, MP3, OGG, the playlist and the
read-along book's Media Overlays; a partial render never leaves a folder mixed. Real
engine, real ffmpeg/ffprobe, subprocesses."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from reader.ingest import bundled_speech_path

from .narration_helpers import playable_seconds, read_samples, run_reader

SPEECH = str(bundled_speech_path())
BASE = "sessions-iacp-2018"


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (hidden ones too, the lock file aside) and its bytes."""
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.name != ".reader-render.lock"
    }


def _doc_map(folder: Path, base: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / f"{base}.json").read_text())
    return data


def _limited(size: int) -> Any:
    def limit() -> None:
        # Writes past ``size`` bytes fail as on a full disk: ours with EFBIG, ffmpeg's by
        # SIGXFSZ (subprocess restores its default action in the child).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def _render(
    out: Path, cache: Path, *extra: str, limit: int | None = None, path: str | None = None
) -> Any:
    command = [sys.executable, "-m", "reader", "render", SPEECH, "-o", str(out), *extra]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=300,
        preexec_fn=None if limit is None else _limited(limit),
    )  # fmt: skip


def _ffmpeg_limited_to(folder: Path, size: int) -> str:
    """A PATH whose ``ffmpeg`` is the real one run under a file-size limit of ``size``
    bytes: it is killed (SIGXFSZ) writing anything longer, a real encoder failure."""
    real = shutil.which("ffmpeg")
    assert real is not None
    folder.mkdir()
    shim = folder / "ffmpeg"
    shim.write_text(f'#!/bin/bash\nulimit -f {size // 1024}\nexec {real} "$@"\n')
    shim.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def _largest(snapshot: dict[str, bytes], suffixes: tuple[str, ...]) -> int:
    """The size of the largest paragraph file with one of ``suffixes``."""
    return max(
        len(data)
        for name, data in snapshot.items()
        if name.startswith("p0") and name.endswith(suffixes)
    )


@pytest.mark.parametrize("who", ["reader", "ffmpeg"])
def test_a_full_disk_mid_render_leaves_the_folder_as_it_was(tmp_path: Path, who: str) -> None:
    # "reader": our own write of the full-length WAV fails (EFBIG, as on a full disk);
    # "ffmpeg": the real ffmpeg is killed writing the full-length MP3/OGG.
    formats = "wav,mp3" if who == "reader" else "mp3,ogg"
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _render(out, cache, "--format", formats, "--paragraphs", "1-3")
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    full = max(len(before[f"{BASE}.{fmt}"]) for fmt in formats.split(","))
    # Room for each paragraph file (whose pause grows by 300 ms), not for the largest
    # full-length file.
    limit = _largest(before, (".wav",) if who == "reader" else (".mp3", ".ogg")) + 40_000
    assert full > limit
    options = ["--format", formats, "--paragraphs", "1-3", "--gap", "900", "--jobs", "1"]
    path = None if who == "reader" else _ffmpeg_limited_to(tmp_path / "bin", limit)
    own_limit = limit if who == "reader" else None
    failed = _render(out, cache, *options, limit=own_limit, path=path)
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.startswith("reader: error: "), failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in failed.stderr
    assert _snapshot(out) == before  # not one file changed, added or left behind

    fresh = tmp_path / "fresh"
    again = _render(fresh, cache, *options, limit=own_limit, path=path)
    assert again.returncode == 1, again.stderr
    assert _snapshot(fresh) == {}  # no sync file for audio that does not exist

    done = _render(out, cache, *options)
    assert done.returncode == 0, done.stderr
    assert " 0 synthesised" in done.stderr
    data = _doc_map(out, BASE)
    first_entry, second_entry = data["paragraphs"][:2]
    pause = second_entry["offset_samples"] - first_entry["offset_samples"]
    pause -= first_entry["sample_count"]
    assert pause == pytest.approx(0.9 * 22050, abs=600)


def test_ctrl_c_while_encoding_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    options = ["--format", "wav,mp3,ogg", "--paragraphs", "1-20", "--jobs", "1"]
    first = _render(out, cache, *options)
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    command = [sys.executable, "-m", "reader", "render", SPEECH, "-o", str(out), *options,
               "--gap", "700"]  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    # Interrupt once the encoders are writing into the staging folder.
    while not list(out.glob(f".stage.tmp-*/{BASE}.*")) and not list(
        out.glob(".stage.tmp-*/.work.tmp-*/*")
    ):
        assert process.poll() is None, "finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "reader: interrupted"
    assert _snapshot(out) == before


def _paragraph_starts(data: dict[str, Any]) -> list[int]:
    return [entry["offset_samples"] for entry in data["paragraphs"]]


def test_paragraph_files_end_where_the_next_paragraph_starts(tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    result = _render(out, cache, "--format", "wav,mp3,ogg", "--paragraphs", "1-4")
    assert result.returncode == 0, result.stderr
    data = _doc_map(out, BASE)
    starts = [*_paragraph_starts(data), data["sample_count"]]
    rate = data["sample_rate"]
    full = read_samples(out / f"{BASE}.wav")
    playlist = re.findall(r"#EXTINF:([0-9.]+),", (out / f"{BASE}.m3u8").read_text())
    for number, (start, stop) in enumerate(pairwise(starts), 1):
        stem = f"p{number:03d}"
        entry = data["paragraphs"][number - 1]
        own = read_samples(out / f"{stem}.wav")
        assert len(own) == stop - start  # speech and the pause after it
        assert full[start:stop] == own
        assert entry["sample_count"] + entry["pause_after_samples"] == stop - start
        if number < 4:
            assert entry["pause_after_samples"] >= 0.55 * rate  # the 600 ms pause is there
        own_map = json.loads((out / f"{stem}.json").read_text())
        assert own_map["sample_count"] == len(own)
        assert own_map["paragraph"]["end_sample"] == entry["sample_count"]  # speech only
        for fmt in ("mp3", "ogg"):
            seconds = playable_seconds(out / f"{stem}.{fmt}")
            assert seconds == pytest.approx((stop - start) / rate, abs=0.03), (stem, fmt)
        assert float(playlist[number - 1]) == pytest.approx((stop - start) / rate, abs=0.001)


def _smil_ends(book: Path) -> dict[str, int]:
    """The last clipEnd of each paragraph's audio file in the book's overlays, in ms."""
    ends: dict[str, int] = {}
    with zipfile.ZipFile(book) as archive:
        for name in archive.namelist():
            if not name.endswith(".smil"):
                continue
            text = archive.read(name).decode()
            for audio, clock in re.findall(r'src="[./]*(audio/[^"]+)"[^>]*clipEnd="([^"]+)"', text):
                hours, minutes, seconds = clock.split(":")
                ends[audio] = round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)
    return ends


def test_read_along_book_keeps_the_pauses(tmp_path: Path, addresses_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    # Paragraphs only (test_spoken_extras.py covers the book with spoken headings): then
    # the book plays exactly the full-length file, pauses included.
    result = run_reader("render", str(addresses_path), "-o", str(out), "--format", "mp3,epub",
                        "--no-credits", "--no-headings", cache=cache)  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = _doc_map(out, "addresses")
    starts = [*_paragraph_starts(data), data["sample_count"]]
    rate = data["sample_rate"]
    ends = _smil_ends(out / "addresses.epub")
    assert len(ends) == len(data["paragraphs"]) == 11
    gaps = []
    for number, (start, stop) in enumerate(pairwise(starts), 1):
        # The overlay plays each paragraph's file to where the next paragraph starts.
        assert ends[f"audio/p{number:04d}.mp3"] == pytest.approx(
            (stop - start) * 1000 / rate, abs=1
        )
        seconds = playable_seconds(out / f"p{number:03d}.mp3")
        assert seconds == pytest.approx((stop - start) / rate, abs=0.03)
        gaps.append(data["paragraphs"][number - 1]["pause_after_samples"] * 1000 / rate)
    assert sorted({round(g / 100) * 100 for g in gaps[:-1]}) == [600, 1200]  # doubled at headings


def test_partial_render_into_a_whole_render_leaves_no_mix(tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    whole = _render(out, cache, "--format", "wav,mp3,ogg", "--paragraphs", "1-6")
    assert whole.returncode == 0, whole.stderr
    assert (out / f"{BASE}.ogg").exists() and (out / "p006.mp3").exists()
    part = _render(out, cache, "--format", "wav,mp3", "--paragraphs", "3-4", "--quiet")
    assert part.returncode == 0, part.stderr
    notes = part.stderr.strip().splitlines()
    assert len(notes) == 1 and notes[0].startswith("reader: note: removed "), part.stderr
    assert "full-length files made of them" in notes[0]
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == sorted(
        [f"p00{n}.{ext}" for n in (3, 4) for ext in ("wav", "json", "mp3")]
        + [f"{BASE}.{ext}" for ext in ("wav", "mp3", "json", "vtt", "srt", "lrc", "m3u8")]
        + ["cover.jpg"]  # the cover art of the MP3 (a title card)
    )
    data = _doc_map(out, BASE)
    assert [p["number"] for p in data["paragraphs"]] == [3, 4]
    assert len(read_samples(out / f"{BASE}.wav")) == data["sample_count"]
    seconds = playable_seconds(out / f"{BASE}.mp3")
    assert seconds == pytest.approx(data["sample_count"] / data["sample_rate"], abs=0.03)
    manifest = json.loads((out / ".reader-render.json").read_text())
    assert sorted(manifest["files"]) == names


def test_help_says_what_a_partial_render_does(tmp_path: Path) -> None:
    result = run_reader("render", "--help", cache=tmp_path)
    flat = " ".join(result.stdout.split())
    assert "files of an earlier render they do not cover" in flat
    assert "are removed, with a note" in flat


def test_ctrl_c_waits_for_the_commit_to_finish() -> None:
    from reader.narration.staging import signals_held

    finished = False
    with pytest.raises(KeyboardInterrupt), signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler would have run by now
        finished = True
    assert finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_commit_replaces_the_set_and_removes_only_the_old_renders_files(tmp_path: Path) -> None:
    from reader.narration.manifest import Manifest
    from reader.narration.staging import commit

    folder, stage = tmp_path / "out", tmp_path / "out" / ".stage.tmp-x"
    stage.mkdir(parents=True)
    for name in ("p001.wav", "old.ogg", "mine.txt"):
        (folder / name).write_text("old " + name)
    (folder / "gone.mp3").mkdir()  # listed but not a file: left alone
    (stage / "p001.wav").write_text("new")
    (stage / "doc.json").write_text("{}")
    old = Manifest("digest", {}, {n: [0, 0] for n in ("p001.wav", "old.ogg", "gone.mp3")})
    written: list[str] = []
    removed = commit(stage, folder, ["p001.wav", "doc.json"], old, lambda: written.append("m"))
    assert removed == ["old.ogg"] and written == ["m"]
    assert (folder / "p001.wav").read_text() == "new"
    assert (folder / "doc.json").read_text() == "{}"
    assert (folder / "mine.txt").exists() and (folder / "gone.mp3").is_dir()
