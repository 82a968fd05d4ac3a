"""Synthesis in pristine children of templates forked from this process: the pool for
engines that keep process-wide state (eSpeak).

Each of the pool's ``size`` templates is forked from this process once, loads the engine
and the voice with the pool's settings once, and then forks a fresh child per paragraph
*before* the paragraph arrives; the child speaks it, stores it in the cache itself and
answers with its sample count. So every paragraph starts from the same engine state (the
audio depends on the text and the settings alone, whatever ``--jobs`` is and whatever was
spoken before), no interpreter starts and nothing is imported per worker, and the audio
never crosses a pipe: this process only hands out texts and checks the cache entries.

``prestart(settings, count)`` forks the templates as soon as a command knows it will
narrate (before it parses the document); the next pool for the same settings adopts them.

Units: rates in words per minute; samples at the engine's rate.
"""

from __future__ import annotations

import json
import queue
import signal
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from functools import partial

from reader.errors import ReaderError
from reader.narration.engines.pristine import Template
from reader.narration.synthesis import NarrationSettings, engine_request, synthesise_into_cache

Result = tuple[str, int | str]
DEPTH = 2  # jobs per template: one at work, one queued behind it
QUEUED_BYTES = 32_768  # a job queued behind another fits the job pipe's buffer with room

_spares: list[PristinePool] = []
_spares_lock = threading.Lock()


def supports(settings: NarrationSettings) -> bool:
    """True when the engine of ``settings`` speaks in pristine children (it keeps state
    across texts and can be prepared in a template)."""
    try:
        engine, _ = engine_request(settings)
    except ReaderError:
        return False
    return engine.capabilities.own_process and callable(getattr(engine, "prepare_here", None))


def prestart(settings: NarrationSettings, count: int) -> None:
    """Fork ``count`` templates for ``settings`` now; the next pool for them adopts them."""
    pool = PristinePool(settings, count)
    pool.start(count)
    with _spares_lock:
        _spares.append(pool)


def adopt(settings: NarrationSettings, size: int) -> PristinePool:
    """The prestarted pool for ``settings`` (resized to ``size``), or a new one."""
    with _spares_lock:
        for index, pool in enumerate(_spares):
            if pool.settings == settings:
                del _spares[index]
                pool.size = size
                return pool
    return PristinePool(settings, size)


def _prepare(settings: NarrationSettings) -> None:
    """In a template: load the engine and the voice, and what a child needs to store."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the owner's to handle
    import reader.narration.cache  # noqa: F401 (imported once here, not in every child)

    engine, request = engine_request(settings)
    engine.prepare_here(request)  # type: ignore[attr-defined]


def _work(settings: NarrationSettings, job: bytes) -> bytes:
    """In a fresh child: speak one text into the cache; the reply as JSON."""
    request = json.loads(job)
    try:
        samples = synthesise_into_cache(request["text"], settings, request["root"], request["key"])
        reply: dict[str, object] = {"samples": samples}
    except OSError as error:
        reply = {"error": f"cannot write the cache: {error}", "fatal": True}
    except ReaderError as error:
        reply = {"error": str(error)}
    except Exception as error:
        reply = {"error": f"{type(error).__name__}: {error}"}
    return json.dumps(reply).encode()


class PristinePool:
    """``size`` templates for one set of settings, started on first use (or by
    ``prestart``) and ended by ``close``; the same ``run`` as ``WorkerPool``."""

    def __init__(self, settings: NarrationSettings, size: int) -> None:
        self.settings = settings
        self.size = size
        self._templates: list[Template] = []
        self._running = threading.Lock()  # one run at a time

    def _new(self) -> Template:
        return Template(partial(_prepare, self.settings), partial(_work, self.settings))

    def start(self, count: int) -> None:
        """Have ``count`` live templates (replacing any that ended)."""
        self._templates = [t for t in self._templates if t.alive]
        while len(self._templates) < count:
            self._templates.append(self._new())

    def run(
        self, jobs: Sequence[tuple[str, str]], settings: Sequence[object], root: str
    ) -> Iterator[Result]:
        """Synthesise ``(key, text)`` jobs into the cache at ``root``; yields ``(key,
        samples or error)`` as they finish. A cache that cannot be written raises
        ``OSError`` for all. ``settings`` must be this pool's (as ``as_list`` gives)."""
        if list(settings) != self.settings.as_list():
            raise ValueError("a pristine pool speaks with its own settings only")
        with self._running:
            yield from self._run(jobs, root)

    def _run(self, jobs: Sequence[tuple[str, str]], root: str) -> Iterator[Result]:
        self.start(min(self.size, len(jobs)))
        todo: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        for job in jobs:
            todo.put(job)
        done: queue.SimpleQueue[tuple[str, int | str, bool]] = queue.SimpleQueue()
        stop = threading.Event()
        threads = []
        for slot in range(len(self._templates)):
            todo.put(None)
            threads.append(
                threading.Thread(
                    target=self._feed, args=(slot, todo, done, stop, root), daemon=True
                )
            )
        for thread in threads:
            thread.start()
        try:
            for _ in jobs:
                key, outcome, fatal = done.get()
                if fatal:
                    raise OSError(outcome)
                yield key, outcome
        except BaseException:
            # Interrupted: stop at once (children at work see their template's end).
            stop.set()
            for template in self._templates:
                template.abort()
            for thread in threads:
                thread.join()
            self.close()
            raise
        finally:
            stop.set()
            for thread in threads:
                thread.join()

    def _feed(
        self,
        slot: int,
        todo: queue.SimpleQueue[tuple[str, str] | None],
        done: queue.SimpleQueue[tuple[str, int | str, bool]],
        stop: threading.Event,
        root: str,
    ) -> None:
        """Keep template ``slot`` busy until the jobs run out: one job at work and one
        queued behind it, so the next child starts at once instead of waiting for this
        thread (which may wait for the GIL while the caller checks and writes files). A
        template that ended is replaced, so one killed child costs one paragraph."""
        sent: deque[tuple[str, bytes]] = deque()  # submitted, in the order answered
        waiting: tuple[str, bytes] | None = None  # taken from the queue, not submitted yet
        exhausted = False
        while not stop.is_set():
            if waiting is None and not exhausted and len(sent) < DEPTH:
                job = todo.get()
                if job is None:
                    exhausted = True
                else:
                    key, text = job
                    message = json.dumps({"key": key, "text": text, "root": root}).encode()
                    waiting = (key, message)
            # A long text is not queued behind another: it waits for the one at work.
            if waiting is not None and (not sent or len(waiting[1]) <= QUEUED_BYTES):
                self._submit(slot, *waiting, sent, done)
                waiting = None
            elif sent:
                self._answer(slot, sent, done)
            elif exhausted and waiting is None:
                return

    def _submit(
        self,
        slot: int,
        key: str,
        message: bytes,
        sent: deque[tuple[str, bytes]],
        done: queue.SimpleQueue[tuple[str, int | str, bool]],
    ) -> None:
        template = self._templates[slot]
        if not template.alive:
            template = self._templates[slot] = self._new()
        try:
            template.submit(message)
        except ReaderError as error:
            done.put((key, str(error), False))
            return
        sent.append((key, message))

    def _answer(
        self,
        slot: int,
        sent: deque[tuple[str, bytes]],
        done: queue.SimpleQueue[tuple[str, int | str, bool]],
    ) -> None:
        """Take the result of the oldest job sent."""
        template = self._templates[slot]
        key, _ = sent[0]
        try:
            reply = json.loads(template.result())
        except ReaderError as error:
            sent.popleft()
            done.put((key, str(error), False))
            if not template.alive:  # the job queued behind this one goes to a new one
                for queued_key, queued in [sent.popleft() for _ in range(len(sent))]:
                    self._submit(slot, queued_key, queued, sent, done)
            return
        sent.popleft()
        if "samples" in reply:
            done.put((key, int(reply["samples"]), False))
        else:
            done.put((key, str(reply["error"]), bool(reply.get("fatal"))))

    def close(self) -> None:
        """End the templates (and their waiting children)."""
        for template in self._templates:
            template.close()
        self._templates = []
