"""The ``reader render`` pipeline: paragraphs -> per-paragraph files -> full-length audio
-> sync files, into one output folder.

Safety: the folder is locked for the whole run (two renders into one folder take turns),
temporary files left by a killed run are removed first, and every file is written under a
temporary name and renamed, so a final name always holds a whole file. Paragraph audio comes
from the cache, so an interrupted run continues where it stopped.

Units: ``gap_ms`` milliseconds; everything else in samples (see ``syncformats``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from reader.document import Document, Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.assemble import (
    CODECS,
    encode_copies_tasks,
    encode_full_task,
    probe,
    require_ffmpeg,
    run_parallel,
    write_full_wav,
)
from reader.narration.cache import write_text
from reader.narration.command import BOOK_FORMATS, check_writable
from reader.narration.manifest import Manifest, input_digest
from reader.narration.renderer import NarrationSettings, ParagraphRenderer, Progress, RenderFailed
from reader.narration.syncformats import (
    SYNC_FORMAT,
    Placed,
    build_timeline,
    document_json,
    ffmetadata,
    lrc,
    m3u8,
    paragraph_json,
    srt,
    webvtt,
)
from reader.narration.timing import RenderedParagraph
from reader.sanitize import for_terminal

DURATION_TOLERANCE_S = 0.030


@dataclass(frozen=True, slots=True)
class RenderRequest:
    """Everything ``render_document`` needs; ``indices`` are 0-based paragraph indices."""

    document: Document
    indices: Sequence[int]
    out_dir: Path
    base: str
    formats: Sequence[str]
    settings: NarrationSettings
    gap_ms: int = 600
    jobs: int = 1
    progress: Progress | None = None
    cache_dir: Path | None = None


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (waiting, with a note, if another render has it)."""
    with (folder / ".reader-render.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("reader: waiting for another render into this folder", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(folder: Path) -> None:
    """Temporary files of an interrupted run (only ever under hidden temporary names)."""
    for path in folder.glob(".*.tmp-*"):
        path.unlink(missing_ok=True)
    for path in folder.glob(".render-*"):
        shutil.rmtree(path, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """Put the cached paragraph audio at ``target`` (a hard link when possible)."""
    with contextlib.suppress(OSError):
        if target.exists() and source.samefile(target):
            return
    temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        try:
            os.link(source, temp)
        except OSError:
            shutil.copyfile(source, temp)
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)


def _write_paragraph(
    folder: Path, stem: str, paragraph: Paragraph, clip: RenderedParagraph
) -> None:
    _link_or_copy(clip.wav_path, folder / f"{stem}.wav")
    item = Placed(paragraph, clip, 0, stem)
    write_if_changed(folder / f"{stem}.json", paragraph_json(item, f"{stem}.wav"))


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` atomically unless ``path`` already holds it (renaming over a file
    is slow on ext4, which flushes the data first)."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if path.read_text(encoding="utf-8") == text:
            return
    write_text(path, text)


def _guard(action: Callable[[], None], folder: Path) -> None:
    """Turn a failed write (full disk, permissions) into one clear line."""
    try:
        action()
    except OSError as error:
        raise ReaderError(
            f"cannot write to {for_terminal(str(folder))}: {error.strerror or error}; "
            "free some space or choose another folder with -o",
            EXIT_FAILURE,
        ) from None


def render_document(request: RenderRequest) -> str:
    """Render, assemble and write everything asked; returns a one-line summary."""
    document, folder, base = request.document, request.out_dir, request.base
    encoded = [f for f in request.formats if f in CODECS]
    books = [f for f in request.formats if f in BOOK_FORMATS]
    copies = list(dict.fromkeys([*encoded, *(["mp3"] if books else [])]))
    if copies or request.settings.rate_wpm > 430:
        require_ffmpeg(", ".join(copies) or "speech faster than 430 words per minute")
    check_writable(folder)
    paragraphs = document.select(request.indices)
    width = max(3, len(str(len(document.paragraphs))))
    stems = [f"p{p.number:0{width}d}" for p in paragraphs]
    with folder_lock(folder):
        remove_leftovers(folder)
        with ParagraphRenderer(request.settings, request.cache_dir, request.jobs) as renderer:
            keys = [renderer.key(p.text) for p in paragraphs]
            settings = [stems, list(request.formats), request.gap_ms, CODECS, SYNC_FORMAT]
            digest = input_digest(document, paragraphs, keys, settings)
            old = Manifest.read(folder)
            if old.up_to_date(folder, digest):
                if request.progress is not None:
                    request.progress(len(paragraphs), len(paragraphs))
                return f"{folder} is up to date ({len(paragraphs)} paragraphs)"
            Manifest.forget(folder)
            try:
                clips = renderer.render_many(paragraphs, request.progress)
                synthesised = renderer.synthesised
            except RenderFailed as failed:
                # Keep every paragraph that did render, then report the others by number.
                for position, clip in failed.rendered.items():
                    write = partial(
                        _write_paragraph, folder, stems[position], paragraphs[position], clip
                    )
                    _guard(write, folder)
                raise
        for stem, paragraph, clip in zip(stems, paragraphs, clips, strict=True):
            _guard(partial(_write_paragraph, folder, stem, paragraph, clip), folder)
        rate = clips[0].sample_rate
        timeline = build_timeline(document, clips, paragraphs, rate * request.gap_ms // 1000, stems)
        parts = [
            (folder / f"{stem}.wav", gap) for stem, gap in zip(stems, timeline.gaps, strict=True)
        ]
        stale = {s for s, k in zip(stems, keys, strict=True) if old.stems.get(s) != k}
        written = _assemble(
            request,
            old=old,
            stale=stale,
            rate=rate,
            sample_count=timeline.sample_count,
            parts=parts,
            copies=copies,
            encoded=encoded,
            stems=stems,
            metadata=ffmetadata(timeline),
        )
        audio = {fmt: f"{base}.{fmt}" for fmt in request.formats if fmt in (*CODECS, "wav")}
        playlist_ext = encoded[0] if encoded else "wav"
        sync_files = {
            f"{base}.vtt": webvtt(timeline),
            f"{base}.srt": srt(timeline),
            f"{base}.lrc": lrc(timeline),
            f"{base}.json": document_json(timeline, audio, "wav"),
            f"{base}.m3u8": m3u8(timeline, playlist_ext),
        }
        for name, text in sync_files.items():
            _guard(partial(write_if_changed, folder / name, text), folder)
        for name in books:
            mp3s = [folder / f"{stem}.mp3" for stem in stems]
            written.append(BOOK_FORMATS[name](document, clips, mp3s, folder).name)
        names = [f"{s}.{ext}" for s in stems for ext in ("wav", "json", *copies)]
        names += [*written, *sync_files]
        _guard(
            partial(Manifest.write, folder, digest, dict(zip(stems, keys, strict=True)), names),
            folder,
        )
    seconds = timeline.sample_count // rate
    files = len(written) + len(sync_files)
    return (
        f"wrote {len(clips)} paragraphs ({seconds // 60}:{seconds % 60:02d}; "
        f"{synthesised} synthesised, {len(clips) - synthesised} from the cache) "
        f"and {files} full-length files to {folder}"
    )


def _assemble(
    request: RenderRequest,
    *,
    old: Manifest,
    stale: set[str],
    rate: int,
    sample_count: int,
    parts: list[tuple[Path, int]],
    copies: list[str],
    encoded: list[str],
    stems: list[str],
    metadata: str,
) -> list[str]:
    """Full-length files and per-paragraph copies, encoded in parallel, then checked."""
    folder, base = request.out_dir, request.base
    written: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix=".render-", dir=folder))
    try:
        tasks: list[Callable[[], None]] = []
        for fmt in encoded:
            out = folder / f"{base}.{fmt}"
            tasks.append(
                encode_full_task(parts, rate, out, fmt, metadata=metadata, workdir=workdir)
            )
            written.append(f"{base}.{fmt}")
        if "wav" in request.formats:
            tasks.append(partial(_checked_wav, parts, rate, folder / f"{base}.wav", sample_count))
            written.append(f"{base}.wav")
        for fmt in copies:
            # Copies of paragraphs that did not change are kept from the last render.
            redo = [s for s in stems if s in stale or not old.unchanged(folder, f"{s}.{fmt}")]
            pairs = [(folder / f"{s}.wav", folder / f"{s}.{fmt}") for s in redo]
            tasks += encode_copies_tasks(pairs, fmt, request.jobs)
        _guard(partial(run_parallel, tasks, request.jobs), folder)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    expected = sample_count / rate
    for fmt in encoded:
        found = playable_seconds(folder / f"{base}.{fmt}")
        if abs(found - expected) > DURATION_TOLERANCE_S:
            raise ReaderError(
                f"{base}.{fmt} lasts {found:.3f} s but its sync map {expected:.3f} s; "
                "render again (the cache keeps the work done)",
                EXIT_FAILURE,
            )
    return written


def _checked_wav(parts: list[tuple[Path, int]], rate: int, out: Path, expected: int) -> None:
    if write_full_wav(parts, rate, out) != expected:
        raise ReaderError(f"{out.name} came out with the wrong length", EXIT_FAILURE)


def playable_seconds(path: Path) -> float:
    """What a player plays: ffprobe's duration less the encoder delay it reports as the
    start time (LAME's 1105 samples in MP3, which gapless players skip)."""
    info = probe(path)["format"]
    return float(info["duration"]) - float(info.get("start_time") or 0.0)
