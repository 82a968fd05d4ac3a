"""Seeded random keys and window sizes for the reader, shared by the robustness tests
(short runs in CI) and ``benchmarks/bench_tui.py`` (thousands of keys).

Units: sizes are terminal cells (columns, rows). Not used by the app itself.

The keys are every key bound on the reading screen (after the user's keymap), the keys the
dialogs use, and a few that nothing binds, pressed with no pause between them, so that
keys also arrive while a dialog is opening or closing. One key in twenty is a resize.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from reader.tui.bindings import READING_BINDINGS

if TYPE_CHECKING:
    from textual.pilot import Pilot

DIALOG_KEYS = (
    "escape", "enter", "tab", "shift+tab", "backspace", "delete", "d", "up", "down",
    "left", "right", "home", "end", "pageup", "pagedown", "1", "5", "a", "e", "ctrl+c",
    "ctrl+f", "ctrl+b", "ctrl+d", "ctrl+u", "f2", "x", "z", "A",
)  # fmt: skip
# Keys that quit are left out: a run that quits early tests nothing.
QUIT_KEYS = frozenset({"q", "ctrl+q"})
SIZES = ((80, 24), (160, 45), (20, 6), (200, 60), (40, 12), (12, 3), (1, 1), (100, 30))


def key_pool() -> list[str]:
    """Every key the reading screen binds (minus quitting) plus the dialogs' keys."""
    keys: list[str] = []
    for binding in READING_BINDINGS:
        assert not isinstance(binding, tuple)
        keys.extend(k.strip() for k in binding.key.split(",") if k.strip() not in QUIT_KEYS)
    return sorted(set(keys)) + list(DIALOG_KEYS)


async def resize_storm(pilot: Pilot[Any], *, seed: int, count: int) -> None:
    """Resize the terminal ``count`` times to random sizes (tiny and huge included)
    without waiting for a repaint in between, then wait for the screen to settle."""
    chooser = random.Random(seed)
    for _ in range(count):
        size = chooser.choice(SIZES) if chooser.random() < 0.5 else _any_size(chooser)
        await pilot.resize_terminal(*size)
    await pilot.pause()


async def random_keys(pilot: Pilot[Any], *, seed: int, count: int) -> None:
    """Press ``count`` seeded random keys (one in twenty a resize), then let the app
    settle. An exception inside the app ends the run and is re-raised by Pilot."""
    chooser = random.Random(seed)
    pool = key_pool()
    for number in range(count):
        if chooser.random() < 0.05:
            await pilot.resize_terminal(*_any_size(chooser))
        else:
            await pilot.press(chooser.choice(pool))
        if number % 50 == 49:
            await pilot.pause()
    await pilot.pause()


def _any_size(chooser: random.Random) -> tuple[int, int]:
    return chooser.randint(1, 220), chooser.randint(1, 70)
