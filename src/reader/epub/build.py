"""Building an EPUB 3 with Media Overlays from a document and its narration.

Units: sync maps are in samples (per paragraph audio); clips and durations in whole
milliseconds; text positions are paragraph-local character offsets.

Layout inside the zip (all under ``EPUB/``): ``package.opf``, ``nav.xhtml``,
``css/book.css``, ``text/s001.xhtml`` per section, ``smil/s001.smil`` per section with
narrated paragraphs, ``audio/p0001.mp3`` (or ``.m4a``) per paragraph.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from reader.audio.encode import encode_all
from reader.audio.formats import KINDS, TOLERANCE_MS
from reader.audio.probe import Probe, exact_length, matches_format, probe_all, wav_length
from reader.document import Document
from reader.epub import content, package
from reader.epub.check import RERENDER, check_clips
from reader.epub.content import Granularity
from reader.epub.overlays import ParagraphOverlay, overlay_document, tile
from reader.errors import ReaderError
from reader.narration.timing import ParagraphSync, RenderedParagraph

AudioFormat = Literal["mp3", "aac"]
"""The book's audio: MP3, or AAC in MP4 (``.m4a``); see :mod:`reader.audio.formats`."""
AUDIO_FORMATS = ("mp3", "aac")


def _check_probe(
    path: Path, found: Probe, clip: RenderedParagraph, audio_format: AudioFormat
) -> None:
    number = clip.sync.paragraph_index + 1
    if not matches_format(found, audio_format):
        raise ReaderError(
            f"{path}: is {found.codec} in {found.container}, but the book's audio is "
            f"{audio_format} (paragraph {number})"
        )
    expected = clip.sync.duration_ms
    if abs(found.played_ms - expected) > TOLERANCE_MS:
        raise ReaderError(
            f"{path}: plays for {found.played_ms / 1000:.3f} s but the sync map of paragraph "
            f"{number} says {expected / 1000:.3f} s; {RERENDER}"
        )


def checked_audio(
    document: Document,
    clips: Sequence[RenderedParagraph],
    audio_format: AudioFormat,
    audio_files: Mapping[int, Path],
    workdir: Path,
) -> list[Path]:
    """One checked audio file per paragraph: the caller's (checked before any encoding
    starts, so a bad one fails fast), or a fresh encoding of a WAV whose length matches
    its sync map exactly. A supplied MP3 whose own gapless tag says it plays exactly its
    sync map's samples (the render's cuts) needs no ffprobe; the others are probed."""
    suffix = KINDS[audio_format].suffix
    unknown = sorted(set(audio_files) - {p.index for p in document.paragraphs})
    if unknown:
        raise ReaderError(f"audio files given for paragraphs that do not exist: {unknown[:5]}")
    paths: list[Path] = []
    supplied: list[int] = []
    jobs: list[tuple[Path, Path]] = []
    encoded: list[int] = []
    for paragraph, clip in zip(document.paragraphs, clips, strict=True):
        given = audio_files.get(paragraph.index)
        if given is not None:
            if not Path(given).is_file():
                raise ReaderError(f"{given}: no such audio file (paragraph {paragraph.number})")
            paths.append(Path(given))
            supplied.append(paragraph.index)
            continue
        if not clip.wav_path.is_file():
            raise ReaderError(f"{clip.wav_path}: no such WAV file; {RERENDER}")
        out = workdir / f"p{paragraph.number:04d}{suffix}"
        jobs.append((clip.wav_path, out))
        encoded.append(paragraph.index)
        paths.append(out)
    unsure = [
        index
        for index in supplied
        if exact_length(paths[index], audio_format)
        != (clips[index].sync.sample_rate, clips[index].sync.sample_count)
    ]
    for index, found in zip(unsure, probe_all([paths[i] for i in unsure]), strict=True):
        _check_probe(paths[index], found, clips[index], audio_format)
    for index in encoded:
        sync = clips[index].sync
        rate, frames = wav_length(clips[index].wav_path)
        if (rate, frames) != (sync.sample_rate, sync.sample_count):
            raise ReaderError(
                f"{clips[index].wav_path}: has {frames} samples at {rate} Hz but the sync map of "
                f"paragraph {index + 1} says {sync.sample_count} at {sync.sample_rate} Hz; "
                f"{RERENDER}"
            )
    encode_all(jobs, audio_format)
    return paths


@dataclass
class _Parts:
    """Everything of a book but its audio: texts by name, manifest, spine, overlays, and
    each paragraph's audio name inside the package."""

    texts: dict[str, str] = field(default_factory=dict)
    items: list[package.Item] = field(default_factory=list)
    spine: list[str] = field(default_factory=list)
    overlays: list[package.Overlay] = field(default_factory=list)
    audio_hrefs: list[str] = field(default_factory=list)


def _compose(
    document: Document, syncs: Sequence[ParagraphSync], granularity: Granularity, suffix: str
) -> _Parts:
    """The content documents, overlays and nav (this also checks that words nest in
    sentences, before any audio is encoded)."""
    lang = package.language_tag(document.metadata.language)
    media_type = next(k.media_type for k in KINDS.values() if k.suffix == suffix)
    parts = _Parts(texts={"css/book.css": content.STYLESHEET})
    parts.items += [
        package.Item("nav", "nav.xhtml", "application/xhtml+xml", properties="nav"),
        package.Item("css", "css/book.css", "text/css"),
    ]
    section_hrefs = [f"text/s{section.number:03d}.xhtml" for section in document.sections]
    for section, href in zip(document.sections, section_hrefs, strict=True):
        ident = f"s{section.number:03d}"
        parts.texts[href] = content.section_document(
            document,
            section,
            syncs,
            granularity=granularity,
            css_href="../css/book.css",
            lang=lang,
        )
        narrated: list[ParagraphOverlay] = []
        for index in section.paragraph_indices:
            paragraph, sync = document.paragraphs[index], syncs[index]
            audio_href = f"audio/p{paragraph.number:04d}{suffix}"
            parts.audio_hrefs.append(audio_href)
            parts.items.append(package.Item(f"a{paragraph.number:04d}", audio_href, media_type))
            units = content.overlay_units(paragraph, sync, granularity)
            pid = content.paragraph_id(paragraph)
            clips = tile(
                units.units,
                units.ids,
                rate=sync.sample_rate,
                sample_count=sync.sample_count,
                whole_id=pid,
            )
            narrated.append(ParagraphOverlay(pid, audio_href, clips))
        overlay_id = ""
        if narrated:
            overlay_id = f"mo-{ident}"
            smil_href = f"smil/{ident}.smil"
            parts.texts[smil_href] = overlay_document(f"../{href}", narrated, "../")
            parts.items.append(package.Item(overlay_id, smil_href, "application/smil+xml"))
            duration = sum(overlay.duration_ms for overlay in narrated)
            parts.overlays.append(package.Overlay(overlay_id, duration))
        parts.items.append(package.Item(ident, href, "application/xhtml+xml", overlay=overlay_id))
        parts.spine.append(ident)
    parts.texts["nav.xhtml"] = content.nav_document(
        document, section_hrefs, css_href="css/book.css", lang=lang
    )
    parts.texts["package.opf"] = package.package_document(
        document,
        lang=lang,
        items=parts.items,
        spine=parts.spine,
        overlays=parts.overlays,
        granularity=granularity,
        active_class=content.ACTIVE_CLASS,
        modified=datetime.now(UTC),
    )
    return parts


def build_epub(
    document: Document,
    clips: Sequence[RenderedParagraph],
    out_path: Path,
    *,
    granularity: Granularity = "sentence",
    audio_format: AudioFormat = "mp3",
    audio_files: Mapping[int, Path] | None = None,
) -> Path:
    """Write an EPUB 3 book with Media Overlays to ``out_path`` and return it.

    ``clips`` are the narrated paragraphs in order, one per document paragraph.
    ``granularity`` chooses what the reading system highlights (each sentence or each
    word). ``audio_files`` may give already-encoded MP3 (``audio_format="mp3"``) or AAC in
    MP4 (``"aac"``) files keyed by 0-based paragraph index; the other paragraphs' WAVs are
    encoded with ffmpeg, one process per core. Every audio file must play for its sync
    map's length within 30 ms (read from its gapless tag, or probed). The book is written
    atomically (temporary file and rename). Raises :class:`~reader.errors.ReaderError` for
    narration that does not fit the document, missing or unreadable audio, or a missing
    ffmpeg.
    """
    if granularity not in ("sentence", "word"):
        raise ReaderError(f"unknown highlight granularity {granularity!r}; use sentence or word")
    if audio_format not in AUDIO_FORMATS:
        raise ReaderError(f"unknown audio format {audio_format!r}; use mp3 or aac")
    check_clips(document, clips)
    parts = _compose(
        document, [clip.sync for clip in clips], granularity, KINDS[audio_format].suffix
    )
    with tempfile.TemporaryDirectory(prefix="reader-epub-") as work:
        paths = checked_audio(document, clips, audio_format, audio_files or {}, Path(work))
        files = dict(zip(parts.audio_hrefs, paths, strict=True))
        return package.write_epub(out_path, parts.texts, files)
