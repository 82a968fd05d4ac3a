"""One space-to-sound run of ``bench_tui``, in a new process started the way ``reader open``
starts: first the worker for a voice slow to load (``start_ahead``, from the settings),
then the document, Textual and the reader's UI, then the app. Run in the order the
command runs, the worker loads its model while the UI is imported, as it does for the
reader; run after those imports, it started some 0.4 s late and the cold row measured
that. (``bench_tui`` imports Textual at its top, so this entry is a module of its own.)

Usage: ``sound_process.py DATA CACHE [VOICE]``, or ``sound_process.py --chosen PAUSE DATA
CACHE VOICE`` (the voice chosen in the reader's chooser, Enter PAUSE seconds after its
highlight, then space: ``bench_tui.chosen_to_sound``); prints the seconds measured on
one line.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    pause = float(argv[1]) if argv[:1] == ["--chosen"] else None
    argv = argv[2:] if pause is not None else argv
    data, cache = Path(argv[0]), Path(argv[1])
    voice = argv[2] if len(argv) > 2 else None
    from reader.ingest import bundled_speech_path
    from reader.settings import SettingsStore
    from reader.tui.renderers import start_ahead

    start_ahead(bundled_speech_path(), SettingsStore(data))
    # Textual and the UI, as reader open imports them
    from bench_tui import chosen_to_sound, space_to_sound

    if pause is not None and voice is not None:
        times = [asyncio.run(chosen_to_sound(data, cache, voice, pause))]
    else:
        times = asyncio.run(space_to_sound(data, cache, voice))
    print(" ".join(f"{seconds:.6f}" for seconds in times))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
