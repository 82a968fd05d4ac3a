"""Writing a file atomically: a temporary file in the same folder, then a rename.

Readers of the final path see either the old file or the whole new one, never half of
it; an exception (Ctrl-C included) removes the temporary file. ``OSError`` propagates so
each caller can say in its own words what could not be written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


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
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
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
