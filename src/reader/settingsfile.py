"""The settings file on disk: read without hanging, locked while changed, set aside whole.

Several readers may run at once, each saving its own document's place. Every change is a
read-modify-write under an exclusive ``flock`` on ``settings.json.lock`` next to the file
(the link target's folder when the file is a symbolic link), so no save is lost between
another's read and write. Reading never blocks: the file is opened non-blocking and must be
a regular file (a FIFO under the name would otherwise hang every start). A file that is too
large, not UTF-8, not JSON or nested too deeply is :class:`Unreadable` and set aside whole.

Names of documents may hold bytes that are not UTF-8 (kept in ``str`` as surrogate
escapes, as ``os.fsdecode`` gives); they are written as JSON ``\\udcXX`` escapes, so the file
stays valid UTF-8 and reads back to the same name.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reader.atomic import NotARegularFile, atomic_file, writable_target

MAX_BYTES = 16 * 1024 * 1024
LOCK_TIMEOUT = 10.0


class Unreadable(ValueError):
    """The file exists but cannot be taken as settings at all; the message says why."""


def read_json(path: Path) -> dict[str, Any] | None:
    """The file's JSON object, or None when there is no file.

    Raises :class:`NotARegularFile` for a FIFO, device or folder (never opened for long
    enough to block), :class:`Unreadable` for bad contents and ``OSError`` otherwise.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(0, "is not a regular file", str(path))
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Unreadable(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    except ValueError as error:  # bad JSON, or a number of more than 4300 digits
        raise Unreadable(f"not valid JSON ({error})") from None
    except RecursionError:
        raise Unreadable("nested too deeply") from None
    if not isinstance(raw, dict):
        raise Unreadable("the file must hold a JSON object")
    return raw


def write_json(path: Path, raw: dict[str, Any]) -> None:
    """Replace the file atomically with ``raw`` (through a symbolic link, keeping its mode)."""
    text = json.dumps(raw, indent=2, ensure_ascii=False) + "\n"
    # Only lone surrogates (undecodable bytes of file names) cannot be encoded; their
    # backslash form is exactly the JSON escape that reads back to the same character.
    data = text.encode("utf-8", "backslashreplace")
    with atomic_file(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of the settings file ``path`` (``OSError`` after
    ``LOCK_TIMEOUT`` seconds: a save must not freeze the reader)."""
    target = writable_target(path)
    lock = target.with_name(f"{target.name}.lock")
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OSError(0, "another reader holds the settings lock") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def set_aside(path: Path, payload: dict[str, Any] | None = None) -> str:
    """Move the file (``payload`` None) or write ``payload`` to ``<name>.corrupt-<time>``
    beside the file's target; return that name."""
    target = writable_target(path)
    aside = target.with_name(f"{target.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    if aside.exists():
        aside = aside.with_name(f"{aside.name}-{os.getpid()}-{time.monotonic_ns() % 10**6}")
    if payload is None:
        target.replace(aside)
    else:
        write_json(aside, payload)
    return aside.name
