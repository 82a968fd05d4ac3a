"""Running work in forked children, so each run starts from the same state and leaves
nothing behind.

Why: eSpeak NG keeps synthesis state in static C variables that no API resets (the pitch
flutter index and the glottal cycle counter in ``wavegen.c``; ``espeak_Initialize`` again
does not reset them and ``espeak_Terminate`` hangs in synchronous mode), and choosing a
voice again and again changes later audio too (measured: the speech's last paragraph comes
out 82,985 samples long after one voice selection, 82,839 after 40 and 82,990 after 59). So
the same text spoken twice in one process gives different audio, and a render would depend
on which paragraphs a worker happened to speak before.

Two ways, both Linux/POSIX only, like the rest of the narration stack:

- :class:`Template`: a process forked once, prepared once (an engine loads a voice with its
  settings), that then forks one child per job *ahead of time*: the next child already
  waits for its job while the current one works, so a job never waits for a fork. Every
  child starts from the prepared state and runs one job only, so its output depends on its
  job alone, whatever ran before and however many jobs the template served.
- :func:`run_pristine`: one piece of work in one forked child (for one-off checks).

Children end with ``os._exit`` (no Python clean-up, no atexit handlers, nothing flushed
twice) and do not walk the garbage collector over their parent's objects.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import select
import signal
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from reader.errors import EXIT_FAILURE, ReaderError

_OK = b"K"
_FAILED = b"E"
_NO_MORE_JOBS = 3  # a child's exit status: its template's input closed
_RESULT_PIPE_BYTES = 1 << 20  # room for a paragraph's audio in one write

# Parent-side ends of every live template's pipes, closed in each new fork so that no
# other process keeps a template's job pipe open (its children would never see its end).
_parent_ends: set[int] = set()
_parent_ends_lock = threading.Lock()
_live: set[Template] = set()  # every template of this process not closed yet
# In a template's child: its job pipe, for ``abandoned``; in a run_pristine child: the pid
# of the process that waits.
_watched_fd = -1
_waiting_parent = 0


def abandoned() -> bool:
    """In a forked child: True once nobody waits for its result any more (the template's
    owner closed the job pipe, or the waiting process ended). False elsewhere."""
    if _watched_fd >= 0:
        poller = select.poll()
        poller.register(_watched_fd, select.POLLHUP)
        return bool(poller.poll(0))
    return bool(_waiting_parent) and os.getppid() != _waiting_parent


def _failure(error: BaseException) -> bytes:
    """A failure as the bytes a child sends: the exit code and one line."""
    if isinstance(error, ReaderError):
        code, text = error.exit_code, str(error)
    else:
        code, text = EXIT_FAILURE, "".join(traceback.format_exception_only(error)).strip()
    return _FAILED + bytes([code & 0xFF]) + text.encode("utf-8", "replace")


def _raise_failure(data: bytes) -> None:
    raise ReaderError(data[2:].decode("utf-8", "replace"), data[1] if len(data) > 1 else 1)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, size: int) -> bytearray | None:
    """``size`` bytes from ``fd``; None at the end of input before the first byte."""
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        count = os.readv(fd, [view[got:]])
        if count == 0:
            if got == 0:
                return None
            raise EOFError("the pipe closed in the middle of a message")
        got += count
    return buffer


def _forget_other_templates(keep: tuple[int, ...] = ()) -> None:
    """In a new fork: close the parent-side ends of every other template."""
    for fd in list(_parent_ends):
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)
    _parent_ends.clear()
    _live.clear()  # the owner's templates are not this process's to end


def run_pristine(work: Callable[[], bytes]) -> bytes:
    """``work()`` in a forked child; its bytes, or ``ReaderError`` with its failure (and
    its exit code)."""
    global _waiting_parent  # noqa: PLW0603 (only ever set in the child)
    read_end, write_end = os.pipe()
    parent = os.getpid()
    with _parent_ends_lock:
        pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            gc.disable()
            os.close(read_end)
            _forget_other_templates()
            _waiting_parent = parent
            try:
                payload = _OK + work()
            except BaseException as error:
                payload = _failure(error)
            _write_all(write_end, payload)
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
        _raise_failure(data)
    return data[1:]


class Template:
    """A prepared process that runs each job in a fresh child of itself.

    ``prepare()`` runs once in the template (its failure is raised by the first ``run``);
    ``work(job)`` runs in a child per job and returns the result's bytes. Not thread-safe:
    the owner runs one job at a time (an engine holds its lock).
    """

    def __init__(self, prepare: Callable[[], None], work: Callable[[bytes], bytes]) -> None:
        job_read, self._jobs = os.pipe()
        self._results, result_write = os.pipe()
        self._status, status_write = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # fewer wake-ups, when allowed
            import fcntl

            fcntl.fcntl(result_write, fcntl.F_SETPIPE_SZ, _RESULT_PIPE_BYTES)
        with _parent_ends_lock:
            self.pid = os.fork()
            if self.pid == 0:  # the template: never returns
                status = 1
                try:
                    for fd in (self._jobs, self._results, self._status):
                        os.close(fd)
                    _forget_other_templates()
                    status = _serve(prepare, work, job_read, result_write, status_write)
                finally:
                    os._exit(status)
            _parent_ends.update((self._jobs, self._results, self._status))
            _live.add(self)
        for fd in (job_read, result_write, status_write):
            os.close(fd)
        self.alive = True

    def run(self, job: bytes) -> bytes:
        """The bytes ``work(job)`` returned in a fresh child; ``ReaderError`` with its
        failure (or with the template's, when ``prepare`` failed)."""
        self.submit(job)
        return self.result()

    def submit(self, job: bytes) -> None:
        """Queue ``job``: the next child takes it as soon as the one before has ended,
        without waiting for this process (``result`` gives the results in order). Queue
        one job ahead at most, and only small ones (results share no pipe space)."""
        self._guarded(self._submit, job)

    def result(self) -> bytes:
        """The result of the oldest job submitted and not yet answered."""
        data: bytes = self._guarded(self._result)
        return data

    def _guarded(self, action: Callable[..., Any], *args: Any) -> Any:
        if not self.alive:
            raise ReaderError("the synthesis process has ended", EXIT_FAILURE)
        try:
            return action(*args)
        except OSError as error:  # aborted, or a pipe broke: the template is done for
            self.close()
            raise ReaderError(f"the synthesis process ended ({error})", EXIT_FAILURE) from None

    def _submit(self, job: bytes) -> None:
        try:
            _write_all(self._jobs, len(job).to_bytes(8, "little") + job)
        except BrokenPipeError:
            self._failed()

    def _result(self) -> bytes:
        poller = select.poll()
        poller.register(self._results, select.POLLIN)
        poller.register(self._status, select.POLLIN)
        while True:
            ready = {fd for fd, _ in poller.poll()}
            if self._results in ready:
                header = _read_exact(self._results, 8)
                data = None if header is None else _read_exact(self._results, _size(header))
                if data is None:
                    self._failed()
                assert data is not None
                if data[:1] == _FAILED:
                    _raise_failure(bytes(data))
                return bytes(memoryview(data)[1:])
            if self._status in ready:
                self._failed()

    def _failed(self) -> None:
        """The child or the template failed: raise its reason; the template is closed."""
        message = b""
        with contextlib.suppress(OSError):
            message = os.read(self._status, 1 << 16)
        self.close()
        if message[:1] == _FAILED:
            _raise_failure(message)
        raise ReaderError("the synthesis process ended abnormally", EXIT_FAILURE)

    def abort(self) -> None:
        """Stop from any thread: the child at work stops at its next ``abandoned`` check
        and its ``run`` ends with a failure; no new job starts. ``close`` still follows."""
        with _parent_ends_lock:
            if self._jobs in _parent_ends:
                _parent_ends.discard(self._jobs)
                with contextlib.suppress(OSError):
                    os.close(self._jobs)

    def close(self) -> None:
        """End the template and its waiting child (a child at work stops at its next
        ``abandoned`` check). Not while another thread is in ``run``: ``abort`` first."""
        if not self.alive:
            return
        self.alive = False
        self.abort()
        _live.discard(self)
        with _parent_ends_lock:
            for fd in (self._results, self._status):
                _parent_ends.discard(fd)
                with contextlib.suppress(OSError):
                    os.close(fd)
        # Its waiting child reads the end of the job pipe and ends, and so does the
        # template; reaped on a thread, so closing costs the owner nothing.
        threading.Thread(target=_reap, args=(self.pid,), daemon=True).start()


@atexit.register
def _end_all() -> None:
    """Templates never outlive their owner: each is ended and reaped here (a child at
    work stops at its next check, a waiting one at the end of its job pipe)."""
    ending = list(_live)
    for template in ending:
        template.close()
        with contextlib.suppress(OSError):
            os.kill(template.pid, signal.SIGKILL)
    for template in ending:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(template.pid, 0)


def _reap(pid: int) -> None:
    """Wait for an ended template (killing it if it lingers)."""
    for _ in range(500):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                time.sleep(0.01)
                continue
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _size(header: bytearray) -> int:
    return int.from_bytes(header, "little")


def _serve(
    prepare: Callable[[], None],
    work: Callable[[bytes], bytes],
    job_read: int,
    result_write: int,
    status_write: int,
) -> int:
    """The template's life: prepare, then one child per job until the job pipe closes."""
    # Nothing an engine or a library prints (libffi does, when it cannot map memory) may
    # reach the owner's terminal, screen or output.
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    try:
        prepare()
    except BaseException as error:
        _write_all(status_write, _failure(error))
        return 0
    gc.freeze()  # the children never walk (and so never copy) the objects made so far
    while True:
        pid = os.fork()
        if pid == 0:
            _child(work, job_read, result_write)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code == _NO_MORE_JOBS:
            return 0
        if code != 0:
            reason = f"the synthesis process ended abnormally (status {code})"
            _write_all(status_write, _FAILED + bytes([EXIT_FAILURE]) + reason.encode())


def _child(work: Callable[[bytes], bytes], job_read: int, result_write: int) -> None:
    """One job in a fresh child of the template: never returns."""
    global _watched_fd  # noqa: PLW0603 (only ever set in the child)
    status = 1
    try:
        gc.disable()
        header = _read_exact(job_read, 8)
        if header is None:
            status = _NO_MORE_JOBS
        else:
            job = _read_exact(job_read, _size(header))
            _watched_fd = job_read
            try:
                payload = _OK + work(bytes(job or b""))
            except BaseException as error:
                payload = _failure(error)
            _write_all(result_write, len(payload).to_bytes(8, "little") + payload)
            status = 0
    finally:
        os._exit(status)
