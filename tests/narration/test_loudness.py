"""Loudness (issue 12 item 7): real renders measured with ffmpeg's ebur128 and astats come
out at the preset's level and under its peak ceiling in every format, with one gain for
every paragraph (the sync maps unchanged), room tone at the ends, and no clipping at
``--volume 2``. The limiter is checked on its own against tones with peaks between samples."""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from reader.audio import limiter
from reader.audio.loudness import PRESETS, Measurement, gain_db, measure, parse

from .narration_helpers import ROOT, run_reader

SPEECH = str(ROOT / "texts" / "sessions-iacp-2018.md")
RATE = 22050


def measured(path: Path) -> Measurement:
    """ffmpeg's own figures for a file (decoded as a player would)."""
    filters = "ebur128=peak=true:framelog=verbose,astats=measure_perchannel=none"
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", filters, "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return parse(result.stderr)


def samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def render(out: Path, cache: Path, *options: str) -> str:
    result = run_reader(
        "render", SPEECH, "--paragraphs", "2-5", "-o", str(out), "--jobs", "2", *options,
        cache=cache, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    root = tmp_path_factory.mktemp("loudness")
    cache = root / "cache"
    made = {}
    for name, options in {
        "speech": ("--format", "wav,mp3,ogg,m4b", "--volume", "2"),
        # With MP3 asked too, so that the pauses are rounded to MP3 frames the same way.
        "off": ("--format", "wav,mp3", "--loudness", "off"),
        "acx": ("--format", "wav,mp3", "--loudness", "acx"),
    }.items():
        made[name] = (root / name, render(root / name, cache, *options))
    return made


@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg", "m4b"])
def test_speech_preset_meets_its_target_in_every_format(
    renders: dict[str, tuple[Path, str]], fmt: str
) -> None:
    folder, _ = renders["speech"]
    found = measured(folder / f"sessions-iacp-2018.{fmt}")
    # Each codec within ebur128's 0.1 LU resolution and one step more (MP3 at a constant
    # bitrate plays 0.45 dB under its input unless made up for).
    assert abs(found.integrated - -18.0) <= 0.2 + 1e-9
    assert found.true_peak <= -1.5


def test_the_summary_reports_what_ffmpeg_measures(renders: dict[str, tuple[Path, str]]) -> None:
    folder, stderr = renders["speech"]
    found = measured(folder / "sessions-iacp-2018.wav")
    assert f"loudness {found.integrated:.1f} LUFS, true peak {found.true_peak:.1f} dBTP" in stderr
    assert "--volume is left out with --loudness speech" in stderr
    off = measured(renders["off"][0] / "sessions-iacp-2018.wav")
    assert off.integrated < -19.5  # the engine's own level, which the preset corrected


def test_volume_2_does_not_clip(renders: dict[str, tuple[Path, str]]) -> None:
    folder, _ = renders["speech"]
    pcm = samples(folder / "sessions-iacp-2018.wav").astype(np.int32)
    assert int(np.abs(pcm).max()) < 32000  # -0.2 dBFS: nothing near full scale
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(folder / "sessions-iacp-2018.ogg"), "-f", "f32le",
         "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert float(np.abs(np.frombuffer(decoded, dtype="<f4")).max()) < 1.0  # no OGG clipping


def _words(path: Path) -> list[tuple[int, int]]:
    """The word spans of a paragraph's sync map, in samples."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(word["start_sample"], word["end_sample"]) for word in data["words"]]


def test_one_gain_keeps_every_sample_in_place(renders: dict[str, tuple[Path, str]]) -> None:
    speech, off = renders["speech"][0], renders["off"][0]
    # The paragraphs between the first and the last keep their length and sync maps.
    for stem in ("p003", "p004"):
        loud, plain = samples(speech / f"{stem}.wav"), samples(off / f"{stem}.wav")
        assert len(loud) == len(plain)
        assert _words(speech / f"{stem}.json") == _words(off / f"{stem}.json")
        # One gain: most samples are the plain ones scaled by it (the rest are near peaks
        # the limiter held down, never raised more).
        some = np.abs(plain) > 500
        ratio = loud[some] / plain[some]
        gain = float(np.median(ratio))
        assert gain > 1.05
        assert float(np.mean(np.abs(ratio - gain) < 0.01)) > 0.6
        assert float(ratio.max()) < gain + 0.01


def _silence(pcm: np.ndarray) -> tuple[float, float]:
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 32)
    return loud[0] / RATE, (len(pcm) - loud[-1] - 1) / RATE


def test_room_tone_at_head_and_tail(renders: dict[str, tuple[Path, str]]) -> None:
    head, tail = _silence(samples(renders["speech"][0] / "sessions-iacp-2018.wav"))
    assert head == pytest.approx(0.5, abs=0.001) and tail == pytest.approx(1.0, abs=0.001)
    head, _ = _silence(samples(renders["off"][0] / "sessions-iacp-2018.wav"))
    assert head < 0.05  # the engine's own 12 ms lead-in, which the presets replace
    # The first paragraph's sync map moved with its audio.
    first = _words(renders["speech"][0] / "p002.json")[0]
    assert first[0] >= 0.45 * RATE


def test_acx_checks(renders: dict[str, tuple[Path, str]]) -> None:
    folder, stderr = renders["acx"]
    for fmt in ("wav", "mp3"):
        found = measured(folder / f"sessions-iacp-2018.{fmt}")
        assert -23.0 <= found.rms <= -18.0
        assert found.peak <= -3.0 and found.true_peak <= -3.0
    head, tail = _silence(samples(folder / "sessions-iacp-2018.wav"))
    assert 0.5 <= head <= 1.0 and 1.0 <= tail <= 5.0
    assert ", RMS " in stderr and "dBFS" in stderr


@pytest.mark.parametrize("frequency", [200.0, 3000.0, RATE / 4, 10000.0])
def test_limiter_holds_true_peaks_between_samples(frequency: float) -> None:
    # At a quarter of the rate with a 45-degree phase every sample is 3 dB under the peak.
    tone = np.sin(2 * np.pi * frequency * np.arange(RATE) / RATE + np.pi / 4) * 30000
    ceiling = 10 ** (-3 / 20)
    out, limited = limiter.apply(tone.astype(np.int16), 1.5, ceiling, RATE)
    assert limited
    peak = float(limiter.true_peaks(out / 32768.0).max())
    assert 20 * np.log10(peak) <= -2.99
    assert 20 * np.log10(peak) >= -3.2  # limited to the ceiling, not far below it


def test_limiter_leaves_quiet_audio_a_plain_gain() -> None:
    tone = (np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE) * 8000).astype(np.int16)
    out, limited = limiter.apply(tone, 2.0, 10 ** (-1.5 / 20), RATE)
    assert not limited
    assert np.array_equal(out, (tone.astype(np.int32) * 2).astype(np.int16))


def test_measure_reads_ffmpeg_figures_for_a_known_tone(tmp_path: Path) -> None:
    # BS.1770: a 1 kHz sine at -20 dBFS in one channel is -23.0 LUFS; its RMS is -23.0 dB.
    tone = np.sin(2 * np.pi * 1000 * np.arange(5 * RATE) / RATE) * 0.1 * 32768
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(np.rint(tone).astype("<i2").tobytes())
    found = measure([(path, 0), (None, RATE)], RATE)
    assert found.integrated == pytest.approx(-23.0, abs=0.15)
    assert found.true_peak == pytest.approx(-20.0, abs=0.15)
    assert found.rms == pytest.approx(-23.0 - 10 * np.log10(6 / 5), abs=0.05)  # 1 s silent
    assert gain_db(PRESETS["speech"], found) == pytest.approx(5.0, abs=0.15)
    silent = measure([(None, RATE)], RATE)
    assert gain_db(PRESETS["speech"], silent) == 0.0
