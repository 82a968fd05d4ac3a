"""The ``reader render`` pipeline: paragraphs -> per-paragraph files -> full-length audio
-> sync files, into one output folder.

Safety: the folder is locked for the whole run (two renders into one folder take turns),
temporary files left by a killed run are removed first (``reader.atomic`` names them all),
and every file is written under a temporary name and renamed, so a final name always holds
a whole file. Paragraph audio comes from the cache, so an interrupted run continues where it
stopped.

Units: ``gap_ms`` milliseconds; everything else in samples (see ``syncformats``).
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from reader.atomic import atomic_path, clone_or_copy, remove_leftovers
from reader.audio.cover import choose_cover
from reader.audio.formats import CODECS, DEFAULT_PROFILE, WAV_HINT, require
from reader.audio.loudness import DEFAULT_LOUDNESS, PRESETS, Measurement, Preset
from reader.audio.stream import Delivery
from reader.document import Document, Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.cache import write_chunks, write_text
from reader.narration.fulllength import Assembly, assemble, redo_sets
from reader.narration.manifest import Manifest, input_digest
from reader.narration.mastering import master, measure_timeline
from reader.narration.outputs import BOOK_FORMATS, BookJob, check_writable
from reader.narration.pronunciations import Dictionary, load_dictionary
from reader.narration.renderer import NarrationSettings, ParagraphRenderer, Progress
from reader.narration.syncformats import (
    SYNC_FORMAT,
    Placed,
    Timeline,
    document_json,
    lrc,
    m3u8,
    paragraph_json,
    speaker,
    srt,
    target_gaps,
    webvtt,
)
from reader.narration.timing import RenderedParagraph
from reader.sanitize import for_terminal


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
    granularity: str = "sentence"  # what a book format highlights: sentence or word
    chapter_minutes: float = 10.0  # chapter length when the document has no sections
    cluster: str | None = None  # a Dask scheduler address to synthesise on
    loudness: str = DEFAULT_LOUDNESS  # a preset of reader.audio.loudness, or "off"
    cover: Path | None = None  # --cover: a PNG or JPEG for the full-length files
    profile: str = DEFAULT_PROFILE  # a key of reader.audio.formats.PROFILES


@dataclass(frozen=True, slots=True)
class RenderSummary:
    """What ``render_document`` did: ``seconds`` of audio in the full-length files (None
    when unknown), paragraphs written and how many were synthesised, and a line for people."""

    line: str
    paragraphs: int
    seconds: float | None
    synthesised: int


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


def _link_or_copy(source: Path, target: Path) -> None:
    """Put the cached paragraph audio at ``target``: a copy (a reflink where the filesystem
    shares blocks), never a hard link, so editing an output cannot change the cache."""
    with atomic_path(target) as temp:
        clone_or_copy(source, temp)


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


def _guard(action: Callable[[], None], *, folder: Path) -> None:
    """Turn a failed write (full disk, permissions) into one clear line."""
    try:
        action()
    except OSError as error:
        raise ReaderError(
            f"cannot write to {for_terminal(str(folder))}: {error.strerror or error}; "
            "free some space or choose another folder with -o",
            EXIT_FAILURE,
        ) from None


def _write_sync_files(
    folder: Path, base: str, audio: dict[str, str], playlist_ext: str, timeline: Timeline
) -> None:
    """The sync files of the full-length audio, made and written one at a time (for a
    book each is tens of megabytes)."""
    makers: dict[str, Callable[[], str]] = {
        f"{base}.vtt": partial(webvtt, timeline),
        f"{base}.srt": partial(srt, timeline),
        f"{base}.lrc": partial(lrc, timeline),
        f"{base}.m3u8": partial(m3u8, timeline, playlist_ext),
    }
    for name, make in makers.items():
        write_if_changed(folder / name, make())
    write_chunks(folder / f"{base}.json", document_json(timeline, audio, "wav"))


def render_document(request: RenderRequest) -> RenderSummary:
    """Render, assemble and write everything asked; returns what was done."""
    document, folder, base = request.document, request.out_dir, request.base
    encoded = [f for f in request.formats if f in CODECS]
    books = [f for f in request.formats if f in BOOK_FORMATS]
    copies = list(dict.fromkeys([*encoded, *(["mp3"] if books else [])]))
    if copies or request.settings.stretch != 1.0:
        require(", ".join(copies) or "speech outside the voice's exact rates", WAV_HINT)
    check_writable(folder)
    paragraphs = document.select(request.indices)
    width = max(3, len(str(len(document.paragraphs))))
    stems = [f"p{p.number:0{width}d}" for p in paragraphs]
    with folder_lock(folder):
        remove_leftovers(folder)
        with ParagraphRenderer(
            request.settings,
            request.cache_dir,
            request.jobs,
            cluster=request.cluster,
            pronunciations=document_dictionary(document),
        ) as renderer:
            keys = [renderer.key(p.text) for p in paragraphs]
            settings = [stems, list(request.formats), request.gap_ms, CODECS, SYNC_FORMAT]
            settings += [request.loudness, str(request.cover or ""), TAGS_FORMAT]
            settings.append(request.profile)
            narrator = renderer.voice
            if books:
                settings.append(request.granularity)
            digest = input_digest(document, paragraphs, keys, settings)
            old = Manifest.read(folder)
            if old.up_to_date(folder, digest):
                if request.progress is not None:
                    request.progress(len(paragraphs), len(paragraphs))
                return RenderSummary(
                    f"{folder} is up to date ({len(paragraphs)} paragraphs)",
                    len(paragraphs),
                    _recorded_seconds(folder / f"{base}.json"),
                    0,
                )
            Manifest.forget(folder)
            written_paragraphs: set[int] = set()

            def write_paragraph(position: int, clip: RenderedParagraph) -> None:
                # Written as each paragraph arrives, while the rest are synthesised.
                stem, paragraph = stems[position], paragraphs[position]
                _guard(partial(_write_paragraph, folder, stem, paragraph, clip), folder=folder)
                written_paragraphs.add(position)

            # On RenderFailed every paragraph that did render is already written; the error
            # names the others.
            clips = renderer.render_many(paragraphs, request.progress, on_rendered=write_paragraph)
            synthesised = renderer.synthesised
            corrupt = renderer.cache.corrupt_notice()
        if len(written_paragraphs) != len(clips):
            raise ReaderError("not every paragraph was written", EXIT_FAILURE)
        rate = clips[0].sample_rate
        preset = PRESETS.get(request.loudness)
        # WAV alone needs no ffmpeg; then the level is left as the engine made it.
        measurable = shutil.which("ffmpeg") is not None
        if preset is not None and measurable:
            clips, keys = _master(
                request,
                paragraphs=paragraphs,
                stems=stems,
                clips=clips,
                keys=keys,
                preset=preset,
                old_keys=list(old.stems.values()),
            )
        stale = {s for s, k in zip(stems, keys, strict=True) if old.stems.get(s) != k}
        full_formats = [f for f in request.formats if f in (*CODECS, "wav")]
        job = Assembly(
            document=document,
            paragraphs=paragraphs,
            clips=clips,
            stems=stems,
            folder=folder,
            base=base,
            gap=rate * request.gap_ms // 1000,
            full_formats=full_formats,
            copies=copies,
            redo=redo_sets(copies, stems, stale, old, folder),
            jobs=request.jobs,
            chapter_minutes=request.chapter_minutes,
            delivery=_delivery(request, narrator, [f for f in full_formats if f != "wav"]),
        )
        audio = {fmt: f"{base}.{fmt}" for fmt in full_formats}
        sync_names = [f"{base}.{ext}" for ext in ("vtt", "srt", "lrc", "m3u8", "json")]
        write_sync = partial(
            _write_sync_files, folder, base, audio, encoded[0] if encoded else "wav"
        )
        measured: list[Measurement] = []

        def sync_task(timeline: Timeline) -> None:
            # The loudness of the full-length audio is measured while it is encoded.
            write_sync(timeline)
            if measurable:
                measured.append(measure_timeline(timeline, folder))

        timeline = assemble(job, partial(_guard, folder=folder), sync_task)
        written = [f"{base}.{fmt}" for fmt in full_formats]
        for name in books:
            mp3s = [folder / f"{stem}.mp3" for stem in stems]
            book = BookJob(document, clips, mp3s, folder, base, request.granularity)
            written.append(BOOK_FORMATS[name](book).name)
        names = [f"{s}.{ext}" for s in stems for ext in ("wav", "json", *copies)]
        names += [*written, *sync_names]
        if job.delivery.cover is not None:
            names.append(job.delivery.cover.name)
        _guard(
            partial(Manifest.write, folder, digest, dict(zip(stems, keys, strict=True)), names),
            folder=folder,
        )
    seconds = timeline.sample_count // rate
    files = len(written) + len(sync_names)
    line = (
        f"wrote {len(clips)} paragraphs ({seconds // 60}:{seconds % 60:02d}; "
        f"{synthesised} synthesised, {len(clips) - synthesised} from the cache) "
        f"and {files} full-length files to {folder}"
    ) + (f"; {corrupt}" if corrupt else "")
    line += f"; loudness {measured[0].describe(preset)}" if measured else ""
    if preset is not None and not measurable:
        line += "; loudness left as spoken (ffmpeg, which measures it, is not installed)"
    return RenderSummary(line, len(clips), timeline.sample_count / rate, synthesised)


def _master(
    request: RenderRequest,
    *,
    paragraphs: Sequence[Paragraph],
    stems: Sequence[str],
    clips: Sequence[RenderedParagraph],
    keys: Sequence[str],
    preset: Preset,
    old_keys: Sequence[str],
) -> tuple[list[RenderedParagraph], list[str]]:
    """Master the paragraph WAVs in the folder to ``preset`` (see ``mastering``); returns
    the mastered clips and the paragraph keys marked with the gain (a changed gain makes
    every encoded copy stale)."""
    folder = request.out_dir
    rate = clips[0].sample_rate
    gaps = target_gaps(request.document, paragraphs, rate * request.gap_ms // 1000)
    outputs = [folder / f"{stem}.wav" for stem in stems]
    previous = next(iter(old_keys), "").partition(":")[2]
    mastered = master(clips, outputs, gaps, preset, jobs=request.jobs, previous=previous)
    for position in mastered.reshaped:  # room tone moved their sync maps
        stem = stems[position]
        item = Placed(paragraphs[position], mastered.clips[position], 0, stem)
        write_if_changed(folder / f"{stem}.json", paragraph_json(item, f"{stem}.wav"))
    return mastered.clips, [f"{key}:{mastered.tag}" for key in keys]


# Bumped when the tags or cover art change, so folders are encoded again.
TAGS_FORMAT = "tags-1"


def _delivery(request: RenderRequest, narrator: str, encoded: Sequence[str]) -> Delivery:
    """The audiobook tags and the cover (written into the folder as ``cover.jpg`` or
    ``cover.png``) for the encoded full-length files."""
    document = request.document
    author = speaker(document)
    meta = document.metadata
    description = meta.note or dict(meta.extra).get("description", "")
    if not description:
        description = f"{document.title}, narrated by {narrator}."
    tags = (
        ("album_artist", author),
        ("genre", "Audiobook"),
        ("composer", narrator),  # where audiobook players look for the narrator
        ("narrator", narrator),
        ("description", description),
    )
    if not encoded:
        return Delivery(tags, profile=request.profile)
    source = Path(document.path) if document.path else None
    cover = choose_cover(source, request.cover, document.title, author, request.out_dir)
    m4b = (("media_type", "2"),)
    return Delivery(tags, m4b_tags=m4b, cover=cover, profile=request.profile)


def document_dictionary(document: Document) -> Dictionary:
    """The pronunciations for ``document``: its front matter's ``pronunciations`` field,
    the ``<name>.pronunciations.txt`` file beside it, then the user's own file."""
    front_matter = dict(document.metadata.extra).get("pronunciations", "")
    return load_dictionary(Path(document.path) if document.path else None, front_matter)


def _recorded_seconds(sync_json: Path) -> float | None:
    """The duration an earlier render recorded in its whole-document sync map."""
    import json

    try:
        return float(json.loads(sync_json.read_text(encoding="utf-8"))["duration_ms"]) / 1000
    except (OSError, ValueError, KeyError, TypeError):
        return None
