"""Paragraph synthesis on a Dask distributed cluster (``reader render --cluster ADDRESS``).

The scheduler and workers are the ones people start themselves (``dask scheduler``,
``dask worker ADDRESS``); every worker needs the ``reader`` package and the voice. The
command starts importing Dask and connecting while it parses the first document
(:func:`connect_early`). The client sends batches of paragraph texts (at most
:data:`BATCH_CHARACTERS` characters, shrinking towards the end of a document so no worker
waits long for another's last batch) and keeps at most two batches per worker thread in
flight, so its memory stays bounded however long the document. Each result (audio plus
word marks) comes back to the client, which stores it in its own cache at once: the
renderer then reads it from there exactly as after a local synthesis, and a later local
run is warm.

Faults: Dask reruns the tasks of a worker that dies on another worker (a task that kills
three workers fails with the scheduler's ``KilledWorker``, reported per paragraph). An
unreachable scheduler at start is one line and exit code 2; losing it mid-batch keeps what
finished in the cache and says to run the same command again; both end a whole batch of
documents (:class:`ClusterUnavailable`). Ctrl-C cancels the tasks, and a worker running a
cancelled batch stops after its current paragraph (Dask cannot stop a task's thread).

Units: audio as mono 16-bit PCM bytes; marks as sample indices and code-point offsets (see
:mod:`reader.narration.engines.port`).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from reader.errors import EXIT_BAD_INPUT, EXIT_FAILURE, ReaderError
from reader.sanitize import for_terminal

CLUSTER_ENV = "READER_CLUSTER"
BATCH_ENV = "READER_CLUSTER_BATCH"  # characters a task carries (tuning, and the tests)
BATCH_CHARACTERS = 4000
# Each batch takes about 1 / (BATCHES_PER_THREAD * threads) of a document's characters
# left (see batches), never fewer than MIN_BATCH_CHARACTERS (a task's own overhead).
BATCHES_PER_THREAD = 2
MIN_BATCH_CHARACTERS = 600
CONNECT_TIMEOUT_S = 10
# What comes back from a worker for one paragraph: key, PCM or the reason it has none,
# sample rate, marks as [kind, char_start, char_length, sample].
BatchResult = list[tuple[str, bytes | str, int, list[list[Any]]]]
Result = tuple[str, int | str]


class ClusterUnavailable(ReaderError):
    """The scheduler cannot be reached, or was lost mid-batch: the whole command stops
    (every other document would fail the same way)."""


def render_batch(items: Sequence[tuple[str, str]], settings: Sequence[object]) -> BatchResult:
    """On a worker: speak every ``(key, text)`` with ``settings`` (the worker protocol's
    list); a paragraph that fails carries its reason instead of audio."""
    from reader.narration.synthesis import NarrationSettings, speak

    spoken = NarrationSettings(*settings)  # type: ignore[arg-type]
    wanted = _still_wanted()
    results: BatchResult = []
    for key, text in items:
        if not wanted():
            break  # cancelled (Ctrl-C, or the client is gone): stop after this paragraph
        try:
            result = speak(text, spoken)
        except Exception as error:  # one paragraph's failure is reported, not fatal
            reason = str(error) if isinstance(error, ReaderError) else repr(error)
            results.append((key, reason, 0, []))
            continue
        marks = [[m.kind, m.char_start, m.char_length, m.sample] for m in result.marks]
        results.append((key, result.pcm, result.sample_rate, marks))
    return results


def _still_wanted() -> Callable[[], bool]:
    """On a worker: whether the running task is still wanted. Dask cannot stop a task's
    thread, so a cancelled batch stops itself between paragraphs."""
    try:
        from distributed import get_worker

        worker = get_worker()
        key = worker.get_current_task()
    except (ImportError, ValueError, AttributeError):  # not on a worker (a direct call)
        return lambda: True

    def wanted() -> bool:
        task = worker.state.tasks.get(key)
        return task is not None and task.state in {"executing", "long-running"}

    return wanted


def can_speak(voice: object) -> str | None:
    """On a worker: None when ``voice`` can be used here, else the one-line reason."""
    from reader.narration.engines import engine_for

    try:
        engine, local = engine_for(voice if isinstance(voice, str) else None)
        if voice is not None:
            engine.check_voice(local)
    except Exception as error:
        return str(error)
    return None


def batches(jobs: Sequence[tuple[str, str]], threads: int = 1) -> list[list[Any]]:
    """``jobs`` in order, cut into batches (at least one job each).

    ``READER_CLUSTER_BATCH`` characters each when set. Otherwise guided: each batch takes
    about a share of what is left (``1 / (BATCHES_PER_THREAD * threads)``), at most
    :data:`BATCH_CHARACTERS` and at least :data:`MIN_BATCH_CHARACTERS`, so batches shrink
    towards the end of a document and no worker idles long while another finishes the
    last one.
    """
    given = os.environ.get(BATCH_ENV, "")
    fixed = int(given) if given.isdigit() and int(given) > 0 else 0
    remaining = sum(len(text) for _, text in jobs)
    share = BATCHES_PER_THREAD * max(1, threads)
    result: list[list[Any]] = []
    current: list[Any] = []
    length = 0
    size = 0
    for job in jobs:
        if not current:
            size = fixed or max(MIN_BATCH_CHARACTERS, min(BATCH_CHARACTERS, remaining // share))
        elif length + len(job[1]) > size:
            result.append(current)
            remaining -= length
            current, length = [], 0
            size = fixed or max(MIN_BATCH_CHARACTERS, min(BATCH_CHARACTERS, remaining // share))
        current.append(job)
        length += len(job[1])
    if current:
        result.append(current)
    return result


def connect_early(address: str, voice: str | None) -> None:
    """Start importing Dask, connecting to ``address`` and asking the workers about
    ``voice`` on a background thread, while this one parses the first document (importing
    ``distributed`` alone takes about a second). The first :class:`ClusterPool` for the
    address waits for it; a failure is raised there."""
    with _LOCK:
        if address in _CONNECTIONS:
            return
        future: Future[_Connection] = Future()
        _CONNECTIONS[address] = future
    thread = threading.Thread(
        target=_connect_into, args=(future, address, voice), name="reader-cluster", daemon=True
    )
    thread.start()


class _Connection:
    """One client per scheduler address and process, and what its workers can speak."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ReaderError(
                "--cluster needs Dask distributed: pip install 'distributed'", EXIT_FAILURE
            ) from None
        # Dask's own log lines (reconnecting, lost workers) would print over the progress
        # display; what matters reaches the user as our own lines. Importing distributed
        # sets these levels, so they are set after it.
        # (tornado.application too: a background fetch failing when the scheduler dies
        # logs its traceback there.)
        known = list(logging.root.manager.loggerDict)
        for name in {"distributed", "tornado", "tornado.application", *known}:
            if name.split(".")[0] in {"distributed", "tornado"}:
                logging.getLogger(name).setLevel(logging.CRITICAL)
        self.address = address
        try:
            self.client: Any = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise ClusterUnavailable(
                f"cannot reach the Dask scheduler at {for_terminal(address)} ({error}); "
                "check the address and that `dask scheduler` is running",
                EXIT_BAD_INPUT,
            ) from None
        # Per voice: the workers able to speak it (None: all) and the notes about the others.
        self.able: dict[str | None, tuple[list[str] | None, list[str]]] = {}
        self.lock = threading.Lock()

    def workers_for(self, voice: str | None) -> tuple[list[str] | None, list[str]]:
        """The workers that can speak ``voice`` (None: every one, so the scheduler may use
        any, and new ones) and one note for each that cannot; asked once per voice."""
        with self.lock:
            if voice not in self.able:
                self.able[voice] = self._ask(voice)
            return self.able[voice]

    def _ask(self, voice: str | None) -> tuple[list[str] | None, list[str]]:
        answers: dict[str, str | None] = self.client.run(can_speak, voice)
        able = [worker for worker, problem in answers.items() if problem is None]
        notes = [
            f"worker {for_terminal(worker)} cannot narrate with "
            f"{for_terminal(voice or 'the default voice')}: {for_terminal(problem)}"
            for worker, problem in sorted(answers.items())
            if problem is not None
        ]
        if not answers:
            raise ClusterUnavailable(
                f"the Dask scheduler at {for_terminal(self.address)} has no workers; "
                "start some with `dask worker ADDRESS`",
                EXIT_FAILURE,
            )
        if not able:
            raise ClusterUnavailable(
                f"no worker of the cluster at {for_terminal(self.address)} can narrate with "
                f"{for_terminal(voice or 'the default voice')}",
                EXIT_FAILURE,
            )
        return (None if len(able) == len(answers) else able), notes


def _connect_into(future: Future[_Connection], address: str, voice: str | None) -> None:
    try:
        connection = _Connection(address)
        connection.workers_for(voice)
    except BaseException as error:  # kept for the ClusterPool that waits for it
        future.set_exception(error)
    else:
        future.set_result(connection)


def _connection(address: str, voice: str | None) -> _Connection:
    """The connection to ``address``: the early one, or one made now (again if lost)."""
    connect_early(address, voice)
    with _LOCK:
        future = _CONNECTIONS[address]
    try:
        connection = future.result()
    except ReaderError:
        with _LOCK:
            _CONNECTIONS.pop(address, None)  # the next document tries again
        raise
    if connection.client.status != "running":
        with _LOCK:
            if _CONNECTIONS.get(address) is future:
                del _CONNECTIONS[address]
        return _connection(address, voice)
    return connection


class ClusterPool:
    """The renderer's pool when ``--cluster`` is given: same ``run``/``close`` as
    :class:`reader.narration.worker.WorkerPool`. One connection and one voice check serve
    every document of a batch (each document has its own renderer and pool)."""

    def __init__(self, address: str, voice: str | None) -> None:
        self.address = address
        connection = _connection(address, voice)
        self.client: Any = connection.client
        self.workers, notes = connection.workers_for(voice)
        if voice not in _NOTED.setdefault(address, set()):
            _NOTED[address].add(voice)
            for note in notes:
                print(f"reader: note: {note}", file=sys.stderr)

    def run(
        self, jobs: Sequence[tuple[str, str]], settings: Sequence[object], root: str
    ) -> Iterator[Result]:
        """Synthesise every ``(key, text)`` on the cluster into the cache under ``root``;
        yield ``(key, samples or reason)`` as results arrive."""
        from distributed import as_completed

        from reader.narration.cache import NarrationCache
        from reader.narration.engines.port import WordMark

        cache = NarrationCache(Path(root))
        threads = sum(
            info.get("nthreads", 1)
            for worker, info in self.client.scheduler_info()["workers"].items()
            if self.workers is None or worker in self.workers
        )
        pending = batches(jobs, threads)
        pending.reverse()  # pop() takes them in document order
        window = max(2, 2 * threads)
        keys_of: dict[Any, list[str]] = {}
        # Results are fetched in the background as batches finish, not on request.
        running = as_completed(loop=self.client.loop, with_results=True, raise_errors=False)
        # The client stores each result in the cache on a helper thread, one ahead of the
        # renderer, which meanwhile checks and writes the one before (hashing and writing
        # release the GIL).
        storer = ThreadPoolExecutor(1, thread_name_prefix="reader-store")

        def submit() -> None:
            batch = pending.pop()
            future = self.client.submit(
                render_batch, batch, list(settings), pure=False, workers=self.workers
            )
            keys_of[future] = [key for key, _ in batch]
            running.add(future)

        def store(key: str, audio: bytes, rate: int, marks: list[list[Any]]) -> int:
            cache.store(key, audio, rate, tuple(WordMark(*m) for m in marks))
            return len(audio) // 2

        try:
            for _ in range(min(window, len(pending))):
                submit()
            for future, outcome in running:
                keys = keys_of.pop(future)
                if pending:
                    submit()  # before this batch is stored: keep the workers busy
                results = _batch_results(future, outcome, keys)
                stored: list[tuple[str, str | Future[int]]] = [
                    (key, audio if isinstance(audio, str) else storer.submit(store, key, audio,
                                                                             rate, marks))
                    for key, audio, rate, marks in results
                ]  # fmt: skip
                for key, done in stored:
                    yield key, done if isinstance(done, str) else done.result()
                # A batch its worker stopped early (it was cancelled) leaves the rest unsaid.
                answered = {key for key, _ in stored}
                yield from ((key, "the cluster returned no audio") for key in keys
                            if key not in answered)  # fmt: skip
        except BaseException as error:
            self._cancel(list(keys_of))
            storer.shutdown(wait=True, cancel_futures=True)
            if isinstance(error, Exception) and _lost_scheduler(error):
                raise ClusterUnavailable(
                    f"lost the Dask scheduler at {for_terminal(self.address)}; what finished "
                    "is in the cache: run the same command again to resume",
                    EXIT_FAILURE,
                ) from None
            raise
        storer.shutdown(wait=True)

    def _cancel(self, futures: list[Any]) -> None:
        """Cancel the batches in flight, so the workers stop (between paragraphs) instead
        of finishing work nobody waits for; nothing to do when the scheduler is gone."""
        if not futures or self.client.status != "running":
            return
        try:
            self.client.cancel(futures, force=True)
        except Exception:  # the scheduler went away meanwhile: nothing left to cancel
            return

    def close(self) -> None:
        """Nothing to do: the connection is kept for the next document of the batch and
        closed when the process ends (the cluster keeps running)."""


_LOCK = threading.Lock()
_CONNECTIONS: dict[str, Future[_Connection]] = {}
_NOTED: dict[str, set[str | None]] = {}  # voices whose notes were printed, per address


@atexit.register
def _close_clients() -> None:
    with _LOCK:
        futures = list(_CONNECTIONS.values())
        _CONNECTIONS.clear()
    for future in futures:
        if not future.done() or future.exception() is not None:
            continue
        try:
            future.result().client.close(timeout=CONNECT_TIMEOUT_S)
        except Exception:  # closing a client whose scheduler is gone may raise; harmless
            continue


def _batch_results(future: Any, outcome: Any, keys: list[str]) -> BatchResult:
    """A finished batch's results, or its failure as every paragraph's reason; raises
    when the failure means the scheduler is gone (the batch was cancelled under us)."""
    if future.status == "finished":
        results: BatchResult = outcome
        return results
    error = outcome[1] if future.status == "error" else outcome
    if not isinstance(error, BaseException) or _lost_scheduler(error):
        raise _Cancelled

    reason = f"the cluster could not render it ({type(error).__name__})"
    return [(key, reason, 0, []) for key in keys]


class _Cancelled(Exception):
    """A batch cancelled by nobody here: the scheduler let go of it."""


def _lost_scheduler(error: BaseException) -> bool:
    from distributed.comm.core import CommClosedError

    return isinstance(error, CommClosedError | OSError | TimeoutError | _Cancelled) or (
        type(error).__name__ in {"FutureCancelledError", "CancelledError"}
    )


def cluster_address(given: str | None) -> str | None:
    """``--cluster`` when given, else ``READER_CLUSTER`` (empty means local)."""
    return given or os.environ.get(CLUSTER_ENV) or None
