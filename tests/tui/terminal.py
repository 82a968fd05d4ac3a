"""The reader in a real pseudo-terminal (tmux), for what Pilot cannot see: where the
terminal cursor really is, what a real resize does, and the exit code.

Units: cells; ``cursor()`` is (x, y) from the top left, as tmux reports it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

TIMEOUT = 30.0


class Terminal:
    """One tmux session running one command; closed (killed) by :meth:`close`."""

    def __init__(self, args: list[str], *, size: tuple[int, int], env: dict[str, str]) -> None:
        self.name = f"reader-test-{uuid.uuid4().hex[:8]}"
        self.status_file = Path(env["READER_DATA_DIR"]).parent / f"{self.name}.rc"
        command = " ".join(shlex.quote(a) for a in args)
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # env -i: the tmux server keeps the environment of the pytest that started it, and
        # COLUMNS/LINES from there would pin the program's idea of the window size.
        script = f"env -i {exports} TERM=xterm-256color {command}; echo $? > {self.status_file}"
        width, height = size
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y",
             str(height), "sh", "-c", script + "; sleep 60"],
            check=True,
        )  # fmt: skip
        self._tmux("set-option", "-t", self.name, "window-size", "manual")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
        return done.stdout

    def screen(self) -> list[str]:
        """The visible rows."""
        return self._tmux("capture-pane", "-p", "-t", self.name).split("\n")

    def cursor(self) -> tuple[int, int]:
        """Where the terminal cursor is."""
        x, y = self._tmux("display", "-p", "-t", self.name, "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def mouse_modes(self) -> tuple[bool, bool]:
        """(any-motion tracking on, button tracking on), as the program set them."""
        out = self._tmux(
            "display", "-p", "-t", self.name, "#{mouse_all_flag} #{mouse_standard_flag}"
        )
        any_motion, standard = out.split()
        return any_motion == "1", standard == "1"

    def keys(self, *keys: str) -> None:
        """Send keys (tmux names: Escape, Enter, F3, S-F3, ...)."""
        self._tmux("send-keys", "-t", self.name, *keys)

    def resize(self, width: int, height: int) -> None:
        """Resize the window (the program gets SIGWINCH)."""
        self._tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> list[str]:
        """Wait until ``text`` is on screen; returns the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.screen()
            if any(text in row for row in rows):
                return rows
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared:\n" + "\n".join(self.screen()))

    def settle(self, seconds: float = 0.6) -> None:
        """Let the app paint (there is no frame event to wait on from outside)."""
        time.sleep(seconds)

    def exit_code(self, timeout: float = TIMEOUT) -> int:
        """Wait for the program to end; its exit code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status_file.exists() and self.status_file.read_text().strip():
                return int(self.status_file.read_text())
            time.sleep(0.05)
        raise AssertionError("the program did not exit:\n" + "\n".join(self.screen()))

    def close(self) -> None:
        """Kill the session (and the program in it)."""
        self._tmux("kill-session", "-t", self.name)


def reader_terminal(data_dir: Path, *args: str, size: tuple[int, int] = (80, 24)) -> Terminal:
    """``reader open ARGS --audio null`` in a new terminal of ``size``."""
    env = {"READER_DATA_DIR": str(data_dir), "PATH": os.environ.get("PATH", "")}
    for name in ("HOME", "READER_CACHE_DIR", "VIRTUAL_ENV", "LANG"):
        if name in os.environ:
            env[name] = os.environ[name]
    command = [sys.executable, "-m", "reader", "open", *args, "--audio", "null"]
    return Terminal(command, size=size, env=env)
