"""Part 1 of bench_epub: a 1 MB EPUB opened to first paint, and its peak memory, against
the bundled speech, each in a whole new process (see bench_epub's docstring)."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from books import large_epub, zip_bytes

ROOT = Path(__file__).resolve().parents[1]
BENCH_TUI = ROOT / "benchmarks" / "bench_tui.py"
RUNS = 5
PAINT_TARGET = 1.5
ZIP_SHARE_TARGET = 0.1
IMAGES_MB = 24
# tests/formats/books.py's large book with this many chapters is a 1 MB EPUB file (its
# varied text deflates to about half: some 2.2 MB of text).
CHAPTERS = 38


def with_images(book: bytes, megabytes: int) -> bytes:
    """The same book with ``megabytes`` of incompressible images added to the zip (stored,
    as real JPEGs are), listed in the manifest: a bigger zip, the same text."""
    import io
    import zipfile

    chance = random.Random(5)
    members: list[tuple[str, bytes | str]] = []
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        for info in archive.infolist():
            if info.filename == "mimetype":
                continue
            data = archive.read(info)
            if info.filename.endswith(".opf"):
                items = "".join(
                    f'<item id="photo{n}" href="images/photo{n}.jpg" media-type="image/jpeg"/>'
                    for n in range(megabytes)
                )
                data = data.replace(b"</manifest>", items.encode() + b"</manifest>")
            members.append((info.filename, data))
    members += [(f"OEBPS/images/photo{n}.jpg", chance.randbytes(1 << 20)) for n in range(megabytes)]
    return zip_bytes(members)


def open_once(path: Path, data: Path) -> tuple[float, int]:
    """Seconds and peak resident bytes of one new process that opens ``path`` to its
    first paint (bench_tui's child, as in its own open-to-paint figures)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(BENCH_TUI), "--open-first-paint", str(path), str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    if child.returncode:
        raise RuntimeError(f"{path}: {child.stderr.read().decode(errors='replace')}")
    child.stderr.close()
    return seconds, usage.ru_maxrss * 1024  # kilobytes on Linux


def in_process_load(path: Path) -> float:
    """Median seconds of ``load_document`` in this process (labelled as in-process)."""
    from reader.ingest import load_document

    times = []
    for _ in range(3):
        start = time.perf_counter()
        load_document(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def open_bench() -> bool:
    """Print the figures of part 1; True when a target is missed."""
    from reader.ingest import bundled_speech_path, load_document

    with tempfile.TemporaryDirectory(prefix="bench-epub-open-") as work:
        folder = Path(work)
        data = folder / "data"
        os.environ["READER_DATA_DIR"] = str(data)
        speech = bundled_speech_path()
        book = folder / "megabyte.epub"
        book.write_bytes(large_epub(chapters=CHAPTERS))
        heavy = folder / "megabyte-with-images.epub"
        heavy.write_bytes(with_images(book.read_bytes(), IMAGES_MB))
        document = load_document(book)
        text_mb = len(document.text.encode()) / 1e6
        runs: dict[Path, list[tuple[float, int]]] = {speech: [], book: [], heavy: []}
        for _ in range(RUNS):  # interleaved, so load on the machine hits all alike
            for path, into in runs.items():
                into.append(open_once(path, data))
        loads = {path: in_process_load(path) for path in runs}
        sizes = {path: path.stat().st_size / 1e6 for path in runs}
    seconds = {p: statistics.median(s for s, _ in r) * 1000 for p, r in runs.items()}
    peak = {p: statistics.median(m for _, m in r) / 1e6 for p, r in runs.items()}
    paint = seconds[book] / seconds[speech]
    zip_extra = sizes[heavy] - sizes[book]
    share = (peak[heavy] - peak[book]) / zip_extra
    print(
        f"book: {sizes[book]:.2f} MB EPUB, {text_mb:.2f} MB of text, "
        f"{len(document.paragraphs)} paragraphs; with images {sizes[heavy]:.1f} MB"
    )
    verdict = "ok" if paint <= PAINT_TARGET else "OVER TARGET"
    print(
        f"{'open to paint, 1 MB EPUB / speech':44s} {paint:5.2f}  (target <= {PAINT_TARGET})  "
        f"{seconds[book]:.0f} ms / {seconds[speech]:.0f} ms, whole processes  {verdict}"
    )
    print(
        f"{'  in-process load, 1 MB EPUB / speech':44s} "
        f"{loads[book] / loads[speech]:5.1f}  {loads[book] * 1000:.0f} ms / "
        f"{loads[speech] * 1000:.0f} ms (load_document only, no target)"
    )
    print(
        f"{'peak memory, 1 MB EPUB / speech':44s} {peak[book] / peak[speech]:5.2f}  "
        f"{peak[book]:.0f} MB / {peak[speech]:.0f} MB, whole processes (no target)"
    )
    print(
        f"{'peak memory, +24 MB images / 1 MB EPUB':44s} {peak[heavy] / peak[book]:5.2f}  "
        f"{peak[heavy]:.0f} MB / {peak[book]:.0f} MB, whole processes"
    )
    verdict = "ok" if share <= ZIP_SHARE_TARGET else "OVER TARGET"
    print(
        f"{'  memory per extra zip byte':44s} {share:5.2f}  (target <= {ZIP_SHARE_TARGET}: "
        f"follows the text, not the zip)  {verdict}"
    )
    print(f"{'  open to paint, +24 MB images / 1 MB EPUB':44s} "
          f"{seconds[heavy] / seconds[book]:5.2f}")  # fmt: skip
    return paint > PAINT_TARGET or share > ZIP_SHARE_TARGET
