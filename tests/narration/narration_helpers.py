"""Helpers for narration tests: reading real audio and running the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from array import array
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def read_samples(path: Path) -> array[int]:
    """The 16-bit mono samples of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        samples = array("h")
        samples.frombytes(wav.readframes(wav.getnframes()))
    return samples


def rms(samples: array[int], start: int, stop: int) -> float:
    window = samples[max(0, start) : max(0, stop)]
    if not window:
        return 0.0
    return float((sum(s * s for s in window) / len(window)) ** 0.5)


def ffprobe(path: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_chapters",
         "-show_streams", str(path)],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def playable_seconds(path: Path) -> float:
    """ffprobe's duration less the encoder delay it reports as the start time."""
    info = ffprobe(path)["format"]
    return float(info["duration"]) - float(info.get("start_time") or 0)


def run_reader(
    *args: str,
    cache: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``reader ARGS`` in a subprocess with its cache under ``cache``."""
    full_env = {**os.environ, "XDG_CACHE_HOME": str(cache), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "reader", *args], capture_output=True, text=True, env=full_env,
        cwd=cwd, timeout=timeout, check=False,
    )  # fmt: skip
