"""``reader render --format epub``: the read-along book of a render, written next to its
other files as ``<base>.epub``.

Units: as in :mod:`reader.epub.build` (sync maps in samples, clips in whole milliseconds).

The book's audio is the render's own per-paragraph MP3 files, so nothing is encoded twice.
Those files are cut frame by frame out of the full-length MP3 (``reader.audio.mp3join``)
with a gapless Info tag each: ffmpeg decodes exactly the paragraph's samples, lined up with
its WAV at lag 0, so the clip times taken from the sync maps hold to the millisecond. The
builder reads that tag (no ffprobe) and accepts a file only when it plays exactly its sync
map's samples; any other file is probed and refused unless it plays within 30 ms of its
sync map, so a bad file is one clear error, never a book out of sync. At sample rates that
cannot be cut this way the render encodes each paragraph's MP3 from its WAV instead, and
those pass the same checks. ``tests/epub/test_epub_render.py`` decodes the book's audio and
checks both facts against the WAVs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reader.epub.build import build_epub
from reader.errors import EXIT_FAILURE, ReaderError

if TYPE_CHECKING:
    from reader.narration.outputs import BookJob


def write_epub(job: BookJob) -> Path:
    """Build ``<job.base>.epub`` in ``job.folder`` from a complete render and return it
    (written atomically: a failed build leaves no file under the final name)."""
    if job.granularity not in ("sentence", "word"):
        raise ReaderError(
            f"unknown highlight granularity {job.granularity!r}; use sentence or word"
        )
    if len(job.mp3s) != len(job.clips):
        raise ReaderError(
            f"{len(job.clips)} paragraphs rendered but {len(job.mp3s)} MP3 files", EXIT_FAILURE
        )
    audio_files = {
        clip.sync.paragraph_index: mp3 for clip, mp3 in zip(job.clips, job.mp3s, strict=True)
    }
    return build_epub(
        job.document,
        job.clips,
        job.folder / f"{job.base}.epub",
        granularity="word" if job.granularity == "word" else "sentence",
        audio_format="mp3",
        audio_files=audio_files,
    )
