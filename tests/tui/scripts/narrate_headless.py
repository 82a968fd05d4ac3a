"""Run by ``test_narration_process``: the reader, headless, with the real renderer, while
this process's stdout and stderr are captured by the test. It plays, changes the rate (a
new renderer), moves on so that the next paragraph (a long one) is being rendered, and
quits while it renders.

Usage: ``narrate_headless.py DOCUMENT CACHE_DIR DATA_DIR RESULT_JSON``. Nothing is printed:
any byte on stdout or stderr is stray output that would corrupt a real terminal.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from pathlib import Path

from reader.ingest import load_document
from reader.playback import Player
from reader.settings import SettingsStore
from reader.tui.app import create_app
from reader.tui.renderers import default_factory


def _rendering() -> bool:
    return any(t.name == "narration" and t.is_alive() for t in threading.enumerate())


async def main(document_path: str, cache: str, data: str, result: str) -> None:
    document = load_document(document_path)
    player = Player("null")
    factory = default_factory(Path(cache))
    app = create_app(document, player=player, factory=factory, store=SettingsStore(Path(data)))
    outcome: dict[str, object] = {}
    async with app.run_test(size=(100, 30)) as pilot:

        async def until(condition: object) -> None:
            deadline = time.monotonic() + 60  # a hang guard, not a speed check
            while not condition():  # type: ignore[operator]
                if time.monotonic() > deadline:
                    raise SystemExit("timed out")
                await pilot.pause(0.02)

        await pilot.press("space")
        await until(lambda: player.snapshot().position > 0)
        await pilot.press("right_square_bracket")  # another rate: a fresh renderer
        await until(lambda: player.snapshot().position > 0)
        await pilot.press("j")  # plays the second; the third, long one is prefetched
        await until(lambda: player.snapshot().tag == 1 and player.snapshot().position > 0)
        outcome["played"] = player.snapshot().tag
        await pilot.pause(0.3)
        outcome["rendering_before_quit"] = _rendering()
        await pilot.press("q")
    outcome["rendering_after_quit"] = _rendering()
    player.close()
    Path(result).write_text(json.dumps(outcome), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
