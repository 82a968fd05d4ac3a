"""The narration renderer the terminal reader uses: the project's ``ParagraphRenderer``,
one worker at a time, with a worker started ahead for a voice slow to load (Piper), and
that worker's thread count.

No Textual here (the reader's screens call it; so do the tests and the benchmarks).
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path
from typing import Any

from reader.errors import ReaderError
from reader.narration.engines import engine_for, split_voice
from reader.settings import SettingsStore, document_key
from reader.tui.narrator import ParagraphRendererLike, RendererFactory

# The Piper engine's thread count (reader.narration.engines.piper.THREADS_ENV; named here
# so that the reader does not import the engine module to learn it).
PIPER_THREADS_ENV = "READER_PIPER_THREADS"

# Engines whose voices take long to load (Piper: about a second for its model): a worker
# for the voice is started, and the voice loaded in it, as soon as the reader opens or
# the voice is chosen, so that space does not wait for it.
SLOW_TO_LOAD = frozenset({"piper"})


class DefaultFactory:
    """Makes the project's narration renderer (its cache in ``cache_dir``, default the
    user's cache folder) and starts a worker ahead for a voice slow to load."""

    def __init__(self, module: Any, cache_dir: Path | None) -> None:
        self._module = module
        self._cache_dir = cache_dir
        self._prepared: set[str | None] = set()
        self._lock = threading.Lock()
        self.piper_threads = choose_piper_threads()

    def __call__(self, voice: str | None, rate: int) -> ParagraphRendererLike:
        # Pitch and volume are the engine-neutral defaults; the voice names its engine.
        settings = self._module.NarrationSettings(voice=voice, rate_wpm=rate)
        made: ParagraphRendererLike = self._module.ParagraphRenderer(
            settings, cache_dir=self._cache_dir, jobs=1
        )
        enter = getattr(made, "__enter__", None)
        if callable(enter):
            made = enter()
        return made

    def prepare(self, voice: str | None) -> bool:
        """Whether ``voice`` is slow to load; if so, have a worker loading it (once per
        voice; the renderer's pool adopts it; one started ahead by :func:`start_ahead`
        counts)."""
        if not slow_to_load(voice):
            return False
        from reader.narration.worker import prestart

        with self._lock:  # one at a time with release: a worker is never left behind
            if voice not in self._prepared:
                self._prepared.add(voice)
                prestart(voice, 1)
        return True

    def release(self, voice: str | None) -> None:
        """End the worker started ahead for ``voice`` if no renderer took it (a voice
        looked at in the chooser and not chosen); a later :meth:`prepare` starts anew."""
        from reader.narration.worker import release

        with self._lock:
            if voice in self._prepared:
                self._prepared.discard(voice)
                release(voice)


def slow_to_load(voice: str | None) -> bool:
    """Whether ``voice`` is one of an installed engine that is slow to load (Piper)."""
    try:
        engine = split_voice(voice)[0]
    except ReaderError:
        return False
    if engine not in SLOW_TO_LOAD:
        return False
    try:
        engine_for(voice)  # installed here? (the reason shows when space is pressed)
    except ReaderError:
        return False
    return True


def start_ahead(path: Path, store: SettingsStore, voice: str | None = None) -> None:
    """What ``reader open`` does first, before it parses the document and imports the
    UI (some 0.4 s): if the voice ``path`` will be read with (``voice``, from ``--voice``;
    else the one remembered for it, else the one new documents take) is slow to load,
    start its worker now, so the model loads while the reader starts rather than after
    its first paint (the worker is adopted later: see :meth:`DefaultFactory.prepare`).
    The settings are only peeked at here."""
    if voice is None:
        voice = store.peek().state_for(document_key(str(path))).voice
    if not slow_to_load(voice):
        return
    choose_piper_threads()
    from reader.narration.worker import prestart

    prestart(voice, 1)


def choose_piper_threads() -> str:
    """The onnxruntime thread count for the Piper workers this process starts, put in
    the environment they inherit (unless the user chose one): see :func:`worker_threads`."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    os.environ.setdefault(PIPER_THREADS_ENV, str(worker_threads(os.cpu_count() or 1, load)))
    return os.environ[PIPER_THREADS_ENV]


def default_factory(cache_dir: Path | None = None) -> RendererFactory | None:
    """The project's narration renderer (its cache in ``cache_dir``, default the user's
    cache folder), or None while it is not part of this build."""
    try:
        # Imported by name: the renderer lives on another branch until it is merged.
        module = importlib.import_module("reader.narration.renderer")
    except ImportError:
        return None
    return DefaultFactory(module, cache_dir)


def worker_threads(cpus: int, load: float) -> int:
    """onnxruntime threads for the reader's lone Piper worker (it speaks with one worker,
    jobs=1): two while a core is spare (``load``, the load average, below ``cpus`` less
    half a core), else one. Measured on two cores for a 6-word first piece: idle, 111 ms
    with two threads against 188 ms with one; with both cores busy, 315 ms against 246 ms
    (the second thread waits for a core)."""
    if cpus < 2 or load > cpus - 0.5:
        return 1
    return 2
