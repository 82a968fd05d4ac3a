"""Nothing outside reader.tui imports Textual: each headless module is imported in a fresh
interpreter and ``textual`` must not be loaded."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import reader

HEADLESS = sorted(
    info.name
    for info in pkgutil.walk_packages(reader.__path__, "reader.")
    # reader.__main__ runs the command itself when imported, so it is not imported here.
    if not info.name.startswith("reader.tui") and info.name != "reader.__main__"
)


def test_the_list_is_real() -> None:
    assert {"reader.cli", "reader.settings", "reader.playback"} <= set(HEADLESS)


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_load_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_only_playback_imports_miniaudio() -> None:
    code = "import sys, reader.cli, reader.settings; print('miniaudio' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "False"
