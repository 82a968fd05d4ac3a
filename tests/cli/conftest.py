"""Running the installed ``reader`` command in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


def _reader_command() -> list[str]:
    installed = Path(sys.executable).with_name("reader")
    if installed.exists():
        return [str(installed)]
    found = shutil.which("reader")
    assert found, "the reader console script is not installed"
    return [found]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run ``reader ARGS`` with optional stdin; never raises on a non-zero exit."""
    command = _reader_command()
    env = {**os.environ, "READER_DATA_DIR": str(tmp_path / "data"), "NO_COLOR": "1"}
    env.pop("READER_MAX_MB", None)

    def runner(
        *args: str, stdin: str = "", cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
            env=env,
            cwd=cwd or tmp_path,
        )

    return runner
