"""The mechanics of running ffmpeg and ffprobe: the only module that starts them.

Locating the tools (a missing one is a one-line ``ReaderError`` naming the Debian package),
running a process quietly with a one-line report of its failure (the last line of stderr,
never a traceback), feeding one through a pipe, and ffprobe's JSON. Encoder settings live
in :mod:`reader.audio.formats`.

Every process runs under a deadline in proportion to its work (:func:`deadline`); one
that outlives it is killed and becomes one ``ReaderError``, so a hung encoder never hangs
a render or the reader.

Units: deadlines and audio lengths in seconds; ffprobe's JSON carries seconds as decimal
strings.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from reader.errors import EXIT_FAILURE, ReaderError

INSTALL = "install the Debian package ffmpeg (apt install ffmpeg)"
QUIET = ("-nostdin", "-hide_banner", "-loglevel", "error")
"""ffmpeg options before every command: no keyboard, no banner, errors only."""
START_SECONDS = 30.0
"""What any run may take before its work counts: start-up on a loaded machine."""
MIN_SPEED = 10.0
"""The slowest encoding accepted, in seconds of audio per second: ffmpeg encodes this
speech at about 300x real time on one core here, so 10x leaves room for a machine shared
by many jobs."""
PROBE_SECONDS = START_SECONDS
"""ffprobe reads headers only: its deadline does not grow with the file."""


def deadline(audio_seconds: float) -> float:
    """The seconds ffmpeg may take to process ``audio_seconds`` of audio."""
    return START_SECONDS + max(0.0, audio_seconds) / MIN_SPEED


def timed_out(name: str, what: str, seconds: float) -> ReaderError:
    """The one-line error for a process stopped at its deadline."""
    shown = f"{seconds:.0f}" if seconds >= 1 else f"{seconds:g}"
    return ReaderError(
        f"{name} took more than {shown} s over {what} and was stopped; "
        "the machine may be overloaded: try again",
        EXIT_FAILURE,
    )


def missing(name: str, what: str, hint: str = "") -> ReaderError:
    """The one-line error for an absent ``name``, needed for ``what``; ``hint`` is
    appended (e.g. ", or ask for --format wav")."""
    return ReaderError(f"{name} not found; it is needed for {what}: {INSTALL}{hint}", EXIT_FAILURE)


def tool(name: str, what: str, hint: str = "") -> str:
    """The path of ``name`` ("ffmpeg" or "ffprobe"), or the one-line error of :func:`missing`."""
    found = shutil.which(name)
    if found is None:
        raise missing(name, what, hint)
    return found


def require(what: str, hint: str = "") -> None:
    """Refuse early, in one line, when ffmpeg or ffprobe is absent."""
    for name in ("ffmpeg", "ffprobe"):
        tool(name, what, hint)


def last_line(stderr: bytes, default: str = "no message") -> str:
    """The last line of a tool's stderr: the one that says why it failed."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else default


def _command(name: str, arguments: list[str], what: str, hint: str) -> list[str]:
    return [tool(name, what, hint), *(QUIET if name == "ffmpeg" else ()), *arguments]


def run(
    name: str,
    arguments: list[str],
    what: str,
    *,
    timeout: float,
    hint: str = "",
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``name`` with ``arguments`` (ffmpeg gets :data:`QUIET` first), capturing its
    output, for at most ``timeout`` seconds. The exit status is the caller's to judge:
    each names its own failure."""
    command = _command(name, arguments, what, hint)
    try:
        # On expiry subprocess.run kills the process and reaps it before raising.
        return subprocess.run(
            command, input=stdin, capture_output=True, check=False, timeout=timeout
        )
    except FileNotFoundError:  # removed between the look-up and the start
        raise missing(name, what, hint) from None
    except subprocess.TimeoutExpired:
        raise timed_out(name, what, timeout) from None


def feed(
    name: str,
    arguments: list[str],
    what: str,
    write: Callable[[IO[bytes]], None],
    *,
    timeout: float,
    hint: str = "",
) -> tuple[int, bytes]:
    """Run ``name`` with ``write`` filling its standard input (streamed, never held in
    memory); returns the exit status and stderr. The process is killed at ``timeout``
    seconds, even while ``write`` is blocked on a full pipe."""
    command = _command(name, arguments, what, hint)
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    except FileNotFoundError:
        raise missing(name, what, hint) from None
    stdin, stderr = process.stdin, process.stderr
    assert stdin is not None and stderr is not None
    errors: list[bytes] = []
    # stderr is drained on a thread: a chatty process must never block on a full pipe.
    drain = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
    drain.start()
    expired = threading.Event()

    def kill() -> None:
        expired.set()
        process.kill()

    watchdog = threading.Timer(timeout, kill)
    watchdog.start()
    try:
        write(stdin)
    except BrokenPipeError:
        pass  # it stopped early: its exit status and message say why
    except BaseException:
        process.kill()
        raise
    finally:
        with contextlib.suppress(BrokenPipeError):
            stdin.close()
        code = process.wait()
        watchdog.cancel()
        drain.join()
        stderr.close()
    if expired.is_set():
        raise timed_out(name, what, timeout)
    return code, b"".join(errors)


def probe_json(path: Path, arguments: list[str], what: str) -> tuple[dict[str, Any], bytes]:
    """ffprobe's JSON about ``path`` (``arguments`` choose the entries) and its stderr.
    An unreadable file gives an empty dict: the caller names the failure."""
    command = ["-v", "error", "-print_format", "json", *arguments, str(path)]
    result = run("ffprobe", command, what, timeout=PROBE_SECONDS)
    try:
        data = json.loads(result.stdout or b"{}") if result.returncode == 0 else {}
    except ValueError:
        data = {}
    return (data if isinstance(data, dict) else {}), result.stderr
