"""Synthesis worker processes: ``python -m reader.narration.worker``.

Engines without process-wide state (Piper) speak here, and eSpeak when the renderer is
asked for worker processes (``in_process=False``); by default eSpeak speaks in pristine
children of templates forked from the caller (``reader.narration.pristinepool``), which
start no interpreter. Parallel synthesis needs processes. They are plain
child processes speaking JSON lines over pipes rather than ``multiprocessing`` ones: those
re-import the caller's ``__main__`` module (a UI, a test runner, a script without a main
guard) in every child, which is slow at best and re-runs the program at worst.

Protocol, one JSON object per line. Request: ``{"text", "key", "root", "settings":
[voice, rate_wpm, pitch, volume]}`` (``voice`` qualified, ``engine:id``, or a bare eSpeak
id, or null: a worker speaks with any registered engine); reply: ``{"key", "samples"}`` or
``{"key", "error"}``.
A worker stops at the end of its input, so it never outlives its parent's pipe.

Start-up is hidden behind the caller's own work: ``prestart(settings, count)`` starts
synthesisers as soon as a command knows it will narrate (before the document is parsed):
templates for eSpeak, else workers that each load their engine and voice (``python -m
reader.narration.worker VOICE``) before their first request; the next pool adopts them
instead of starting its own.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import reader

if TYPE_CHECKING:
    from reader.narration.synthesis import NarrationSettings

Result = tuple[str, int | str]
DEPTH = 2  # jobs waiting in each worker's pipe


def _serve(warm: str | None) -> int:
    """The worker's loop: read requests on stdin, answer on the original stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing the engine might print can reach the reply channel
    from reader.narration.synthesis import NarrationSettings, synthesise_into_cache

    if warm is not None:
        warm_up(warm or None)

    for line in sys.stdin:
        request = json.loads(line)
        key = request["key"]
        try:
            settings = NarrationSettings(*request["settings"])
            samples = synthesise_into_cache(request["text"], settings, request["root"], key)
            reply: dict[str, Any] = {"key": key, "samples": samples}
        except OSError as error:
            reply = {"key": key, "error": f"cannot write the cache: {error}", "fatal": True}
        except Exception as error:
            reply = {"key": key, "error": _reason(error)}
        replies.write(json.dumps(reply) + "\n")
    return 0


def warm_up(voice: str | None) -> None:
    """Load the engine of ``voice`` and the voice itself now, so the first paragraph does
    not wait for them. Errors are left for the first request to report."""
    from reader.errors import ReaderError
    from reader.narration.engines import engine_for

    try:
        engine, local = engine_for(voice)
        warm = getattr(engine, "warm_up", None)
        if callable(warm):
            warm(local)
    except ReaderError:
        pass


_spares: list[tuple[str, subprocess.Popen[str]]] = []
_spares_lock = threading.Lock()
_everyone: set[subprocess.Popen[str]] = set()  # every worker this process started


@atexit.register
def _end_all() -> None:
    """Workers never outlive their parent, even one busy with a long paragraph that a
    quitting reader no longer wants (the end of its input would only be read afterwards)."""
    for worker in list(_everyone):
        with contextlib.suppress(OSError):
            worker.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=2)
    _everyone.clear()


def _spawn(voice: str | None) -> subprocess.Popen[str]:
    package_parent = str(Path(reader.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    worker = subprocess.Popen(
        [sys.executable, "-m", "reader.narration.worker", voice or ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        env=env,
        bufsize=1,
    )
    _everyone.add(worker)
    return worker


def prestart(settings: NarrationSettings | str | None, count: int) -> None:
    """Have ``count`` synthesisers for ``settings`` (or a voice, with the default rate,
    pitch and volume) starting now; the next pool for them adopts them. Unadopted ones
    end with this process (their input closes). Engines that keep process-wide state
    (eSpeak) get pristine templates forked from this process
    (``reader.narration.pristinepool``), others worker processes: as many more as it
    takes, so a worker still waiting from an earlier call counts (``reader open`` starts
    one before it parses, and its reading screen asks again)."""
    from reader.errors import ReaderError
    from reader.narration import pristinepool
    from reader.narration.synthesis import NarrationSettings

    if not isinstance(settings, NarrationSettings):
        try:
            settings = NarrationSettings(settings)
        except ReaderError:
            return  # an unknown engine: the renderer says so, in one line
    if pristinepool.supports(settings):
        pristinepool.prestart(settings, count)
        return
    voice = settings.voice or ""
    with _spares_lock:
        waiting = sum(1 for warmed, worker in _spares if warmed == voice and worker.poll() is None)
        _spares.extend((voice, _spawn(voice or None)) for _ in range(count - waiting))


def release(voice: str | None) -> None:
    """End the workers started ahead for ``voice`` that no pool adopted (a voice looked at
    in the reader's chooser and not chosen): each holds a loaded model."""
    with _spares_lock:
        ending = [worker for warmed, worker in _spares if warmed == (voice or "")]
        _spares[:] = [(warmed, worker) for warmed, worker in _spares if worker not in ending]
    for worker in ending:
        _end(worker)


def _adopt(voice: str | None) -> subprocess.Popen[str] | None:
    with _spares_lock:
        for index, (warmed, worker) in enumerate(_spares):
            if warmed == (voice or "") and worker.poll() is None:
                del _spares[index]
                return worker
    return None


def _reason(error: Exception) -> str:
    from reader.errors import ReaderError

    return str(error) if isinstance(error, ReaderError) else f"{type(error).__name__}: {error}"


class WorkerPool:
    """``size`` synthesisers, started on first use and stopped by ``close``: with
    ``local(key, text)``, the calling process itself (on a thread) and ``size - 1`` worker
    processes; without, ``size`` worker processes (engines that need a process of their
    own, such as eSpeak: the caller then only writes and checks the results)."""

    def __init__(
        self, size: int, local: Callable[[str, str], int] | None, voice: str | None = None
    ) -> None:
        self.size = size
        self.local = local
        self.voice = voice  # workers are started warmed up for it
        self._workers: list[subprocess.Popen[str]] = []
        # One run at a time: the workers' pipes carry one conversation each.
        self._running = threading.Lock()

    def _start(self, count: int) -> None:
        while len(self._workers) < count:
            self._workers.append(_adopt(self.voice) or _spawn(self.voice))

    def run(
        self, jobs: Sequence[tuple[str, str]], settings: Sequence[object], root: str
    ) -> Iterator[Result]:
        """Synthesise ``(key, text)`` jobs; yields ``(key, samples or error)`` as they
        finish. A cache that cannot be written raises ``OSError`` for all. Runs from
        several threads take turns."""
        with self._running:
            yield from self._run(jobs, settings, root)

    def _run(
        self, jobs: Sequence[tuple[str, str]], settings: Sequence[object], root: str
    ) -> Iterator[Result]:
        self._start(min(self.size, len(jobs)) - (self.local is not None))
        todo: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        for job in jobs:
            todo.put(job)
        done: queue.SimpleQueue[tuple[str, int | str, bool]] = queue.SimpleQueue()
        stop = threading.Event()
        feed = _Feed(todo, done, stop, settings, root)
        threads = []
        if self.local is not None:
            threads.append(threading.Thread(target=feed.run_local, args=(self.local,), daemon=True))
        threads += [
            threading.Thread(target=feed.run, args=(worker,), daemon=True)
            for worker in self._workers
        ]
        for thread in threads:
            todo.put(None)
            thread.start()
        try:
            for _ in jobs:
                key, outcome, fatal = done.get()
                if fatal:
                    raise OSError(outcome)
                yield key, outcome
        except BaseException:
            # Interrupted: stop at once instead of finishing the paragraphs in flight.
            stop.set()
            self._kill()
            raise
        finally:
            stop.set()
            for thread in threads:
                thread.join()

    def _kill(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.kill()

    def close(self) -> None:
        """Stop the workers: the end of their input ends them; a thread reaps them, so
        closing costs the caller nothing."""
        for worker in self._workers:
            _end(worker)
        self._workers = []


def _end(worker: subprocess.Popen[str]) -> None:
    """Close ``worker``'s pipes (the end of its input ends it); a thread reaps it."""
    with contextlib.suppress(OSError):
        if worker.stdin is not None:
            worker.stdin.close()
    if worker.stdout is not None:
        worker.stdout.close()
    threading.Thread(target=_reap, args=(worker,), daemon=True).start()


def _reap(worker: subprocess.Popen[str]) -> None:
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    _everyone.discard(worker)


@dataclass(frozen=True, slots=True)
class _Feed:
    """What each feeding thread shares: the job queue, the results, the stop flag."""

    todo: queue.SimpleQueue[tuple[str, str] | None]
    done: queue.SimpleQueue[tuple[str, int | str, bool]]
    stop: threading.Event
    settings: Sequence[object]
    root: str

    def run_local(self, local: Callable[[str, str], int]) -> None:
        """Synthesise in this process until the jobs run out."""
        while not self.stop.is_set() and (job := self.todo.get()) is not None:
            key, text = job
            try:
                self.done.put((key, local(key, text), False))
            except OSError as error:
                self.done.put((key, f"cannot write the cache: {error}", True))
            except Exception as error:
                self.done.put((key, _reason(error), False))

    def run(self, worker: subprocess.Popen[str]) -> None:
        """Keep ``worker`` fed: up to ``DEPTH`` jobs in its pipe, so it starts the next
        paragraph at once instead of waiting for this thread (which may wait for the GIL
        while the caller writes files); a small depth still lets the fastest worker take
        the most."""
        todo, done, stop = self.todo, self.done, self.stop
        assert worker.stdin is not None and worker.stdout is not None
        sent: deque[str] = deque()  # keys in the order the worker answers them
        exhausted = False
        while not stop.is_set() and (sent or not exhausted):
            if not exhausted and len(sent) < DEPTH:
                job = todo.get()
                if job is None:
                    exhausted = True
                    continue
                key, text = job
                request = {
                    "key": key,
                    "text": text,
                    "root": self.root,
                    "settings": list(self.settings),
                }
                try:
                    worker.stdin.write(json.dumps(request) + "\n")
                    worker.stdin.flush()
                    sent.append(key)
                    continue
                except OSError as error:
                    done.put((key, f"the worker process failed: {error}", False))
                    line = ""
            else:
                key = sent.popleft()
                try:
                    line = worker.stdout.readline()
                    reply = json.loads(line) if line else {"error": "the worker process stopped"}
                except (OSError, ValueError) as error:
                    line, reply = "", {"error": f"the worker process failed: {error}"}
                if "samples" in reply:
                    done.put((key, int(reply["samples"]), False))
                else:
                    done.put((key, str(reply["error"]), bool(reply.get("fatal"))))
            if not line:
                # A dead worker fails the rest of its share rather than hanging the caller.
                for rest in sent:
                    done.put((rest, "the worker process stopped", False))
                while not exhausted and (job := todo.get()) is not None:
                    done.put((job[0], "the worker process stopped", False))
                return


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1] if len(sys.argv) > 1 else None))
