"""Write docs/screenshot.svg: the reader at 80x24 on the bundled speech, narrating.

Narration here comes from the test fixture in tests/tui/conftest.py (real espeak-ng audio,
word timings spread evenly) on the null audio device, so the picture can be made on a
machine without the project's narration renderer or a sound card.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "tui"))

from conftest import EvenlySpreadEspeakRenderer  # noqa: E402
from reader.ingest import bundled_speech_path, load_document  # noqa: E402
from reader.playback import Player  # noqa: E402
from reader.settings import SettingsStore  # noqa: E402
from reader.tui.app import create_app  # noqa: E402


async def main() -> None:
    """Open paragraph 4, play for a moment, pause, save the SVG."""
    folder = Path(tempfile.mkdtemp())
    player = Player("null")
    app = create_app(
        load_document(bundled_speech_path()),
        player=player,
        factory=lambda _voice, rate: EvenlySpreadEspeakRenderer(folder, rate),
        store=SettingsStore(folder / "data"),
        start=3,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await pilot.pause(4.2)
        await pilot.press("space")
        await pilot.pause(0.1)
        app.save_screenshot(str(ROOT / "docs" / "screenshot.svg"))
    player.close()


if __name__ == "__main__":
    asyncio.run(main())
