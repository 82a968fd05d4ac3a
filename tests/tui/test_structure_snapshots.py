"""Snapshots (pytest-textual-snapshot) of structure: headings above their paragraphs at
the terminal's font and in large print, and the table of contents. Update with ``pytest
tests/tui/test_structure_snapshots.py --snapshot-update`` and review the SVGs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reader.document import Document
from reader.tui.app import ReaderApp


@pytest.mark.parametrize("level", [1, 2])
def test_headings_in_the_text(
    level: int, addresses: Document, make_app: Callable[..., ReaderApp], snap_compare: Any
) -> None:
    app = make_app(addresses, start=4)
    assert snap_compare(app, press=["plus"] * (level - 1), terminal_size=(80, 24))


def test_contents_dialog(
    addresses: Document, make_app: Callable[..., ReaderApp], snap_compare: Any
) -> None:
    app = make_app(addresses, start=4)
    assert snap_compare(app, press=["T", "down"], terminal_size=(80, 24))
