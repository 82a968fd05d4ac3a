"""Snapshots (pytest-textual-snapshot) of every text size and every theme at 80x24.
Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reader.document import Document
from reader.playback import Player
from reader.tui.app import ReaderApp
from reader.tui.largeprint import LEVELS
from reader.tui.screens.voices import VoiceDialog
from reader.tui.themes import THEME_NAMES


@pytest.mark.parametrize("level", LEVELS)
def test_size_levels(
    level: int,
    speech: Document,
    make_app: Callable[..., ReaderApp],
    snap_compare: Callable[..., bool],
) -> None:
    app = make_app(speech, start=3)
    assert snap_compare(app, press=["plus"] * (level - 1), terminal_size=(80, 24))


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_themes(
    theme: str,
    speech: Document,
    make_app: Callable[..., ReaderApp],
    snap_compare: Callable[..., bool],
) -> None:
    app = make_app(speech, start=3)
    presses = ["t"] * THEME_NAMES.index(theme) + ["right_parenthesis"]
    assert snap_compare(app, press=presses, terminal_size=(80, 24))


def test_help_screen(
    speech: Document, make_app: Callable[..., ReaderApp], snap_compare: Callable[..., bool]
) -> None:
    assert snap_compare(make_app(speech), press=["question_mark"], terminal_size=(80, 24))


def test_export_dialog(
    speech: Document, make_app: Callable[..., ReaderApp], snap_compare: Callable[..., bool]
) -> None:
    app = make_app(speech, start=9)
    assert snap_compare(app, press=["e", "tab"], terminal_size=(80, 24))


def test_voice_dialog(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    snap_compare: Callable[..., bool],
    null_player: Player,
    fixture_factory: object,
) -> None:
    app = make_app(speech, start=9, player=null_player, factory=fixture_factory)

    async def listed(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("v")
        dialog = app.screen
        assert isinstance(dialog, VoiceDialog)
        for _ in range(500):
            if dialog.voices is not None:
                break
            await pilot.pause(0.02)
        await pilot.press(*"german")
        await pilot.pause()

    assert snap_compare(app, run_before=listed, terminal_size=(80, 24))
