"""Batch renders and ``--cluster``: a real Dask scheduler and workers as separate processes
on localhost (``dask scheduler``, ``dask worker``), no mocks. The cluster's output is
compared byte for byte with a local render of the same documents, also after a worker is
killed in the middle of a batch; the scheduler killed mid-batch and Ctrl-C (SIGINT to
``reader render``) each end in one line with nothing half-written, and the workers stop a
cancelled batch; an unreachable scheduler is one line."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .narration_helpers import ROOT, run_reader

DASK = str(Path(sys.executable).parent / "dask")
SPEECH = ROOT / "texts" / "sessions-iacp-2018.md"


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def _cluster(
    folder: Path, workers: int = 2, worker_env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    """A scheduler on a free loopback port and ``workers`` single-threaded workers without
    nannies (so killing one kills its work), each its own process."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(file)],
        stdout=subprocess.DEVNULL, stderr=(folder / "scheduler.log").open("wb"), env=env,
    )  # fmt: skip
    started: list[subprocess.Popen[bytes]] = []
    try:
        _wait_for(lambda: _address(file) is not None, 60, "the scheduler")
        address = str(_address(file))
        for index in range(workers):
            started.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--name",
                        f"w{index}",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=(folder / f"worker{index}.log").open("wb"),
                    env={**env, **(worker_env if index == 0 and worker_env else {})},
                )
            )
        _wait_for(lambda: _worker_count(address) == workers, 60, f"{workers} workers to connect")
        yield Cluster(address, scheduler, started)
    finally:
        for process in [*started, scheduler]:
            process.kill()
            process.wait(timeout=30)


def _address(file: Path) -> str | None:
    """The scheduler's address once its file is written whole."""
    try:
        return str(json.loads(file.read_text())["address"])
    except (OSError, ValueError, KeyError):
        return None


def _worker_count(address: str) -> int:
    import distributed

    client_type: Any = distributed.Client  # untyped library
    with client_type(address, timeout=10, set_as_default=False) as client:
        return len(client.scheduler_info()["workers"])


def _documents(folder: Path, count: int, paragraphs: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(count):
        body = "\n\n".join(
            f"Document {number}, paragraph {p}: the cluster narrates this sentence, and then "
            f"another one with {p * 7 + number} words in it."
            for p in range(paragraphs)
        )
        path = folder / f"doc{number}.md"
        path.write_text(f"# Document {number}\n\n{body}\n", encoding="utf-8")
        files.append(path)
    return files


def _paragraph_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("p*.*"))}


@pytest.mark.slow
def test_a_batch_on_the_cluster_equals_a_local_render(tmp_path: Path) -> None:
    docs = _documents(tmp_path / "docs", count=3, paragraphs=4)
    with _cluster(tmp_path / "cluster") as cluster:
        remote = run_reader(
            "render", str(tmp_path / "docs"), "-o", str(tmp_path / "remote"),
            "--format", "wav", "--cluster", cluster.address,
            cache=tmp_path / "remote-cache", timeout=300,
        )  # fmt: skip
    assert remote.returncode == 0, remote.stderr
    local = run_reader(
        "render", *map(str, docs), "-o", str(tmp_path / "local"), "--format", "wav",
        "--jobs", "1", cache=tmp_path / "local-cache", timeout=300,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    for doc in docs:
        remote_files = _paragraph_files(tmp_path / "remote" / doc.stem)
        assert len(remote_files) == 8  # four WAVs and four sync maps
        assert remote_files == _paragraph_files(tmp_path / "local" / doc.stem)
    # One summary row per document, on stdout.
    assert [line.split()[0] for line in remote.stdout.splitlines()[1:]] == [
        str(tmp_path / "docs" / f"doc{n}.md") for n in range(3)
    ]
    # The client's cache was filled: a local run of the same batch synthesises nothing.
    warm = run_reader(
        "render", str(tmp_path / "docs"), "-o", str(tmp_path / "warm"), "--format", "wav",
        cache=tmp_path / "remote-cache", timeout=300,
    )  # fmt: skip
    assert warm.returncode == 0, warm.stderr
    assert warm.stderr.count("(0 synthesised)") == 3


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path: Path) -> None:
    with _cluster(tmp_path / "cluster") as cluster:
        cache = tmp_path / "cache"
        # Small tasks, so the killed worker surely has some running or queued.
        env = {**os.environ, "XDG_CACHE_HOME": str(cache), "READER_CLUSTER_BATCH": "300"}
        render = subprocess.Popen(
            [sys.executable, "-m", "reader", "render", str(SPEECH), "-o",
             str(tmp_path / "out"), "--format", "wav", "--cluster", cluster.address],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        entries = cache / "reader" / "narration"
        _wait_for(lambda: len(list(entries.glob("*/*.json"))) >= 3, 120, "the first results")
        os.kill(cluster.workers[0].pid, signal.SIGKILL)
        _, stderr = render.communicate(timeout=300)
    assert render.returncode == 0, stderr
    assert "wrote 60 paragraphs" in stderr
    out = tmp_path / "out"
    assert len(list(out.glob("p*.wav"))) == 60
    local = run_reader(
        "render", str(SPEECH), "-o", str(tmp_path / "local"), "--format", "wav",
        "--jobs", "1", cache=tmp_path / "local-cache", timeout=300,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    # Every paragraph once, byte for byte what a local render gives (the rerun paragraphs
    # too: audio no longer depends on what a worker spoke before).
    remote_files = _paragraph_files(out)
    assert len(remote_files) == 120
    assert remote_files == _paragraph_files(tmp_path / "local")


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    doc = _documents(tmp_path / "docs", count=1, paragraphs=1)[0]
    started = time.monotonic()
    result = run_reader(
        "render", str(doc), "-o", str(tmp_path / "out"), "--format", "wav",
        "--cluster", "tcp://127.0.0.1:9", cache=tmp_path / "cache", timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert time.monotonic() - started < 60


def test_an_unreachable_scheduler_stops_a_batch_at_once(tmp_path: Path) -> None:
    """Every document would fail the same way: the batch ends with the one line, exit 2,
    without trying the second document."""
    _documents(tmp_path / "docs", count=2, paragraphs=1)
    result = run_reader(
        "render", str(tmp_path / "docs"), "-o", str(tmp_path / "out"), "--format", "wav",
        "--cluster", "tcp://127.0.0.1:9", cache=tmp_path / "cache", timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("reader: [1/2] ") and "[2/2]" not in result.stderr
    assert lines[-1].startswith("reader: error: cannot reach the Dask scheduler at ")
    assert len(lines) == 2, result.stderr


def test_a_batch_carries_on_past_a_failed_document(tmp_path: Path) -> None:
    """Folders, globs and files together; an empty file fails, the others complete."""
    docs = _documents(tmp_path / "docs", count=2, paragraphs=2)
    extra = _documents(tmp_path / "more", count=1, paragraphs=1)[0]
    (tmp_path / "docs" / "empty.txt").write_text("")
    result = run_reader(
        "render", str(tmp_path / "docs"), str(tmp_path / "more" / "*.md"),
        str(tmp_path / "missing.md"), "-o", str(tmp_path / "out"), "--format", "wav",
        cache=tmp_path / "cache", timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("reader: error: 2 of 5 documents failed")
    assert "empty.txt" in last and "missing.md" in last
    for doc in docs:
        assert len(list((tmp_path / "out" / doc.stem).glob("p*.wav"))) == 2
    # doc0.md is in docs/ and in more/: the second gets a folder of its own.
    assert extra.name == docs[0].name
    assert len(list((tmp_path / "out" / "doc0-2").glob("p*.wav"))) == 1
    table = result.stdout.splitlines()
    assert table[0].split() == ["DOCUMENT", "PARAGRAPHS", "AUDIO", "LOUDNESS", "RESULT"]
    assert sum("failed:" in row for row in table) == 2
    # Each rendered document's measured level: the default preset's target, -18 LUFS.
    levels = [float(row.split(" LUFS")[0].split()[-1]) for row in table if "ok:" in row]
    assert len(levels) == 3
    assert all(abs(level - -18.0) <= 0.1 + 1e-9 for level in levels)


def _parts(body: str, count: int) -> str:
    """``count`` sections of the paragraphs of ``body``, each paragraph made different."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return "".join(
        f"# Part {n}\n\n" + "".join(f"In part {n}: {p.strip()}\n\n" for p in paragraphs)
        for n in range(1, count + 1)
    )


def _cluster_activity(address: str) -> tuple[int, int]:
    """Tasks the scheduler still holds, and tasks whose thread still runs on a worker
    (a cancelled task keeps running until it returns)."""
    import distributed

    def scheduler_tasks(dask_scheduler: Any) -> int:
        return len(dask_scheduler.tasks)

    def running(dask_worker: Any) -> int:
        return int(dask_worker.state.executing_count)

    client_type: Any = distributed.Client  # untyped library
    with client_type(address, timeout=10, set_as_default=False) as client:
        return client.run_on_scheduler(scheduler_tasks), sum(client.run(running).values())


def _start_render(
    doc: Path, out: Path, cache: Path, address: str, batch: int
) -> subprocess.Popen[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "READER_CLUSTER_BATCH": str(batch)}
    return subprocess.Popen(
        [sys.executable, "-m", "reader", "render", str(doc), "-o", str(out), "--format",
         "wav", "--cluster", address],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _cached(cache: Path) -> int:
    return len(list((cache / "reader" / "narration").glob("*/*.json")))


def _assert_only_whole_paragraphs(out: Path, base: str) -> dict[str, bytes]:
    """What an interrupted render left: whole paragraph files (WAV and sync map in pairs,
    checked later against a finished render), no temporary file, nothing of the full
    length, no manifest saying the folder is up to date."""
    names = {p.name for p in out.iterdir()}
    assert not [name for name in names if ".tmp-" in name], names
    assert not [name for name in names if name.startswith(base)], names
    assert ".reader-render.json" not in names
    wavs = {name[:-4] for name in names if name.endswith(".wav")}
    assert wavs == {name[:-5] for name in names if name.endswith(".json")}
    return _paragraph_files(out)


def _synthesised(stderr: str) -> tuple[int, int]:
    """(synthesised, from the cache) from the render's last line."""
    words = stderr.splitlines()[-1].replace("(", " ").replace(";", " ").split()
    return int(words[words.index("synthesised,") - 1]), int(words[words.index("from") - 1])


@pytest.mark.slow
def test_losing_the_scheduler_mid_batch_says_to_rerun(tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    with _cluster(tmp_path / "cluster") as cluster:
        render = _start_render(SPEECH, out, cache, cluster.address, batch=300)
        _wait_for(lambda: _cached(cache) >= 3, 120, "the first results")
        os.kill(cluster.scheduler.pid, signal.SIGKILL)
        _, stderr = render.communicate(timeout=120)
    assert render.returncode == 1
    assert stderr.count("\n") == 1, stderr  # one line, no traceback
    assert stderr.startswith("reader: error: lost the Dask scheduler at tcp://127.0.0.1:")
    assert "what finished is in the cache: run the same command again to resume" in stderr
    before = _assert_only_whole_paragraphs(out, SPEECH.stem)
    kept = _cached(cache)
    # A local rerun completes from the cache: only what was not finished is synthesised,
    # and what was written before is unchanged.
    rerun = run_reader(
        "render", str(SPEECH), "-o", str(out), "--format", "wav", cache=cache, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    synthesised, from_cache = _synthesised(rerun.stderr)
    assert from_cache >= kept >= 3 and synthesised + from_cache == 60
    after = _paragraph_files(out)
    assert len(after) == 120
    assert {name: after[name] for name in before} == before


@pytest.mark.slow
def test_ctrl_c_mid_batch_cancels_the_cluster_work(tmp_path: Path) -> None:
    """SIGINT to ``reader render``: exit 130 with one line, the workers stop the batch
    they were running (between paragraphs, long before it could have finished), the
    finished document stays finished and the interrupted one has nothing written."""
    body = SPEECH.read_text(encoding="utf-8").split("---", 2)[2]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-short.md").write_text(body, encoding="utf-8")
    (docs / "b-long.md").write_text(_parts(body, 10), encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "out"
    with _cluster(tmp_path / "cluster") as cluster:
        # One batch per document: the long one (100 KB) is some 20 s of one idle worker's
        # time, far longer than the 8 s it gets to stop once the command has ended.
        render = _start_render(docs, out, cache, cluster.address, batch=1_000_000)
        _wait_for((out / "a-short" / ".reader-render.json").exists, 180, "a-short")
        _wait_for(lambda: _cluster_activity(cluster.address)[1] == 1, 60, "b-long to start")
        time.sleep(1)
        render.send_signal(signal.SIGINT)
        _, stderr = render.communicate(timeout=60)
        assert render.returncode == 130
        assert stderr.splitlines()[-1] == "reader: interrupted"
        assert "Traceback" not in stderr and "rror" not in stderr, stderr
        _wait_for(lambda: _cluster_activity(cluster.address) == (0, 0), 8, "the cluster idle")
    assert len(_paragraph_files(out / "a-short")) == 120
    assert _assert_only_whole_paragraphs(out / "b-long", "b-long") == {}


def test_batches_shrink_towards_the_end_and_keep_every_paragraph_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reader.narration.cluster import BATCH_CHARACTERS, batches

    monkeypatch.delenv("READER_CLUSTER_BATCH", raising=False)
    jobs = [(str(n), "x" * 270) for n in range(300)]
    cut = batches(jobs, threads=2)
    assert [job for batch in cut for job in batch] == jobs
    sizes = [sum(len(text) for _, text in batch) for batch in cut]
    assert max(sizes) <= BATCH_CHARACTERS
    assert sizes == sorted(sizes, reverse=True)  # big first, small last
    assert sizes[-1] == 270  # the document ends with one-paragraph batches
    monkeypatch.setenv("READER_CLUSTER_BATCH", "600")
    assert {len(batch) for batch in batches(jobs, threads=2)} == {2}
