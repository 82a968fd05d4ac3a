"""Reading an input file into a :class:`~reader.formats.base.Source`: bytes, size-checked.

Only regular files are read. A FIFO, a device or a socket is refused in one line before it
is opened (opening a FIFO for reading blocks until a writer comes, so every command used to
hang on one); the file is then opened without blocking and checked again on the open
descriptor, so a path swapped for a FIFO in between cannot hang the reader either.
How the bytes are decoded is up to the format (text, or a zip-based book).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from reader.decode import MAX_BYTES_ENV, max_bytes_from_env
from reader.errors import ReaderError
from reader.formats.base import Source

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(name: str, mode: int) -> ReaderError:
    kind = next((label for test, label in _KINDS if test(mode)), "not a regular file")
    return ReaderError(f"{name}: is {kind}, not a file; give the path of a saved file")


def _too_big(name: str, size: int, limit: int) -> ReaderError:
    return ReaderError(
        f"{name}: {size / 1048576:.1f} MB is above the {limit / 1048576:.0f} MB limit; "
        f"raise it with --max-mb or {MAX_BYTES_ENV}"
    )


def _os_error(name: str, error: OSError) -> ReaderError:
    if isinstance(error, FileNotFoundError):
        return ReaderError(f"{name}: no such file; check the path")
    if isinstance(error, PermissionError):
        return ReaderError(f"{name}: permission denied; check the file's permissions")
    if isinstance(error, IsADirectoryError):
        return ReaderError(f"{name}: is a folder; give the path of a file")
    return ReaderError(f"{name}: cannot be read ({error.strerror or error})")


def read_source(path: str | os.PathLike[str], max_bytes: int | None = None) -> Source:
    """The bytes of the regular file at ``path``, at most ``max_bytes`` of them (the
    ``READER_MAX_MB`` limit when None); refuses anything else with one line."""
    file = Path(path)
    name = str(file)
    limit = max_bytes_from_env() if max_bytes is None else max_bytes
    try:
        mode = file.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ReaderError(f"{name}: is a folder; give the path of a file")
        if not stat.S_ISREG(mode):
            raise _not_regular(name, mode)
        descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _os_error(name, error) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(name, info.st_mode)
        if info.st_size > limit:
            raise _too_big(name, info.st_size, limit)
        # Regular files ignore O_NONBLOCK; read to the end (a file may grow while read).
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise _os_error(name, error) from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise _too_big(name, len(data), limit)
    return Source(file, data)
