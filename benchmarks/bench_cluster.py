"""Batch rendering locally and on a Dask cluster, whole processes, in one run.

1. a small library rendered by ``reader render DIR`` with the local worker processes
   (``--jobs 2``), against the same batch with ``--cluster`` on a localhost scheduler with 2
   single-threaded workers (target: cluster / local <= 1.15, the overhead of the engine;
   both with a cold cache, WAV + sync maps);
2. the client's peak memory (its own process tree: the workers are separate) for that
   batch on the cluster (target <= 400 MB).

The library is real prose of different kinds and lengths, with no network: the README
(headings, code, links, tables), the bundled speech, the test addresses, the speech's web
page as HTML, and API reference pages generated from reader's own modules (as
bench_formats makes them), one document per package or group of modules: 12 documents,
about 150 KB on disk.

Cold renders each get a new cache folder; the cluster is started once and warmed by a
small first batch (users start theirs once too). Timings are the best of two runs. The
cost of ``import distributed`` alone (which the client now pays while it parses) is shown
beside the ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from proctree import PeakSampler

ROOT = Path(__file__).resolve().parents[1]
READER = [sys.executable, "-m", "reader"]
DASK = str(Path(sys.executable).parent / "dask")
REPEATS = 2
# API reference pages: one document per package, then the single modules in groups.
PACKAGES = ("reader.audio", "reader.epub", "reader.commands")
GROUPS = 5


def _documents(folder: Path) -> int:
    """Write the library into ``folder``; the number of documents."""
    from bench_formats import api_reference

    folder.mkdir(parents=True)
    for source, name in (
        (ROOT / "README.md", "readme.md"),
        (ROOT / "texts" / "sessions-iacp-2018.md", "speech.md"),
        (ROOT / "tests" / "data" / "addresses.md", "addresses.md"),
        (ROOT / "tests" / "data" / "seed-page.html", "speech-page.html"),
    ):
        (folder / name).write_bytes(source.read_bytes())
    pages: dict[str, list[str]] = {}
    singles: list[str] = []
    for page in api_reference().split("\n## ")[1:]:
        module = page.split("`")[1]
        package = ".".join(module.split(".")[:2])
        if package in PACKAGES:
            pages.setdefault(package, []).append(page)
        elif module.count(".") == 1:
            singles.append(page)
    for index in range(GROUPS):
        pages[f"reader-core-{index + 1}"] = singles[index::GROUPS]
    for title, chunk in pages.items():
        text = f"# {title}\n\n" + "\n".join(f"## {page}" for page in chunk)
        (folder / f"{title.replace('.', '-')}.md").write_text(text, encoding="utf-8")
    return len(list(folder.iterdir()))


def _import_seconds() -> float:
    """A Python process that only imports distributed, less one that starts bare."""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    return min(run("import distributed") for _ in range(2)) - min(run("") for _ in range(2))


def _wait_for_workers(address: str, count: int) -> None:
    import distributed

    client_type: Any = distributed.Client  # untyped library
    deadline = time.monotonic() + 120
    with client_type(address, timeout=30, set_as_default=False) as client:
        while len(client.scheduler_info()["workers"]) < count:
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not connect")
            time.sleep(0.2)


def _render(args: list[str], cache: Path) -> tuple[float, float]:
    """Seconds and the peak RSS (MB) of the whole ``reader render`` process tree."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [*READER, "render", *args, "--quiet"], env=env, stdout=subprocess.DEVNULL
    )
    with PeakSampler(process.pid) as sampler:
        code = process.wait()
        elapsed = time.perf_counter() - start
    if code:
        raise SystemExit(f"reader render failed with exit code {code}")
    return elapsed, sampler.peak / 1024 / 1024


def main() -> int:
    """Print the ratio and the memory figure against their targets."""
    imports = _import_seconds()
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        count = _documents(work / "docs")
        (work / "small").mkdir()
        (work / "small" / "speech.md").write_bytes((work / "docs" / "speech.md").read_bytes())
        scheduler_file = work / "scheduler.json"
        processes = [
            subprocess.Popen(
                [
                    DASK,
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(scheduler_file),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        ]
        try:
            deadline = time.monotonic() + 60
            address = ""
            while not address and time.monotonic() < deadline:
                try:
                    address = json.loads(scheduler_file.read_text())["address"]
                except (OSError, ValueError, KeyError):
                    time.sleep(0.1)
            for name in ("w0", "w1"):
                processes.append(
                    subprocess.Popen(
                        [
                            DASK,
                            "worker",
                            address,
                            "--nthreads",
                            "1",
                            "--no-dashboard",
                            "--name",
                            name,
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            _wait_for_workers(address, 2)
            # A first cluster run warms the workers' imports (as a cluster in use would be).
            _render([str(work / "small"), "-o", str(work / "warmup"), "--format", "wav",
                     "--cluster", address], work / "cache-warmup")  # fmt: skip
            local, cluster, peak = [], [], 0.0
            for run in range(REPEATS):
                seconds, _ = _render(
                    [str(work / "docs"), "-o", str(work / f"local{run}"), "--format", "wav",
                     "--jobs", "2"], work / f"cache-local{run}",
                )  # fmt: skip
                local.append(seconds)
                seconds, rss = _render(
                    [str(work / "docs"), "-o", str(work / f"cluster{run}"), "--format", "wav",
                     "--cluster", address], work / f"cache-cluster{run}",
                )  # fmt: skip
                cluster.append(seconds)
                peak = max(peak, rss)
        finally:
            for process in processes:
                process.kill()
                process.wait()
    ratio = min(cluster) / min(local)
    print(
        f"library of {count} documents (README, speech, web page, API pages), cold cache: "
        f"cluster of 2 workers / local --jobs 2 = {ratio:.2f} (target <= 1.15; "
        f"{min(cluster):.2f} s vs {min(local):.2f} s, whole processes, best of {REPEATS}; "
        f"all runs: cluster {', '.join(f'{t:.2f}' for t in cluster)}, "
        f"local {', '.join(f'{t:.2f}' for t in local)})"
    )
    print(
        f"  import distributed alone: {imports:.2f} s (in-process cost the client now pays "
        "on a thread while it parses the first document)"
    )
    print(f"client peak RSS, {count}-document batch on the cluster: {peak:.0f} MB "
          "(target <= 400)")  # fmt: skip
    return 0 if ratio <= 1.15 and peak <= 400 else 1


if __name__ == "__main__":
    sys.exit(main())
