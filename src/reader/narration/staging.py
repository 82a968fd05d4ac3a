"""Writing a render's outputs as one set: everything is built in a hidden staging folder
inside the output folder, checked, and only then moved into place.

A failure while building (a full disk, ffmpeg failing, Ctrl-C, an exception, ``kill -9``)
leaves the output folder exactly as it was: the staging folder is removed on the way out
(or, after ``kill -9``, by the next render's ``remove_leftovers``, since its name carries
``reader.atomic.TEMP_MARK``). The commit is renames only, on one filesystem, with Ctrl-C,
SIGTERM and SIGHUP held back until it is over: the earlier render's manifest is removed
first, the new files renamed over the old, files of the earlier render that the new one
does not produce removed, and the new manifest written last. So a folder either holds
one complete render described by its manifest, or (only if the machine stops during those
renames) no manifest, which makes the next render redo the lot.

Units: none (file names).
"""

from __future__ import annotations

import contextlib
import signal
import stat
import tempfile
import threading
import wave
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from reader.atomic import TEMP_MARK, writable_target
from reader.narration.manifest import MANIFEST_NAME, Manifest

_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CHUNK_FRAMES = 1 << 16


@contextlib.contextmanager
def staging_folder(folder: Path) -> Iterator[Path]:
    """A hidden folder inside ``folder`` (same filesystem, so moving out of it is a
    rename), removed with whatever is left in it when the block ends."""
    import shutil

    stage = Path(tempfile.mkdtemp(prefix=f".stage{TEMP_MARK}", dir=folder))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block ends, then deliver the first one
    that came (only the main thread can change handlers; elsewhere this does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def hold(number: int, _frame: FrameType | None) -> None:
        arrived.append(number)

    previous: dict[signal.Signals, Any] = {}
    for number in _HELD_SIGNALS:
        previous[number] = signal.signal(number, hold)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if arrived:
            signal.raise_signal(arrived[0])


def write_padded_wav(source: Path, pause: int, out: Path) -> None:
    """``out``: the WAV ``source`` followed by ``pause`` samples of silence (same rate and
    format), streamed block by block."""
    with wave.open(str(source), "rb") as reader, wave.open(str(out), "wb") as writer:
        writer.setparams(reader.getparams())
        while frames := reader.readframes(CHUNK_FRAMES):
            writer.writeframes(frames)
        silence = b"\0" * reader.getsampwidth() * reader.getnchannels()
        for start in range(0, pause, CHUNK_FRAMES):
            writer.writeframes(silence * min(CHUNK_FRAMES, pause - start))


def commit(
    stage: Path,
    folder: Path,
    names: Iterable[str],
    old: Manifest,
    write_manifest: Callable[[], None],
) -> list[str]:
    """Move every file of ``names`` that ``stage`` holds into ``folder``, remove the files
    ``old`` lists that ``names`` does not (an earlier render's, now stale), and call
    ``write_manifest``. Returns the names removed, in order."""
    wanted = list(dict.fromkeys(names))
    keep = set(wanted)
    with signals_held():
        with contextlib.suppress(OSError):
            (folder / MANIFEST_NAME).unlink()
        for name in wanted:
            staged = stage / name
            if staged.is_file():
                # Through a symbolic link to a regular file, as reader.atomic writes; never
                # over a device or a folder (writable_target raises).
                staged.replace(writable_target(folder / name))
        removed = []
        for name in old.files:
            if name in keep or "/" in name or name == MANIFEST_NAME:
                continue
            path = folder / name
            with contextlib.suppress(OSError):
                if stat.S_ISREG(path.lstat().st_mode):
                    path.unlink()
                    removed.append(name)
        write_manifest()
    return removed
