"""The package around the content: OPF metadata, manifest and spine, the container file,
and the zip written atomically with ``mimetype`` first and stored.

Units: durations are whole milliseconds written as SMIL clock values; dates are W3C-DTF
(``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``); ``dcterms:modified`` is UTC to the second.
"""

from __future__ import annotations

import re
import shutil
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reader.atomic import atomic_file
from reader.document import Document
from reader.epub import escape
from reader.epub.overlays import clock
from reader.errors import EXIT_FAILURE, ReaderError

PACKAGE_DIR = "EPUB"
CONTAINER = f"""<?xml version="1.0" encoding="UTF-8"?>
<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">
<rootfiles>
<rootfile full-path="{PACKAGE_DIR}/package.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
"""
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2}) ([A-Za-z]+)\.?,? (\d{4})")
# Well-formed BCP 47 in outline: a 2-3 letter (or 4-8 letter registered) language, then
# subtags of 1-8 letters or digits.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True, slots=True)
class Item:
    """One manifest entry; ``href`` is relative to the package folder."""

    ident: str
    href: str
    media_type: str
    properties: str = ""
    overlay: str = ""


@dataclass(frozen=True, slots=True)
class Overlay:
    """A Media Overlay document's manifest id and duration in milliseconds."""

    ident: str
    duration_ms: int


def w3c_date(value: str) -> str | None:
    """The date as W3C-DTF, or None when it is not one date ("1863, 1961")."""
    value = value.strip()
    if _ISO_DATE.fullmatch(value):
        return value
    for pattern, month_group, day_group in ((_MONTH_DAY_YEAR, 1, 2), (_DAY_MONTH_YEAR, 2, 1)):
        match = pattern.fullmatch(value)
        if match:
            month = _MONTHS.get(match.group(month_group).lower())
            day = int(match.group(day_group))
            if month and 1 <= day <= 31:
                return f"{match.group(3)}-{month:02d}-{day:02d}"
    return None


def language_tag(value: str) -> str:
    """The document's language if it is a well-formed tag, else ``und`` (undetermined)."""
    value = value.strip()
    return value if _LANGUAGE_TAG.fullmatch(value) else "und"


def identifier(document: Document) -> str:
    """A stable ``urn:uuid``: the same text and metadata give the same book identity, so a
    rebuilt book replaces the old one in a library instead of appearing twice."""
    name = "\n".join([*document.metadata.as_dict().values(), document.text])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'reader-epub:' + name)}"


def summary(document: Document, granularity: str) -> str:
    """The accessibility summary: what the book offers and what it does not."""
    unit = "word" if granularity == "word" else "sentence"
    return (
        f"Every paragraph of the text comes with synthetic-speech narration; during playback "
        f"the reading system highlights each {unit} as it is spoken (underlined and outlined, "
        f"not by colour alone). The table of contents lists every section and paragraph. "
        f"Headings and the title information are text only and are not narrated. "
        f"The book has no images, no hazards and no fixed layout. "
        f"{len(document.paragraphs)} paragraphs."
    )


def package_document(
    document: Document,
    *,
    lang: str,
    items: Sequence[Item],
    spine: Sequence[str],
    overlays: Sequence[Overlay],
    granularity: str,
    active_class: str,
    modified: datetime,
) -> str:
    """The OPF package document."""
    meta = document.metadata
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid"'
        f' xml:lang="{escape.attr(lang)}">',
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">',
        f'<dc:identifier id="uid">{identifier(document)}</dc:identifier>',
        f"<dc:title>{escape.text(document.title)}</dc:title>",
        f"<dc:language>{escape.text(lang)}</dc:language>",
    ]
    if meta.speaker:
        lines.append(f'<dc:creator id="creator">{escape.text(meta.speaker)}</dc:creator>')
    date = w3c_date(meta.date)
    if date:
        lines.append(f"<dc:date>{date}</dc:date>")
    if meta.source:
        lines.append(f"<dc:source>{escape.text(meta.source)}</dc:source>")
    stamp = modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines.append(f'<meta property="dcterms:modified">{stamp}</meta>')
    total = sum(overlay.duration_ms for overlay in overlays)
    if overlays:
        for overlay in overlays:
            lines.append(
                f'<meta property="media:duration" refines="#{overlay.ident}">'
                f"{clock(overlay.duration_ms)}</meta>"
            )
        lines.append(f'<meta property="media:duration">{clock(total)}</meta>')
        lines.append(f'<meta property="media:active-class">{active_class}</meta>')
    for prop, value in (
        ("accessMode", "textual"),
        ("accessMode", "auditory"),
        ("accessModeSufficient", "textual"),
        ("accessModeSufficient", "textual,auditory"),
        ("accessibilityFeature", "synchronizedAudioText"),
        ("accessibilityFeature", "structuralNavigation"),
        ("accessibilityFeature", "tableOfContents"),
        ("accessibilityFeature", "readingOrder"),
        ("accessibilityHazard", "none"),
        ("accessibilitySummary", summary(document, granularity)),
    ):
        lines.append(f'<meta property="schema:{prop}">{escape.text(value)}</meta>')
    lines += ["</metadata>", "<manifest>"]
    for item in items:
        extra = f' properties="{item.properties}"' if item.properties else ""
        if item.overlay:
            extra += f' media-overlay="{item.overlay}"'
        lines.append(
            f'<item id="{item.ident}" href="{escape.attr(item.href)}"'
            f' media-type="{item.media_type}"{extra}/>'
        )
    lines += ["</manifest>", "<spine>"]
    lines += [f'<itemref idref="{ident}"/>' for ident in spine]
    lines += ["</spine>", "</package>", ""]
    return "\n".join(lines)


def _entry(name: str, compression: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """A zip entry readable by everyone, dated now (local time, as zip dates are)."""
    info = zipfile.ZipInfo(name, datetime.now().timetuple()[:6])
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def write_epub(out_path: Path, texts: dict[str, str], files: dict[str, Path]) -> Path:
    """Zip the book to ``out_path`` atomically: a temporary file in the same folder, then a
    rename, so no half-written book ever sits under the final name.

    ``texts`` maps names inside the package folder to their text (deflated); ``files`` maps
    names to audio files on disk (stored: MP3 and AAC do not compress further).
    """
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        # A book is meant to be opened by other programs: world-readable, whatever the umask.
        with (
            atomic_file(out_path, permissions=0o644) as handle,
            zipfile.ZipFile(handle, "w") as book,
        ):
            # The first entry, stored, no extra field: reading systems sniff these bytes.
            book.writestr(_entry("mimetype", zipfile.ZIP_STORED), "application/epub+zip")
            book.writestr(_entry("META-INF/container.xml"), CONTAINER)
            for name, content in texts.items():
                book.writestr(_entry(f"{PACKAGE_DIR}/{name}"), content)
            for name, path in files.items():
                entry = _entry(f"{PACKAGE_DIR}/{name}", zipfile.ZIP_STORED)
                with path.open("rb") as source, book.open(entry, "w") as target:
                    shutil.copyfileobj(source, target)
    except OSError as error:
        raise ReaderError(
            f"{out_path}: could not be written ({error.strerror})", EXIT_FAILURE
        ) from None
    return out_path
