"""Whole-process time and peak memory of reader's commands on big generated prose.

Each command runs as a new process; its process tree's resident memory is sampled every
few milliseconds (:func:`proctree.tree_rss`) and the peak kept. ``reader open`` runs in a
real terminal (tmux): its time is until the status line of the first paint shows.
"""

from __future__ import annotations

import os
import resource
import shlex
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from proctree import tree_rss

SAMPLE_S = 0.01
TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Run:
    """One command's wall time (seconds), peak process-tree memory (bytes) and CPU time
    (user + system seconds of the process and the children it waited for; None when the
    process ran in a terminal of its own). On a loaded machine the CPU time is what an
    idle one would show as wall time, near enough, for these single-threaded commands."""

    seconds: float
    peak: int
    cpu: float | None = None


def reader_command(*args: str) -> list[str]:
    """``reader ARGS`` as this interpreter runs it."""
    return [sys.executable, "-m", "reader", *args]


def run_process(args: list[str], env: dict[str, str], stdin: str = "") -> Run:
    """Run ``args`` to the end, sampling the memory of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.close()
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        if time.perf_counter() - start > TIMEOUT_S:
            process.kill()
            break
        time.sleep(SAMPLE_S)
    seconds = time.perf_counter() - start
    assert process.stderr is not None
    errors = process.stderr.read()
    if process.wait() != 0:
        raise RuntimeError(f"{shlex.join(args)} failed: {errors.strip()[-300:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(seconds, peak, cpu)


def _tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
    return done.stdout


def tree_cpu(pid: int) -> float:
    """User + system seconds of ``pid`` and all its descendants so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            # The fields after the command name, which is in brackets and may hold spaces.
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def open_to_first_paint(path: Path, env: dict[str, str], marker: str = "Paragraph 1 of") -> Run:
    """``reader open PATH`` in a 100x30 tmux terminal: seconds until ``marker`` shows,
    the peak memory until then, and the CPU time spent until then (what an idle machine
    would show as time, near enough: the first paint is single-threaded)."""
    name = f"reader-bench-{uuid.uuid4().hex[:8]}"
    exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    command = shlex.join(reader_command("open", "--audio", "null", str(path)))
    start = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30",
         f"env -i {exports} TERM=xterm-256color {command}; sleep 60"],
        check=True,
    )  # fmt: skip
    try:
        pid = int(_tmux("display", "-p", "-t", name, "#{pane_pid}").strip())
        peak = 0
        while time.perf_counter() - start < TIMEOUT_S:
            peak = max(peak, tree_rss(pid))
            if marker in _tmux("capture-pane", "-p", "-t", name):
                return Run(time.perf_counter() - start, peak, tree_cpu(pid))
            time.sleep(SAMPLE_S)
        raise RuntimeError(f"reader open {path} showed no first paint in {TIMEOUT_S:.0f} s")
    finally:
        _tmux("kill-session", "-t", name)


def bench_env(folder: Path) -> dict[str, str]:
    """The environment for the measured processes: fresh data and cache folders."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH")
    }
    env["READER_DATA_DIR"] = str(folder / "data")
    env["XDG_CACHE_HOME"] = str(folder / "cache")
    return env


MEGABYTE = 1024 * 1024
SIZES_MB = (1, 10, 50)
TARGET_MB = 50
TIME_TARGETS_S = {"info": 10.0, "info --json": 10.0, "read": 2.0, "open": 2.0}
MEMORY_RATIO_TARGET = 10.0
MEMORY_CAP = 600 * MEGABYTE


def make_files(folder: Path) -> list[Path]:
    """The generated prose, each size as Markdown and as plain text (just under the size,
    so that the 50 MB file is within the default --max-mb)."""
    from prose import prose

    paths = []
    for size in SIZES_MB:
        for suffix in (".md", ".txt"):
            path = folder / f"prose-{size}mb{suffix}"
            text = prose(size * MEGABYTE - min(size * MEGABYTE // 100, 200_000), suffix == ".md")
            path.write_text(text, encoding="utf-8")
            paths.append(path)
    return paths


def measure(path: Path, folder: Path) -> dict[str, Run]:
    """Every command of the table on one file."""
    env = bench_env(folder)
    file = str(path)
    out = str(folder / "render")
    return {
        "info": run_process(reader_command("info", file), env),
        "info --json": run_process(reader_command("info", "--json", file), env),
        "export --paragraphs 1-5": run_process(
            reader_command("export", "--paragraphs", "1-5", file), env
        ),
        "read": run_process(reader_command("read", file), env, "q\n"),
        "open": open_to_first_paint(path, env),
        "render --paragraphs 1-3": run_process(
            reader_command("render", "--paragraphs", "1-3", "--format", "wav", "-o", out, file),
            env,
        ),
    }


def verdicts(size_mb: int, command: str, run: Run, file_bytes: int) -> tuple[str, bool]:
    """The targets of one row as text, and whether it missed any (targets apply at 50 MB)."""
    if size_mb != TARGET_MB:
        return "", False
    missed = []
    limit = TIME_TARGETS_S.get(command)
    if limit is not None and run.seconds > limit:
        missed.append(f"time > {limit:g} s")
    if run.peak > min(MEMORY_RATIO_TARGET * file_bytes, MEMORY_CAP):
        missed.append(f"memory > {MEMORY_RATIO_TARGET:g}x / {MEMORY_CAP // MEGABYTE} MB")
    return ("MISSED: " + ", ".join(missed)) if missed else "met", bool(missed)


def scale_table() -> bool:
    """Print the table; True when every 50 MB target is met."""
    import tempfile

    failed = False
    print(
        f"\nScale (whole process, generated prose; targets at {TARGET_MB} MB: info and "
        f"info --json <= 10 s, read and open to the first paragraph <= 2 s, peak memory of "
        f"the process tree <= {MEMORY_RATIO_TARGET:g}x the file and <= "
        f"{MEMORY_CAP // MEGABYTE} MB; cpu: user + system time, what an idle machine "
        "would show as time)"
    )
    print(
        f"{'file':16s} {'command':24s} {'time':>8s} {'s/MB':>6s} {'cpu':>7s} "
        f"{'peak':>8s} {'x file':>7s}"
    )
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for path in make_files(folder):
            size_mb = int(path.stem.split("-")[1].removesuffix("mb"))
            file_bytes = path.stat().st_size
            for command, run in measure(path, folder).items():
                verdict, missed = verdicts(size_mb, command, run, file_bytes)
                failed |= missed
                cpu = "-" if run.cpu is None else f"{run.cpu:.2f}s"
                print(
                    f"{path.name:16s} {command:24s} {run.seconds:7.2f}s "
                    f"{run.seconds / (file_bytes / MEGABYTE):6.2f} {cpu:>7s} "
                    f"{run.peak / MEGABYTE:6.0f}MB {run.peak / file_bytes:6.1f}x  {verdict}"
                )
    return not failed
