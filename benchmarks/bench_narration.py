"""Narration speed and memory, each as a ratio against a baseline measured in this run.

1. cold ``reader render --format wav`` (WAV + sync maps) / ``espeak-ng -w`` of the same
   text, both as whole processes (interpreter start, imports, worker start-up included;
   target <= 0.9), and in this process (``render_document`` only; target <= 0.75);
2. full export (``--format mp3``: per-paragraph and full-length MP3 with chapters, all sync
   files) / ``espeak-ng --stdout | ffmpeg`` to MP3 at the same bitrate (target <= 0.6);
3. warm re-render / cold render (target <= 0.05);
4. peak RSS of the whole process tree while rendering a generated 1 MB text to a
   full-length MP3 (target <= 300 MB).

Every timing is the best of a few runs (the machine is shared). Beside the whole-process
ratio, the CPU time of the render's whole process tree against ``espeak-ng``'s: divided by
the number of cores, the lowest whole-process ratio this much work allows. Renders are timed in this
process through ``render_document`` (what ``reader render`` runs after parsing its
arguments), with a fresh cache and folder for each cold run; the baselines are the
``espeak-ng``/``ffmpeg`` commands. The 1 MB run is the ``reader render`` command itself in
a subprocess, with the resident memory of its whole process tree sampled every 50 ms.
A warm re-render renders into the same folder again with nothing changed (the folder's
manifest makes that a check of the cache keys and the files); rendering into an empty
folder from a warm cache is printed too. ``--quick`` skips the 1 MB run.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from proctree import PeakSampler

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT / "texts" / "sessions-iacp-2018.md"
READER = [sys.executable, "-m", "reader"]
MP3_BITRATE = "48k"
REPEATS = 3


def _timed(command: list[str] | str, *, shell: bool = False) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, shell=shell, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _plain_text(work: Path) -> Path:
    """The speech's paragraphs as plain text, exactly what the reader narrates."""
    sys.path.insert(0, str(ROOT / "src"))
    from reader.ingest import load_document

    document = load_document(SPEECH)
    path = work / "speech.txt"
    path.write_text("\n\n".join(p.text for p in document.paragraphs) + "\n", encoding="utf-8")
    return path


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def _children_cpu() -> float:
    """CPU seconds (user + system) of every child process waited for so far, with
    their own waited-for descendants (the render's templates and their children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _whole_process(work: Path, text: Path) -> tuple[float, float, float, float]:
    """Best of a few runs of the ``reader render`` command, cold (empty cache, empty
    folder), and of ``espeak-ng -w``; interleaved, so both see the same machine load.
    Also the CPU time of each (the least of the runs), which load changes far less.

    The sources are byte-compiled first, as an installed package is: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on some of these machines) an editable install
    would otherwise compile every module on every start, in every worker.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ours, espeak = float("inf"), float("inf")
    ours_cpu, espeak_cpu = float("inf"), float("inf")
    for run in range(REPEATS):
        out, cache = work / f"process-{run}", work / f"process-cache-{run}"
        # The paragraphs alone, as espeak-ng speaks them: no spoken credits or headings.
        command = [*READER, "render", str(SPEECH), "--format", "wav", "-o", str(out), "--quiet"]
        command += ["--no-credits", "--no-headings"]
        cpu = _children_cpu()
        start = time.perf_counter()
        subprocess.run(command, check=True, env=_env(cache), stdout=subprocess.DEVNULL)
        ours = min(ours, time.perf_counter() - start)
        ours_cpu = min(ours_cpu, _children_cpu() - cpu)
        cpu = _children_cpu()
        espeak = min(espeak, _timed(["espeak-ng", "-f", str(text), "-w", str(work / "e.wav")]))
        espeak_cpu = min(espeak_cpu, _children_cpu() - cpu)
        shutil.rmtree(out)
        shutil.rmtree(cache)
    return ours, espeak, ours_cpu, espeak_cpu


class Renders:
    """Timed in-process renders of the speech."""

    def __init__(self, work: Path) -> None:
        from reader.ingest import load_document
        from reader.narration import pipeline, renderer

        self.work = work
        self.pipeline = pipeline
        self.document = load_document(SPEECH)
        self.settings = renderer.NarrationSettings()
        self.runs = 0

    def once(self, formats: list[str], out: Path, cache: Path, *, warm: bool = False) -> float:
        from reader.narration.worker import prestart

        jobs = os.cpu_count() or 1
        if warm:
            # As ``reader render`` does before parsing: the in-process figure leaves out
            # process start-up (interpreter, imports, workers); the whole-process one has it.
            prestart(self.settings, jobs)
            time.sleep(0.3)
        request = self.pipeline.RenderRequest(
            document=self.document,
            indices=list(range(len(self.document.paragraphs))),
            out_dir=out,
            base="speech",
            formats=formats,
            settings=self.settings,
            jobs=jobs,
            cache_dir=cache,
            credits=False,  # the paragraphs alone, as the espeak-ng baseline speaks them
            headings=False,
        )
        start = time.perf_counter()
        self.pipeline.render_document(request)
        return time.perf_counter() - start

    def cold(self, formats: list[str]) -> float:
        best = float("inf")
        for _ in range(REPEATS):
            self.runs += 1
            out, cache = self.work / f"out-{self.runs}", self.work / f"cache-{self.runs}"
            best = min(best, self.once(formats, out, cache, warm=True))
            shutil.rmtree(out)
            shutil.rmtree(cache)
        return best

    def warm(self) -> tuple[float, float]:
        """(same folder again, a new folder from the warm cache)."""
        out, cache = self.work / "warm", self.work / "warm-cache"
        self.once(["wav"], out, cache)
        again = min(self.once(["wav"], out, cache) for _ in range(REPEATS))
        fresh = float("inf")
        for index in range(REPEATS):
            fresh = min(fresh, self.once(["wav"], self.work / f"warm-{index}", cache))
        return again, fresh


def _generated_text(path: Path, size: int) -> None:
    """About ``size`` bytes of prose: the speech's sentences shuffled into new paragraphs."""
    text = SPEECH.read_text(encoding="utf-8").split("---", 2)[2]
    sentences = [s.strip() + "." for s in text.replace("\n", " ").split(". ") if s.strip()]
    rng = random.Random(7)
    parts, length = ["# A generated book\n"], 0
    chapter = 1
    while length < size:
        if rng.random() < 0.02:
            chapter += 1
            parts.append(f"## Chapter {chapter}\n")
        paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 7)))
        parts.append(paragraph + "\n")
        length += len(paragraph.encode()) + 2
    path.write_text("\n".join(parts), encoding="utf-8")


def _peak_rss(work: Path) -> tuple[float, float, int]:
    source = work / "book.md"
    _generated_text(source, 1_000_000)
    out = work / "book"
    command = [*READER, "--max-mb", "5", "render", str(source), "-o", str(out), "--format", "mp3"]
    command.append("--quiet")
    start = time.perf_counter()
    process = subprocess.Popen(command, env=_env(work / "cache-book"))
    with PeakSampler(process.pid) as sampler:
        code = process.wait()
    peak = sampler.peak
    if code != 0:
        raise SystemExit(f"rendering the 1 MB text failed with exit status {code}")
    hours = sum(1 for _ in out.glob("p*.wav"))
    return peak / 2**20, time.perf_counter() - start, hours


def main() -> int:
    """Measure and print the four figures; non-zero exit if a target is missed."""
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory(prefix="bench-narration-") as folder:
        work = Path(folder)
        text = _plain_text(work)
        renders = Renders(work)
        espeak = min(
            _timed(["espeak-ng", "-f", str(text), "-w", str(work / "espeak.wav")])
            for _ in range(REPEATS)
        )
        pipe = (
            f"espeak-ng -f {text} --stdout | ffmpeg -loglevel error -y -i - "
            f"-b:a {MP3_BITRATE} {work / 'espeak.mp3'}"
        )
        espeak_mp3 = min(_timed(pipe, shell=True) for _ in range(REPEATS))
        process, process_espeak, process_cpu, espeak_cpu = _whole_process(work, text)
        cold = renders.cold(["wav"])
        warm, fresh_folder = renders.warm()
        full = renders.cold(["mp3"])
        results = [
            ("cold render, whole process (reader render --format wav) / espeak-ng -w",
             process / process_espeak, 0.9, process, process_espeak),
            ("cold render, in-process (render_document) / espeak-ng -w", cold / espeak, 0.75,
             cold, espeak),
            ("full export (MP3 + chapters + sync) / espeak-ng | ffmpeg", full / espeak_mp3, 0.6,
             full, espeak_mp3),
            ("warm re-render / cold render", warm / cold, 0.05, warm, cold),
        ]  # fmt: skip
        missed = False
        for label, ratio, target, ours, baseline in results:
            verdict = "ok" if ratio <= target else "MISSED"
            missed |= ratio > target
            print(
                f"{label}: {ratio:.3f} (target <= {target}) [{ours:.3f} s vs {baseline:.3f} s] "
                f"{verdict}"
            )
        print(
            f"  (for reference: warm cache into an empty folder / cold render: "
            f"{fresh_folder / cold:.3f} [{fresh_folder:.3f} s])"
        )
        cores = os.cpu_count() or 1
        print(
            f"  (CPU time of the whole cold render, every process / espeak-ng -w's: "
            f"{process_cpu / espeak_cpu:.2f} [{process_cpu:.2f} s vs {espeak_cpu:.2f} s]; "
            f"on {cores} idle cores the whole-process ratio cannot go below "
            f"{process_cpu / espeak_cpu / cores:.2f})"
        )
        if not quick:
            peak, seconds, paragraphs = _peak_rss(work)
            verdict = "ok" if peak <= 300 else "MISSED"
            missed |= peak > 300
            print(
                f"peak RSS, 1 MB text to full-length MP3: {peak:.0f} MB (target <= 300) "
                f"[{paragraphs} paragraphs in {seconds:.0f} s] {verdict}"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
