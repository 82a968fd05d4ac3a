"""The ``reader render`` pipeline: paragraphs -> per-paragraph files -> full-length audio
-> sync files, into one output folder.

Safety: the folder is locked for the whole run (two renders into one folder take turns),
temporary files and staging folders left by a killed run are removed first
(``reader.atomic`` names them all), and the outputs are written as one set: built in a
staging folder, checked, then moved into place, with an earlier render's files that this
one does not produce removed (``staging``). A failure at any point before that leaves the
folder as it was. Paragraph audio comes from the cache, so an interrupted run continues
where it stopped.

Paragraph files hold the paragraph and the pause after it, so the playlist and the read-
along book sound like the full-length file; their own sync maps say so
(``pause_after_samples``).

Units: ``gap_ms`` milliseconds; everything else in samples (see ``syncformats``).
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from reader.atomic import remove_leftovers
from reader.audio.cover import choose_cover
from reader.audio.formats import CODECS, DEFAULT_PROFILE, WAV_HINT, require
from reader.audio.loudness import DEFAULT_LOUDNESS, PRESETS, Measurement
from reader.audio.stream import Delivery
from reader.document import Document
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.announcements import PARAGRAPH, Entry, entry_gaps, plan_entries
from reader.narration.cache import write_chunks, write_text
from reader.narration.fulllength import Assembly, assemble, plan_timeline, redo_sets
from reader.narration.languages import plan_voices
from reader.narration.manifest import Manifest, input_digest
from reader.narration.mastering import master, measure_timeline
from reader.narration.multivoice import MultiVoiceRenderer
from reader.narration.outputs import BOOK_FORMATS, BookJob, check_book_inputs, check_writable
from reader.narration.pronunciations import Dictionary, load_dictionary
from reader.narration.renderer import NarrationSettings, Progress
from reader.narration.staging import commit, staging_folder, write_padded_wav
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
    credits: bool = True  # "<title>. By <author>." first, "End of <title>." last
    headings: bool = True  # each section's heading spoken before its paragraphs
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
    notices: tuple[str, ...] = ()  # lines for people however quiet the run
    loudness: str = ""  # the full-length audio's, for the batch table: "-18.0 LUFS -3.0 dBTP"


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
    """Render, assemble and write everything asked, as one set (see ``staging``);
    returns what was done."""
    document, folder = request.document, request.out_dir
    encoded = [f for f in request.formats if f in CODECS]
    books = [f for f in request.formats if f in BOOK_FORMATS]
    copies = list(dict.fromkeys([*encoded, *(["mp3"] if books else [])]))
    if copies or request.settings.stretch != 1.0:
        require(", ".join(copies) or "speech outside the voice's exact rates", WAV_HINT)
    check_writable(folder)
    check_book_inputs(document, books)
    paragraphs = document.select(request.indices)
    width = max(3, len(str(len(document.paragraphs))))
    stems = [f"p{p.number:0{width}d}" for p in paragraphs]
    entries = plan_entries(
        document, paragraphs, stems, credits=request.credits, headings=request.headings
    )
    spoken = [e for e in entries if e.kind != PARAGRAPH]
    with folder_lock(folder):
        remove_leftovers(folder)
        plan = plan_voices(document, paragraphs, request.settings.voice)
        # Credits and headings are read by the voice of the document's language.
        spoken_voices = [plan.document_voice] * len(spoken)
        with MultiVoiceRenderer(
            request.settings,
            [*plan.voices, *spoken_voices],
            request.cache_dir,
            request.jobs,
            cluster=request.cluster,
            pronunciations=document_dictionary(document),
        ) as renderer:
            keys = renderer.keys(paragraphs, plan.voices)
            spoken_keys = renderer.keys([e.paragraph for e in spoken], spoken_voices)
            settings = [stems, list(request.formats), request.gap_ms, CODECS, SYNC_FORMAT]
            settings += [[(e.kind, e.stem, k) for e, k in zip(spoken, spoken_keys, strict=True)]]
            if books:
                settings.append(request.granularity)
            settings += [request.loudness, str(request.cover or ""), TAGS_FORMAT]
            settings.append(request.profile)
            digest = input_digest(document, paragraphs, keys, settings)
            old = Manifest.read(folder)
            if old.up_to_date(folder, digest):
                if request.progress is not None:
                    request.progress(len(paragraphs), len(paragraphs))
                return RenderSummary(
                    f"{folder} is up to date ({len(paragraphs)} paragraphs)",
                    len(paragraphs),
                    _recorded_seconds(folder / f"{request.base}.json"),
                    0,
                    notices=plan.notes,
                )
            # On RenderFailed nothing has been written: the folder keeps the earlier render,
            # the cache the paragraphs that did render, and the error names the others.
            clips = renderer.render_many(paragraphs, plan.voices, request.progress)
            synthesised = renderer.synthesised  # paragraphs, as the summary counts them
            said = renderer.render_many([e.paragraph for e in spoken], spoken_voices)
            corrupt = renderer.corrupt_notice()
            chosen = renderer.renderers.get(plan.document_voice)
            chosen = chosen or next(iter(renderer.renderers.values()))
            narrator = chosen.voice  # qualified, engine:id
        by_stem = dict(zip(stems, zip(clips, keys, strict=True), strict=True))
        said_stems = [e.stem for e in spoken]
        by_stem.update(zip(said_stems, zip(said, spoken_keys, strict=True), strict=True))
        job = _Plan(
            entries,
            [by_stem[e.stem][0] for e in entries],
            [by_stem[e.stem][1] for e in entries],
            copies,
            books,
            digest,
            old,
            narrator=narrator,
        )
        with staging_folder(folder) as stage:
            mastered: list[_Plan] = []
            _guard(lambda: mastered.append(_master(request, job, stage)), folder=folder)
            job = mastered[0]
            timeline, removed = _build_and_commit(request, job, stage)
    rate = timeline.sample_rate
    seconds = timeline.sample_count // rate
    files = len([f for f in request.formats if f in (*CODECS, "wav")]) + len(books) + 5
    line = (
        f"wrote {len(clips)} paragraphs ({seconds // 60}:{seconds % 60:02d}; "
        f"{synthesised} synthesised, {len(clips) - synthesised} from the cache) "
        f"and {files} full-length files to {folder}"
    ) + (f"; {corrupt}" if corrupt else "")
    preset = PRESETS.get(request.loudness)
    line += f"; loudness {job.measured[0].describe(preset)}" if job.measured else ""
    if preset is not None and not _measurable():
        line += "; loudness left as spoken (ffmpeg, which measures it, is not installed)"
    notices = (*plan.notes, *([removed_notice(removed, request)] if removed else []))
    level = job.measured[0] if job.measured else None
    return RenderSummary(
        line,
        len(clips),
        timeline.sample_count / rate,
        synthesised,
        notices=notices,
        loudness="" if level is None else f"{level.integrated:.1f} LUFS {level.true_peak:.1f} dBTP",
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the render produced, in the order spoken (paragraphs, and the credits and
    headings among them), and what the folder held before."""

    entries: Sequence[Entry]
    clips: Sequence[RenderedParagraph]
    keys: Sequence[str]
    copies: Sequence[str]
    books: Sequence[str]
    digest: str
    old: Manifest
    narrator: str = ""  # the voice, for the audiobook tags
    measured: list[Measurement] = field(default_factory=list)  # of the full-length audio

    @property
    def stems(self) -> list[str]:
        """The file stem of each entry."""
        return [entry.stem for entry in self.entries]


def _build_and_commit(
    request: RenderRequest, plan: _Plan, stage: Path
) -> tuple[Timeline, list[str]]:
    """Write every output into ``stage``, check it, then move the set into the folder;
    returns the timeline and the names of an earlier render's files that were removed."""
    folder, base, old, stems = request.out_dir, request.base, plan.old, plan.stems
    rate = plan.clips[0].sample_rate
    full_formats = [f for f in request.formats if f in (*CODECS, "wav")]
    gap = rate * request.gap_ms // 1000
    deliveries: list[Delivery] = []
    _guard(
        lambda: deliveries.append(_delivery(request, plan.narrator, full_formats, stage)),
        folder=folder,
    )
    job = Assembly(
        document=request.document,
        paragraphs=[entry.paragraph for entry in plan.entries],
        clips=plan.clips,
        stems=stems,
        folder=folder,
        stage=stage,
        sources={},
        base=base,
        gap=gap,
        full_formats=full_formats,
        copies=plan.copies,
        redo={},
        jobs=request.jobs,
        chapter_minutes=request.chapter_minutes,
        kinds=[entry.kind for entry in plan.entries],
        targets=entry_gaps(request.document, plan.entries, gap),
        delivery=deliveries[0],
    )
    timeline = plan_timeline(job)
    # A paragraph's files hold its following pause: they are unchanged only if both the
    # paragraph's audio (its cache key) and that pause are.
    records = {
        stem: f"{key}+{pause}"
        for stem, key, pause in zip(stems, plan.keys, timeline.gaps, strict=True)
    }
    stale = {
        stem
        for stem in stems
        if old.stems.get(stem) != records[stem]
        or not (old.unchanged(folder, f"{stem}.wav") and old.unchanged(folder, f"{stem}.json"))
    }
    sources = {stem: (stage if stem in stale else folder) / f"{stem}.wav" for stem in stems}
    for item, pause in zip(timeline.placed, timeline.gaps, strict=True):
        if item.stem in stale:
            _guard(partial(_write_paragraph, stage, item, pause), folder=folder)
    job = replace(job, sources=sources, redo=redo_sets(plan.copies, stems, stale, old, folder))
    audio = {fmt: f"{base}.{fmt}" for fmt in full_formats}
    encoded = [f for f in request.formats if f in CODECS]
    write_sync = partial(_write_sync_files, stage, base, audio, encoded[0] if encoded else "wav")

    def sync_task(timeline: Timeline) -> None:
        # The loudness of the full-length audio is measured while it is encoded, unless
        # the mastering measured it as it wrote the paragraphs.
        write_sync(timeline)
        if _measurable() and not plan.measured:
            plan.measured.append(measure_timeline(timeline))

    assemble(job, timeline, partial(_guard, folder=folder), sync_task)
    written = [f"{base}.{fmt}" for fmt in full_formats]
    # The book reads the paragraphs, each file ending where the next entry starts.
    padded = [
        (
            item.stem,
            RenderedParagraph(
                sources[item.stem],
                replace(item.clip.sync, sample_count=item.clip.sample_count + pause),
            ),
        )
        for item, pause in zip(timeline.placed, timeline.gaps, strict=True)
        if item.kind == PARAGRAPH
    ]
    for name in plan.books:
        mp3s = [(stage if s in job.redo["mp3"] else folder) / f"{s}.mp3" for s, _ in padded]
        clips = [clip for _, clip in padded]
        book = BookJob(request.document, clips, mp3s, stage, base, request.granularity)
        written.append(BOOK_FORMATS[name](book).name)
    names = [f"{s}.{ext}" for s in stems for ext in ("wav", "json", *plan.copies)]
    names += [*written, *(f"{base}.{ext}" for ext in ("vtt", "srt", "lrc", "m3u8", "json"))]
    if job.delivery.cover is not None:
        names.append(job.delivery.cover.name)
    removed: list[str] = []

    def move() -> None:
        removed.extend(
            commit(
                stage,
                folder,
                names,
                old,
                partial(Manifest.write, folder, plan.digest, records, names),
            )
        )

    _guard(move, folder=folder)
    return timeline, removed


def _write_paragraph(stage: Path, item: Placed, pause: int) -> None:
    """``pNNN.wav`` (the paragraph and the pause after it) and its sync map, in ``stage``."""
    write_padded_wav(item.clip.wav_path, pause, stage / f"{item.stem}.wav")
    write_text(stage / f"{item.stem}.json", paragraph_json(item, f"{item.stem}.wav", pause))


def _measurable() -> bool:
    """Whether ffmpeg is here to measure loudness (WAV alone needs no ffmpeg; then the
    level is left as the engine made it)."""
    return shutil.which("ffmpeg") is not None


def _master(request: RenderRequest, plan: _Plan, stage: Path) -> _Plan:
    """Master every entry's audio to the loudness preset (see ``mastering``) into
    ``stage``; the keys carry the gain, so a changed gain makes every file stale."""
    preset = PRESETS.get(request.loudness)
    if preset is None or not _measurable():
        return plan
    rate = plan.clips[0].sample_rate
    gaps = entry_gaps(request.document, plan.entries, rate * request.gap_ms // 1000)
    masters = stage / ".mastered"
    masters.mkdir(exist_ok=True)
    outputs = [masters / f"{stem}.wav" for stem in plan.stems]
    # The last render's tag, from its records ("<key>:<tag>+<pause>").
    previous = next(iter(plan.old.stems.values()), "").partition(":")[2].rpartition("+")[0]
    mastered = master(plan.clips, outputs, gaps, preset, jobs=request.jobs, previous=previous)
    keys = [f"{key}:{mastered.tag}" for key in plan.keys]
    return replace(plan, clips=mastered.clips, keys=keys, measured=[mastered.measured])


# Bumped when the tags or cover art change, so folders are encoded again.
TAGS_FORMAT = "tags-1"


def _delivery(
    request: RenderRequest, narrator: str, full_formats: Sequence[str], stage: Path
) -> Delivery:
    """The audiobook tags and the cover (written into ``stage`` as ``cover.jpg`` or
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
    if not [fmt for fmt in full_formats if fmt != "wav"]:
        return Delivery(tags, profile=request.profile)
    source = Path(document.path) if document.path else None
    cover = choose_cover(source, request.cover, document.title, author, stage)
    m4b = (("media_type", "2"),)
    return Delivery(tags, m4b_tags=m4b, cover=cover, profile=request.profile)


def removed_notice(removed: Sequence[str], request: RenderRequest) -> str:
    """One line naming what an earlier render left that this render replaced or dropped."""
    shown = ", ".join(removed[:4]) + (f" and {len(removed) - 4} more" if len(removed) > 4 else "")
    partial_render = len(request.indices) < len(request.document.paragraphs)
    why = (
        "the folder now holds only the paragraphs rendered and full-length files made of them"
        if partial_render
        else "they do not belong to this render"
    )
    return f"removed {len(removed)} files of an earlier render ({shown}): {why}"


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
