"""The mechanics of running ffmpeg and ffprobe, shared by narration and EPUB audio.

Locating the tools (a missing one is a one-line ``ReaderError`` naming the Debian package),
running a process quietly with a one-line report of its failure (the last line of stderr,
never a traceback), and ffprobe's JSON. Encoder settings stay with their callers: narration
and EPUB encode differently on purpose.

Units: none of its own; ffprobe's JSON carries seconds as decimal strings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from reader.errors import EXIT_FAILURE, ReaderError

INSTALL = "install the Debian package ffmpeg (apt install ffmpeg)"
QUIET = ("-nostdin", "-hide_banner", "-loglevel", "error")
"""ffmpeg options before every command: no keyboard, no banner, errors only."""


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


def run(
    name: str, arguments: list[str], what: str, *, hint: str = "", stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``name`` with ``arguments`` (ffmpeg gets :data:`QUIET` first), capturing its
    output. The exit status is the caller's to judge: each names its own failure."""
    command = [tool(name, what, hint), *(QUIET if name == "ffmpeg" else ()), *arguments]
    try:
        return subprocess.run(command, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:  # removed between the look-up and the start
        raise missing(name, what, hint) from None


def probe_json(path: Path, arguments: list[str], what: str) -> tuple[dict[str, Any], bytes]:
    """ffprobe's JSON about ``path`` (``arguments`` choose the entries) and its stderr.
    An unreadable file gives an empty dict: the caller names the failure."""
    command = ["-v", "error", "-print_format", "json", *arguments, str(path)]
    result = run("ffprobe", command, what)
    try:
        data = json.loads(result.stdout or b"{}") if result.returncode == 0 else {}
    except ValueError:
        data = {}
    return (data if isinstance(data, dict) else {}), result.stderr
