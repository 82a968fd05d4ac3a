"""Mastering at the cost of two reads and one write (issue 12 item 7, issue 8's render
speed): the gain solved in-process lands on the target as ffmpeg measures it, with no
correction round, on real eSpeak NG speech; a document longer than the solving sample
still lands; the limiter's stretches laid end to end come out as each alone; the RMS and
peak counted in-process are ffmpeg's ``astats`` figures."""

from __future__ import annotations

import subprocess
import sys
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from reader.audio import gainsolver, limiter
from reader.audio.gainsolver import GainSolver
from reader.audio.loudness import PRESETS, measure, parse
from reader.narration import mastering
from reader.narration.timing import ParagraphSync, RenderedParagraph

from .narration_helpers import ROOT

RATE = 22050
SPEECH = ROOT / "texts" / "sessions-iacp-2018.md"


def _paragraphs() -> list[str]:
    body = SPEECH.read_text(encoding="utf-8").split("---", 2)[2]
    return [block.strip() for block in body.split("\n\n") if len(block.strip()) > 200]


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> list[RenderedParagraph]:
    """Eight paragraphs of the speech as eSpeak NG speaks them (its own level)."""
    folder = tmp_path_factory.mktemp("spoken")
    clips = []
    for index, text in enumerate(_paragraphs()[:8]):
        path = folder / f"p{index}.wav"
        subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
        with wave.open(str(path), "rb") as wav:
            assert wav.getframerate() == RATE
            count = wav.getnframes()
        clips.append(RenderedParagraph(path, ParagraphSync(index, RATE, count, (), ())))
    return clips


def _master(
    clips: list[RenderedParagraph], folder: Path, preset: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[mastering.Mastered, int]:
    """Master ``clips`` into ``folder``; and how many times the paragraphs were written."""
    writes = []
    real = mastering._write_mastered

    def counted(*args: object, **kwargs: object) -> object:
        writes.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mastering, "_write_mastered", counted)
    outputs = [folder / f"m{index}.wav" for index in range(len(clips))]
    gaps = [RATE * 6 // 10] * len(clips)
    done = mastering.master(clips, outputs, gaps, PRESETS[preset], jobs=2)
    return done, len(writes)


def _ffmpeg(clips: list[RenderedParagraph], folder: Path) -> tuple[float, float, float]:
    """ffmpeg's integrated loudness, true peak and RMS of the clips laid end to end with
    the same pauses, in a file of their own."""
    path = folder / "laid.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for clip in clips:
            with wave.open(str(clip.wav_path), "rb") as wav:
                out.writeframes(wav.readframes(wav.getnframes()))
            out.writeframes(bytes(2 * (RATE * 6 // 10)))
    filters = "ebur128=peak=true:framelog=verbose,astats=measure_perchannel=none"
    log = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", filters, "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    found = parse(log)
    return found.integrated, found.true_peak, found.rms


@pytest.mark.parametrize("preset", ["speech", "podcast", "acx"])
def test_the_solved_gain_lands_without_a_correction(
    spoken: list[RenderedParagraph], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preset: str
) -> None:
    done, writes = _master(spoken, tmp_path, preset, monkeypatch)
    target = PRESETS[preset]
    assert done.limited > 0  # eSpeak's peaks are over every ceiling at these levels
    assert writes == 1
    integrated, true_peak, rms = _ffmpeg(done.clips, tmp_path)
    level = rms if target.by_rms else integrated
    assert abs(level - target.target) <= 0.1 + 1e-9
    assert true_peak <= target.ceiling
    # The measurement the summary reports is ffmpeg's.
    assert done.measured.integrated == pytest.approx(integrated, abs=0.1 + 1e-9)
    assert done.measured.true_peak == pytest.approx(true_peak, abs=0.2)


def test_a_document_longer_than_the_solving_sample_lands(
    spoken: list[RenderedParagraph], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = sum(clip.sample_count for clip in spoken) / RATE
    monkeypatch.setattr(mastering, "SOLVE_SECONDS", total / 3)
    assert len(mastering._solving_sample(spoken, RATE)) < len(spoken)
    done, writes = _master(spoken, tmp_path, "speech", monkeypatch)
    assert writes <= mastering.WRITES
    integrated, _, _ = _ffmpeg(done.clips, tmp_path)
    assert abs(integrated - -18.0) <= 0.1 + 1e-9


def test_stretches_laid_end_to_end_come_out_as_each_alone() -> None:
    attack = round(limiter.ATTACK * RATE)
    reach = round(limiter.HOLD * RATE) + 2 * attack
    burst = (np.sin(np.arange(400) * 0.3) * 30000).astype(np.int16)
    quiet = np.zeros(2 * reach + 50, dtype=np.int16)  # just over what keeps them apart
    pcm = np.concatenate([quiet, burst, quiet, burst[::-1], quiet])
    ceiling = 10 ** (-6 / 20)
    together, hit = limiter.apply(pcm, 1.0, ceiling, RATE)
    assert hit
    middle = len(quiet) + len(burst) + len(quiet) // 2
    first, _ = limiter.apply(pcm[:middle], 1.0, ceiling, RATE)
    second, _ = limiter.apply(pcm[middle:], 1.0, ceiling, RATE)
    assert np.array_equal(together, np.concatenate([first, second]))
    assert len(limiter.stretches(limiter.find_peaks(pcm / 32768, 0.25), 1.0, ceiling, RATE)) == 2


def test_rms_and_peak_counted_in_process_are_ffmpegs(
    spoken: list[RenderedParagraph], tmp_path: Path
) -> None:
    path = spoken[0].wav_path
    found = measure([(path, 0), (None, RATE)], RATE)
    log = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-f", "lavfi", "-i",
         f"amovie={path},apad=pad_len={RATE}", "-af",
         "ebur128=peak=true:framelog=verbose,astats=measure_perchannel=none", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    theirs = parse(log)
    assert found.rms == pytest.approx(theirs.rms, abs=0.001)
    assert found.peak == pytest.approx(theirs.peak, abs=0.001)
    assert found.integrated == theirs.integrated


def test_the_solver_looks_further_when_the_limiter_takes_much() -> None:
    # A quiet tone with a loud click every 40 ms: raising it 12 dB, the limiter holds
    # the clicks down and the tone for the 24 ms after each (more than half the time),
    # taking more than the 3 dB the peaks are first found for.
    time = np.arange(3 * RATE)
    tone = np.sin(2 * np.pi * 300 * time / RATE) * 3000
    tone[:: RATE // 25] = 30000
    clip = tone.astype(np.int16)
    with ThreadPoolExecutor(max_workers=2) as pool:
        solver = GainSolver([clip], 10 ** (-3 / 20), RATE, pool)
        gain = solver.gain_for(12.0)
        assert gain - solver.taken(gain) == pytest.approx(12.0, abs=0.01)
    assert gain > 12.0 + gainsolver.HEADROOM_DB


def test_building_the_command_line_does_not_load_numpy() -> None:
    # The loudness presets are in every command's parser; numpy costs 0.1-0.4 s to import.
    code = "import sys, reader.cli; reader.cli.build_parser(); print('numpy' in sys.modules)"
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_peaks_found_a_block_at_a_time_are_the_peaks_of_the_whole(
    spoken: list[RenderedParagraph], monkeypatch: pytest.MonkeyPatch
) -> None:
    with wave.open(str(spoken[0].wav_path), "rb") as wav:
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    monkeypatch.setattr(limiter, "BLOCK", len(pcm))
    whole = limiter.find_peaks(pcm, 0.05, 32768.0)  # in one block
    assert len(whole.where) > 1000
    # Blocks of 1,000 samples: loud samples and interpolation windows across every edge.
    monkeypatch.setattr(limiter, "BLOCK", 1000)
    blocks = limiter.find_peaks(pcm, 0.05, 32768.0)
    assert np.array_equal(blocks.where, whole.where)
    assert np.array_equal(blocks.values, whole.values)
