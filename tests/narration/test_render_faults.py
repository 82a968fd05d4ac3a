"""`reader render` under bad input and bad luck: option ranges, missing ffmpeg, unwritable
folders, a kill or Ctrl-C mid-render, two renders into one folder at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from reader.audio.wavfile import HEADER_SIZE
from reader.ingest import bundled_speech_path

from .narration_helpers import read_samples, run_reader


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--rate", "20"], "--rate 20 is out of range (80 to 1200)"),
        (["--rate", "fast"], "--rate must be a whole number"),
        (["--pitch", "101"], "--pitch 101 is out of range (0 to 100)"),
        (["--volume", "0"], "--volume 0 is out of range (above 0 to 2.0)"),
        (["--gap", "-5"], "--gap -5 is out of range (0 to 10000)"),
        (["--jobs", "0"], "--jobs 0 is out of range (1 to 64)"),
    ],
)
def test_options_are_range_checked(tmp_path: Path, option: list[str], message: str) -> None:
    result = run_reader("render", str(bundled_speech_path()), *option, cache=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "flac"], "unknown format 'flac'; choose from wav, mp3, ogg, m4b, epub"),
        (["--paragraphs", "70"], "paragraph 70 does not exist; paragraphs run from 1 to 60"),
        (["--voice", "xx-none"], "unknown voice 'xx-none'; run `reader voices` to list them"),
    ],
)
def test_bad_choices_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_reader("render", str(bundled_speech_path()), "-o", str(tmp_path / "o"), *args,
                        cache=tmp_path)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"reader: error: {message}"


def test_voices_command(tmp_path: Path) -> None:
    result = run_reader("voices", "--language", "en", cache=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "ENGINE", "LANGUAGE", "QUALITY", "NAME"]
    assert any(line.split()[:3] == ["espeak:gmw/en-US", "espeak", "en-us"] for line in lines)
    assert all(line.split()[2].startswith("en") for line in lines[1:])


def test_wav_needs_no_ffmpeg_and_mp3_names_it(tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {"PATH": str(empty_bin)}
    speech = str(bundled_speech_path())
    wav = run_reader("render", speech, "-o", str(tmp_path / "w"), "--format", "wav",
                     "--paragraphs", "1-2", cache=tmp_path, env=env)  # fmt: skip
    assert wav.returncode == 0, wav.stderr
    assert len(read_samples(tmp_path / "w" / "p002.wav")) > 0
    assert (tmp_path / "w" / "sessions-iacp-2018.wav").exists()
    mp3 = run_reader("render", speech, "-o", str(tmp_path / "m"), "--format", "mp3",
                     cache=tmp_path, env=env)  # fmt: skip
    assert mp3.returncode == 1
    assert "ffmpeg" in mp3.stderr and "apt install ffmpeg" in mp3.stderr
    assert len(mp3.stderr.strip().splitlines()) == 1


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    result = run_reader("render", str(bundled_speech_path()), "-o", str(blocker / "out"),
                        "--format", "wav", cache=tmp_path)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("reader: error: cannot write to ")
    assert "choose another folder with -o" in result.stderr
    assert "Traceback" not in result.stderr


def _start(out: Path, cache: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "reader", "render", str(bundled_speech_path()), "-o",
               str(out), "--format", "wav,mp3", "--jobs", "1", *extra]  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)


def _wait_for_entries(cache: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(list(cache.glob("reader/narration/*/*.json"))) < count:
        assert process.poll() is None, "finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)


def _assert_no_half_files(out: Path) -> None:
    for path in out.iterdir():
        if path.name.startswith("."):
            continue  # temporary names are hidden and never final
        if path.suffix == ".wav":
            with wave.open(str(path)) as wav:
                frames = wav.getnframes()
            # Paragraph WAVs have the plain 44-byte header; full-length ones reserve room
            # for RF64 (reader.audio.wavfile).
            assert path.stat().st_size - 2 * frames in (44, HEADER_SIZE)
        elif path.suffix == ".json":
            json.loads(path.read_text())


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_render_leaves_whole_files_and_resumes(
    tmp_path: Path, how: signal.Signals
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    process = _start(out, cache, "--paragraphs", "1-30")
    _wait_for_entries(cache, 8, process)
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    if how == signal.SIGINT:
        assert process.returncode == 130
        assert stderr.strip().splitlines()[-1] == "reader: interrupted"
        assert "Traceback" not in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    _assert_no_half_files(out)
    assert not (out / "sessions-iacp-2018.mp3").exists()
    again = _start(out, cache, "--paragraphs", "1-30")
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    cached = int(stderr.split(" synthesised, ")[1].split()[0])
    assert cached >= 8
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    assert len(list(out.glob("p*.mp3"))) == 30


def test_two_renders_into_one_folder(tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _start(out, cache, "--paragraphs", "1-12")
    second = _start(out, cache, "--paragraphs", "1-12")
    results = [p.communicate(timeout=120) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    _assert_no_half_files(out)
    data = json.loads((out / "sessions-iacp-2018.json").read_text())
    assert [p["number"] for p in data["paragraphs"]] == list(range(1, 13))
    assert len(read_samples(out / "sessions-iacp-2018.wav")) == data["sample_count"]


def test_range_gap_and_fast_rate(tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = ["--format", "wav", "--paragraphs", "2-3", "--gap", "0", "--rate", "600"]
    result = run_reader("render", str(bundled_speech_path()), "-o", str(out), *options,
                        cache=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.glob("p*")) == [
        "p002.json", "p002.wav", "p003.json", "p003.wav"
    ]  # fmt: skip
    data = json.loads((out / "sessions-iacp-2018.json").read_text())
    first, second = data["paragraphs"]
    assert second["offset_samples"] == first["sample_count"]  # no gap
    full = read_samples(out / "sessions-iacp-2018.wav")
    assert len(full) == first["sample_count"] + second["sample_count"]


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    import pty

    command = [sys.executable, "-m", "reader", "render", str(bundled_speech_path()), "-o",
               str(tmp_path / "out"), "--format", "wav", "--paragraphs", "1-3"]  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    primary, secondary = pty.openpty()
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=secondary)  # fmt: skip
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=60)
    os.close(primary)
    assert process.returncode == 0
    assert b"[" + b"#" * 30 + b"] 3/3 paragraphs" in seen
    assert process.stdout is not None and process.stdout.read() == b""
    piped = run_reader("render", str(bundled_speech_path()), "-o", str(tmp_path / "again"),
                       "--format", "wav", "--paragraphs", "1-3", cache=tmp_path)  # fmt: skip
    assert "paragraphs" in piped.stderr and "#" not in piped.stderr


def test_a_full_disk_is_a_clear_error_and_nothing_claimed_done(tmp_path: Path) -> None:
    # A file-size limit makes writes fail the way a full disk does (an OSError mid-write).
    import resource

    speech = str(bundled_speech_path())
    warm = run_reader("render", speech, "-o", str(tmp_path / "first"), "--format", "wav",
                      "--paragraphs", "1-6", cache=tmp_path)  # fmt: skip
    assert warm.returncode == 0, warm.stderr

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    out = tmp_path / "full"
    command = [sys.executable, "-m", "reader", "render", speech, "-o", str(out),
               "--format", "wav", "--paragraphs", "1-6"]  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    result = subprocess.run(command, env=env, capture_output=True, text=True,
                            preexec_fn=limit, check=False)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"reader: error: cannot write to {out}: File too large")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (out / "sessions-iacp-2018.wav").exists()
    assert not (out / ".reader-render.json").exists()  # no render is claimed complete
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    _assert_no_half_files(out)
