"""Writing a file atomically: a temporary file in the same folder, then a rename.

Readers of the final path see either the old file or the whole new one, never half of
it; an exception (Ctrl-C included) removes the temporary file. ``OSError`` propagates so
each caller can say in its own words what could not be written.

Every temporary name made here is hidden and holds :data:`TEMP_MARK` (``.NAME.tmp-...``),
temporary work folders too, so a process killed before it could clean up leaves only names
that :func:`remove_leftovers` recognises; no caller needs to know another's names.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

TEMP_MARK = ".tmp-"
"""What every temporary name holds, after a leading dot and the final name."""


def temporary_name(path: Path) -> Path:
    """A hidden name beside ``path``, unique per process and call, that
    :func:`remove_leftovers` recognises."""
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def _default_permissions() -> int:
    """0666 less the process umask, as ``open()`` would give (mkstemp gives 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_file(
    path: Path,
    *,
    permissions: int | None = None,
    before_replace: Callable[[], None] | None = None,
) -> Iterator[BinaryIO]:
    """Yield a binary handle whose contents replace ``path`` when the block ends cleanly.

    The data is flushed and synced before the rename. ``before_replace`` runs just before
    the rename and may raise to keep the old file (for example when it must not be
    overwritten and appeared meanwhile).
    """
    folder = path.parent if str(path.parent) else Path()
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=folder)
    try:
        os.fchmod(descriptor, _default_permissions() if permissions is None else permissions)
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer that needs a file name (ffmpeg,
    ``wave``); when the block ends cleanly the file there replaces ``path``, otherwise it is
    removed.

    Not synced: the audio written this way is rebuilt from the narration cache if a crash
    loses it, and syncing every paragraph file would slow a render down several times.
    """
    temporary = temporary_name(path)
    try:
        yield temporary
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def temporary_folder(parent: Path) -> Iterator[Path]:
    """A hidden work folder inside ``parent``, removed with its contents afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f".work{TEMP_MARK}", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(folder: Path) -> None:
    """Remove what processes killed mid-write left in ``folder``: files and work folders
    under temporary names. Call it only where no other process is writing (under a lock)."""
    for path in folder.glob(f".*{TEMP_MARK}*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
