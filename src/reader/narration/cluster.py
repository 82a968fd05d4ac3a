"""Paragraph synthesis on a Dask distributed cluster (``reader render --cluster ADDRESS``).

The scheduler and workers are the ones people start themselves (``dask scheduler``,
``dask worker ADDRESS``); every worker needs the ``reader`` package and the voice. The
client sends batches of paragraph texts (about :data:`BATCH_CHARACTERS` characters each, so
a task is seconds of work, not milliseconds of overhead) and keeps at most two batches per
worker thread in flight, so its memory stays bounded however long the document. Each
result (audio plus word marks) comes back to the client, which stores it in its own cache
at once: the renderer then reads it from there exactly as after a local synthesis, and a
later local run is warm.

Faults: Dask reruns the tasks of a worker that dies on another worker (a task that kills
three workers fails with the scheduler's ``KilledWorker``, reported per paragraph); an
unreachable scheduler at start is one line and exit code 2; losing it mid-batch keeps what
finished in the cache and says to run the same command again; Ctrl-C cancels the tasks.

Units: audio as mono 16-bit PCM bytes; marks as sample indices and code-point offsets (see
:mod:`reader.narration.engines.port`).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from reader.errors import EXIT_BAD_INPUT, EXIT_FAILURE, ReaderError
from reader.sanitize import for_terminal

CLUSTER_ENV = "READER_CLUSTER"
BATCH_ENV = "READER_CLUSTER_BATCH"  # characters a task carries (tuning, and the tests)
BATCH_CHARACTERS = 4000
CONNECT_TIMEOUT_S = 10
# What comes back from a worker for one paragraph: key, PCM or the reason it has none,
# sample rate, marks as [kind, char_start, char_length, sample].
BatchResult = list[tuple[str, bytes | str, int, list[list[Any]]]]
Result = tuple[str, int | str]


def render_batch(items: Sequence[tuple[str, str]], settings: Sequence[object]) -> BatchResult:
    """On a worker: speak every ``(key, text)`` with ``settings`` (the worker protocol's
    list); a paragraph that fails carries its reason instead of audio."""
    from reader.narration.synthesis import NarrationSettings, speak

    spoken = NarrationSettings(*settings)  # type: ignore[arg-type]
    results: BatchResult = []
    for key, text in items:
        try:
            result = speak(text, spoken)
        except Exception as error:  # one paragraph's failure is reported, not fatal
            reason = str(error) if isinstance(error, ReaderError) else repr(error)
            results.append((key, reason, 0, []))
            continue
        marks = [[m.kind, m.char_start, m.char_length, m.sample] for m in result.marks]
        results.append((key, result.pcm, result.sample_rate, marks))
    return results


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


def batches(jobs: Sequence[tuple[str, str]], size: int = BATCH_CHARACTERS) -> list[list[Any]]:
    """``jobs`` in order, cut into batches of about ``size`` characters (at least one job
    each)."""
    result: list[list[Any]] = []
    current: list[Any] = []
    length = 0
    for job in jobs:
        if current and length + len(job[1]) > size:
            result.append(current)
            current, length = [], 0
        current.append(job)
        length += len(job[1])
    if current:
        result.append(current)
    return result


class ClusterPool:
    """The renderer's pool when ``--cluster`` is given: same ``run``/``close`` as
    :class:`reader.narration.worker.WorkerPool`."""

    def __init__(self, address: str, voice: str | None) -> None:
        # The client's own log lines (reconnecting, lost workers) would print over the
        # progress display; what matters reaches the user as our own lines.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        try:
            from distributed import Client
        except ImportError:
            raise ReaderError(
                "--cluster needs Dask distributed: pip install 'distributed'", EXIT_FAILURE
            ) from None
        self.address = address
        # One connection and one voice check per process: a batch renders many documents,
        # each with its own renderer, and connecting costs more than a small document.
        self.client: Any = _CLIENTS.get(address)
        if self.client is None or self.client.status != "running":
            try:
                self.client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as error:
                raise ReaderError(
                    f"cannot reach the Dask scheduler at {for_terminal(address)} ({error}); "
                    "check the address and that `dask scheduler` is running",
                    EXIT_BAD_INPUT,
                ) from None
            if not _CLIENTS:
                atexit.register(_close_clients)
            _CLIENTS[address] = self.client
            _ABLE.pop(address, None)
        checked = _ABLE.setdefault(address, {})
        if voice not in checked:
            checked[voice] = self._workers_with(voice)
        # None: every worker can speak it, so the scheduler may use any (and new ones).
        self.workers = checked[voice]

    def _workers_with(self, voice: str | None) -> list[str] | None:
        """The workers that can speak ``voice``; one line for each that cannot."""
        answers: dict[str, str | None] = self.client.run(can_speak, voice)
        able = [worker for worker, problem in answers.items() if problem is None]
        for worker, problem in sorted(answers.items()):
            if problem is not None:
                print(
                    f"reader: note: worker {for_terminal(worker)} cannot narrate with "
                    f"{for_terminal(voice or 'the default voice')}: {for_terminal(problem)}",
                    file=sys.stderr,
                )
        if not answers:
            raise ReaderError(
                f"the Dask scheduler at {for_terminal(self.address)} has no workers; "
                "start some with `dask worker ADDRESS`",
                EXIT_FAILURE,
            )
        if len(able) == len(answers):
            return None
        if not able:
            raise ReaderError(
                f"no worker of the cluster at {for_terminal(self.address)} can narrate with "
                f"{for_terminal(voice or 'the default voice')}",
                EXIT_FAILURE,
            )
        return able

    def run(
        self, jobs: Sequence[tuple[str, str]], settings: Sequence[object], root: str
    ) -> Iterator[Result]:
        """Synthesise every ``(key, text)`` on the cluster into the cache under ``root``;
        yield ``(key, samples or reason)`` as results arrive."""
        from distributed import as_completed

        from reader.narration.cache import NarrationCache
        from reader.narration.engines.port import WordMark

        cache = NarrationCache(Path(root))
        size = os.environ.get(BATCH_ENV, "")
        pending = batches(jobs, int(size) if size.isdigit() and int(size) > 0 else BATCH_CHARACTERS)
        pending.reverse()  # pop() takes them in document order
        threads = sum(
            info.get("nthreads", 1)
            for worker, info in self.client.scheduler_info()["workers"].items()
            if self.workers is None or worker in self.workers
        )
        window = max(2, 2 * threads)
        keys_of: dict[Any, list[str]] = {}
        running = as_completed(loop=self.client.loop, with_results=False)

        def submit() -> None:
            batch = pending.pop()
            future = self.client.submit(
                render_batch, batch, list(settings), pure=False, workers=self.workers
            )
            keys_of[future] = [key for key, _ in batch]
            running.add(future)

        try:
            for _ in range(min(window, len(pending))):
                submit()
            for future in running:
                keys = keys_of.pop(future)
                try:
                    results: BatchResult = future.result()
                except Exception as error:
                    if _lost_scheduler(error):
                        raise
                    reason = f"the cluster could not render it ({type(error).__name__})"
                    yield from ((key, reason) for key in keys)
                else:
                    for key, audio, rate, marks in results:
                        if isinstance(audio, str):
                            yield key, audio
                            continue
                        cache.store(key, audio, rate, tuple(WordMark(*m) for m in marks))
                        yield key, len(audio) // 2
                if pending:
                    submit()
        except BaseException as error:
            self.client.cancel(list(keys_of))
            if isinstance(error, Exception) and _lost_scheduler(error):
                raise ReaderError(
                    f"lost the Dask scheduler at {for_terminal(self.address)}; what finished "
                    "is in the cache: run the same command again to resume",
                    EXIT_FAILURE,
                ) from None
            raise

    def close(self) -> None:
        """Nothing to do: the connection is kept for the next document of the batch and
        closed when the process ends (the cluster keeps running)."""


_CLIENTS: dict[str, Any] = {}
_ABLE: dict[str, dict[str | None, list[str] | None]] = {}


def _close_clients() -> None:
    for client in _CLIENTS.values():
        try:
            client.close(timeout=CONNECT_TIMEOUT_S)
        except Exception:  # closing a client whose scheduler is gone may raise; harmless
            continue
    _CLIENTS.clear()


def _lost_scheduler(error: BaseException) -> bool:
    from distributed.comm.core import CommClosedError

    return isinstance(error, CommClosedError | OSError | TimeoutError) or (
        type(error).__name__ in {"FutureCancelledError", "CancelledError"}
    )


def cluster_address(given: str | None) -> str | None:
    """``--cluster`` when given, else ``READER_CLUSTER`` (empty means local)."""
    return given or os.environ.get(CLUSTER_ENV) or None
