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
from datetime import UTC, datetime
from pathlib import Path

from reader.document import Document
from reader.epub import audio, content, package
from reader.epub.audio import AudioFormat
from reader.epub.check import RERENDER, check_clips
from reader.epub.content import Granularity
from reader.epub.overlays import ParagraphOverlay, overlay_document, tile, to_ms
from reader.errors import ReaderError
from reader.narration.timing import RenderedParagraph

# How far an audio file's played length may be from its sync map (issue 5: 30 ms). MP3
# keeps up to one frame of end padding (26 ms at 22.05 kHz), see reader.epub.audio.
TOLERANCE_MS = 30.0


def _audio(
    document: Document,
    clips: Sequence[RenderedParagraph],
    audio_format: AudioFormat,
    audio_files: Mapping[int, Path],
    workdir: Path,
) -> list[Path]:
    """One checked audio file per paragraph: the caller's, or a fresh encoding."""
    suffix = audio.KINDS[audio_format].suffix
    unknown = sorted(set(audio_files) - {p.index for p in document.paragraphs})
    if unknown:
        raise ReaderError(f"audio files given for paragraphs that do not exist: {unknown[:5]}")
    paths: list[Path] = []
    jobs: list[tuple[Path, Path]] = []
    for paragraph, clip in zip(document.paragraphs, clips, strict=True):
        supplied = audio_files.get(paragraph.index)
        if supplied is not None:
            if not Path(supplied).is_file():
                raise ReaderError(f"{supplied}: no such audio file (paragraph {paragraph.number})")
            paths.append(Path(supplied))
            continue
        if not clip.wav_path.is_file():
            raise ReaderError(f"{clip.wav_path}: no such WAV file; {RERENDER}")
        out = workdir / f"p{paragraph.number:04d}{suffix}"
        jobs.append((clip.wav_path, out))
        paths.append(out)
    encoded = {out for _, out in jobs}
    given = [path for path in paths if path not in encoded]
    found = dict(zip([out for _, out in jobs], audio.encode_all(jobs, audio_format), strict=True))
    found.update(zip(given, audio.probe_all(given), strict=True))
    for paragraph, clip, path in zip(document.paragraphs, clips, paths, strict=True):
        probe = found[path]
        if not audio.matches_format(probe, audio_format):
            raise ReaderError(
                f"{path}: is {probe.codec} in {probe.container}, but the book's audio is "
                f"{audio_format} (paragraph {paragraph.number})"
            )
        expected = clip.sync.duration_ms
        if abs(probe.played_ms - expected) > TOLERANCE_MS:
            raise ReaderError(
                f"{path}: plays for {probe.played_ms / 1000:.3f} s but the sync map of paragraph "
                f"{paragraph.number} says {expected / 1000:.3f} s; {RERENDER}"
            )
    return paths


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
    encoded with ffmpeg, one process per core. Every audio file is probed and must play for
    its sync map's length within 30 ms. The book is written atomically (temporary file and
    rename). Raises :class:`~reader.errors.ReaderError` for narration that does not fit the
    document, missing or unreadable audio, or a missing ffmpeg.
    """
    if granularity not in ("sentence", "word"):
        raise ReaderError(f"unknown highlight granularity {granularity!r}; use sentence or word")
    if audio_format not in audio.KINDS:
        raise ReaderError(f"unknown audio format {audio_format!r}; use mp3 or aac")
    check_clips(document, clips)
    lang = package.language_tag(document.metadata.language)
    kind = audio.KINDS[audio_format]
    syncs = [clip.sync for clip in clips]
    with tempfile.TemporaryDirectory(prefix="reader-epub-") as work:
        paths = _audio(document, clips, audio_format, audio_files or {}, Path(work))
        texts: dict[str, str] = {"css/book.css": content.STYLESHEET}
        files: dict[str, Path] = {}
        items = [
            package.Item("nav", "nav.xhtml", "application/xhtml+xml", properties="nav"),
            package.Item("css", "css/book.css", "text/css"),
        ]
        spine: list[str] = []
        overlays: list[package.Overlay] = []
        section_hrefs = [f"text/s{section.number:03d}.xhtml" for section in document.sections]
        for section, href in zip(document.sections, section_hrefs, strict=True):
            ident = f"s{section.number:03d}"
            texts[href] = content.section_document(
                document,
                section,
                syncs,
                granularity=granularity,
                css_href="../css/book.css",
                lang=lang,
            )
            narrated: list[ParagraphOverlay] = []
            for index in section.paragraph_indices:
                paragraph = document.paragraphs[index]
                sync = syncs[index]
                audio_href = f"audio/p{paragraph.number:04d}{kind.suffix}"
                files[audio_href] = paths[index]
                items.append(package.Item(f"a{paragraph.number:04d}", audio_href, kind.media_type))
                units = content.overlay_units(paragraph, sync, granularity)
                pid = content.paragraph_id(paragraph)
                clip_list = tile(
                    units.units,
                    units.ids,
                    rate=sync.sample_rate,
                    sample_count=sync.sample_count,
                    whole_id=pid,
                )
                narrated.append(ParagraphOverlay(pid, audio_href, clip_list))
            overlay_id = ""
            if narrated:
                overlay_id = f"mo-{ident}"
                smil_href = f"smil/{ident}.smil"
                texts[smil_href] = overlay_document(f"../{href}", narrated, "../")
                items.append(package.Item(overlay_id, smil_href, "application/smil+xml"))
                duration = sum(
                    to_ms(syncs[i].sample_count, syncs[i].sample_rate)
                    for i in section.paragraph_indices
                )
                overlays.append(package.Overlay(overlay_id, duration))
            items.append(package.Item(ident, href, "application/xhtml+xml", overlay=overlay_id))
            spine.append(ident)
        texts["nav.xhtml"] = content.nav_document(
            document, section_hrefs, css_href="css/book.css", lang=lang
        )
        texts["package.opf"] = package.package_document(
            document,
            lang=lang,
            items=items,
            spine=spine,
            overlays=overlays,
            granularity=granularity,
            active_class=content.ACTIVE_CLASS,
            modified=datetime.now(UTC),
        )
        return package.write_epub(out_path, texts, files)
