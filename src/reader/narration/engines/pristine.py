"""Running a piece of work in a forked child, so it starts from the parent's state and
leaves nothing behind.

Why: eSpeak NG keeps synthesis state in static C variables that no API resets (the pitch
flutter index and the glottal cycle counter in ``wavegen.c``; ``espeak_Initialize`` again
does not reset them and ``espeak_Terminate`` hangs in synchronous mode). So the same text
spoken twice in one process gives different audio (a few samples longer, every sample
shifted), and a render depended on which paragraphs a worker happened to speak before.
A child forked from a process that initialised eSpeak but never spoke always starts from
the same state: its audio depends on its arguments only.

The child runs only the work given, writes the bytes it returns to a pipe and ends with
``os._exit`` (no Python clean-up, no atexit handlers, nothing flushed twice). Linux/POSIX
only, like the rest of the narration stack.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable

from reader.errors import EXIT_FAILURE, ReaderError

_OK = b"K"
_FAILED = b"E"


def run_pristine(work: Callable[[], bytes]) -> bytes:
    """``work()`` in a forked child; its bytes, or ``ReaderError`` with its failure."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read_end)
            try:
                payload = _OK + work()
            except ReaderError as error:
                payload = _FAILED + str(error).encode("utf-8", "replace")
            except BaseException as error:
                detail = "".join(traceback.format_exception_only(error)).strip()
                payload = _FAILED + detail.encode("utf-8", "replace")
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    try:
        while chunk := os.read(read_end, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, code = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data or code != 0:
        raise ReaderError(f"the synthesis process ended abnormally (status {code})", EXIT_FAILURE)
    if data[:1] == _FAILED:
        raise ReaderError(data[1:].decode("utf-8", "replace"), EXIT_FAILURE)
    return data[1:]
