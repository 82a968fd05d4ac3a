"""EPUB speed and memory, as ratios against baselines measured in the same run.

1. Opening a book (issue 10 item 6), whole processes: a 1 MB EPUB file (38 chapters of
   varied text, tests/formats/books.py ``large_epub``) from start to the first
   paint of ``reader open``'s screen (bench_tui's ``--open-first-paint`` child: load the
   file, build the app, first frame), against the bundled speech opened the same way
   (target: at most 1.5 times). Peak memory (the child's maximum resident set, from
   ``wait4``) of the same runs, and of the same book with 24 MB of images added to the
   zip: memory must follow the text, not the zip (target: the images cost at most a
   tenth of their size). The in-process load times are printed beside, labelled.
2. Building a read-along book from the whole bundled speech, against one ffmpeg encoding
   all of the speech's audio to a single MP3 (the encoder's floor for the same audio). The
   narration is eSpeak NG's, spoken by the CLI, with the test fixture's proportional
   timings (timings do not change the cost of a build).

``--open-only`` runs part 1 alone. The machine is shared: compare within one run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "epub"))
sys.path.insert(0, str(ROOT / "tests" / "formats"))

from epub_fixtures import speak_document  # noqa: E402

from epub_open import open_bench  # noqa: E402
from reader.epub import build_epub  # noqa: E402
from reader.ingest import bundled_speech_path, load_document  # noqa: E402


def _baseline(wavs: list[Path], folder: Path) -> float:
    import subprocess

    listing = folder / "list.txt"
    listing.write_text("".join(f"file '{wav}'\n" for wav in wavs), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0",
            "-i", str(listing), "-threads", "1", "-c:a", "libmp3lame", "-b:a", "48k",
            str(folder / "all.mp3"),
        ],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> int:
    """Both parts; exit 1 when a target of part 1 is missed."""
    failed = open_bench()
    if "--open-only" not in sys.argv[1:]:
        build_bench()
    return 1 if failed else 0


def build_bench() -> None:
    """Print seconds and ratios for each build variant."""
    document = load_document(bundled_speech_path())
    with tempfile.TemporaryDirectory(prefix="bench-epub-") as work:
        folder = Path(work)
        clips = speak_document(document, folder / "wav")
        audio_s = sum(clip.sync.duration_ms for clip in clips) / 1000
        baseline = _baseline([clip.wav_path for clip in clips], folder)
        print(f"speech: {len(clips)} paragraphs, {audio_s:.0f} s of audio")
        print(f"baseline (one ffmpeg, one MP3): {baseline:.2f} s")
        for granularity, audio_format in (("sentence", "mp3"), ("word", "mp3"), ("word", "aac")):
            start = time.perf_counter()
            out = build_epub(
                document,
                clips,
                folder / f"{granularity}-{audio_format}.epub",
                granularity=granularity,  # type: ignore[arg-type]
                audio_format=audio_format,  # type: ignore[arg-type]
            )
            took = time.perf_counter() - start
            print(
                f"build_epub {granularity:8} {audio_format}: {took:.2f} s = "
                f"{took / baseline:.2f}x baseline, {audio_s / took:.0f}x real time, "
                f"{out.stat().st_size / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    sys.exit(main())
