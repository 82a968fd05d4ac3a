"""Giving large freed buffers back to the system at once (glibc only; elsewhere nothing).

glibc serves an allocation of 128 KiB or more from its own mapping, and frees it to the
system; but each time such a block is freed it raises that threshold (up to 32 MiB), so
later paragraph-sized numpy arrays come from the heap, whose freed space it keeps. A long
render then holds several hundred MB it no longer uses (measured: 267 MB against 193 MB
with the threshold fixed, for a 51-minute document's mastering). Fixing the threshold
turns the rising off.

Units: bytes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
THRESHOLD = 256 * 1024


@functools.cache
def return_large_blocks() -> bool:
    """Fix glibc's mapping threshold at ``THRESHOLD`` for this process; whether it took."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):
        return False
