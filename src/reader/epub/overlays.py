"""Media Overlays (SMIL 3): which text element is active during which span of which audio.

Units: sync maps give sample indices; clips are whole milliseconds, rounded half up from
samples (``ms(sample) = round(sample * 1000 / rate)``), written as SMIL full clock values
``H:MM:SS.mmm``.

Clips tile each paragraph's audio with no gap and no overlap: the first clip starts at 0,
every later clip starts exactly at its unit's ``start_sample`` and ends where the next one
starts, and the last ends at ``sample_count``. The pauses the engine puts between sentences
(and words) so stay in the audio and are played, instead of being skipped by a reading
system that jumps from one clip to the next; the active text is the unit just spoken until
the next one starts. The sum of a file's clips is exactly its length in the sync map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reader.epub import escape
from reader.narration.timing import TimedUnit


@dataclass(frozen=True, slots=True)
class Clip:
    """One ``<par>``: the element ``fragment`` (an id) is active from ``begin_ms`` to
    ``end_ms`` of the paragraph's audio file."""

    fragment: str
    begin_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class ParagraphOverlay:
    """The clips of one paragraph, its element id and its audio file (hrefs relative to
    the EPUB's package folder)."""

    paragraph_id: str
    audio_href: str
    clips: tuple[Clip, ...]

    @property
    def duration_ms(self) -> int:
        """The length of the paragraph's audio covered by the clips."""
        return self.clips[-1].end_ms - self.clips[0].begin_ms if self.clips else 0


def to_ms(sample: int, rate: int) -> int:
    """Whole milliseconds of a sample index, rounded half up (integer arithmetic)."""
    return (sample * 2000 + rate) // (2 * rate)


def clock(ms: int) -> str:
    """A SMIL full clock value, ``H:MM:SS.mmm``."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def tile(
    units: Sequence[TimedUnit],
    ids: Sequence[str],
    *,
    rate: int,
    sample_count: int,
    whole_id: str,
) -> tuple[Clip, ...]:
    """Clips covering ``[0, sample_count)`` for ``units`` (named by ``ids``).

    A unit whose clip would round to zero milliseconds is left out of the overlay (its text
    stays in the book; the clip before it runs on). With no units at all, one clip for
    ``whole_id`` (the paragraph) covers the whole file.
    """
    end = to_ms(sample_count, rate)
    if not units:
        return (Clip(whole_id, 0, end),)
    bounds = [0, *(to_ms(unit.start_sample, rate) for unit in units[1:]), end]
    clips = [
        Clip(ident, begin, stop)
        for ident, begin, stop in zip(ids, bounds, bounds[1:], strict=False)
        if stop > begin
    ]
    return tuple(clips)


def overlay_document(text_href: str, paragraphs: Sequence[ParagraphOverlay], prefix: str) -> str:
    """The SMIL document of one content document. ``text_href`` is the content document
    relative to the SMIL file; ``prefix`` is the path from the SMIL file to the package
    folder (for audio hrefs)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops"'
        ' version="3.0">',
        "<body>",
        f'<seq id="seq" epub:textref="{escape.attr(text_href)}">',
    ]
    for paragraph in paragraphs:
        target = f"{text_href}#{paragraph.paragraph_id}"
        audio = escape.attr(prefix + paragraph.audio_href)
        lines.append(
            f'<seq id="seq-{paragraph.paragraph_id}" epub:textref="{escape.attr(target)}">'
        )
        for clip in paragraph.clips:
            lines.append(
                f'<par id="par-{clip.fragment}">'
                f'<text src="{escape.attr(text_href)}#{clip.fragment}"/>'
                f'<audio src="{audio}" clipBegin="{clock(clip.begin_ms)}"'
                f' clipEnd="{clock(clip.end_ms)}"/></par>'
            )
        lines.append("</seq>")
    lines += ["</seq>", "</body>", "</smil>", ""]
    return "\n".join(lines)


def merge_repeats(clips: Sequence[Clip]) -> tuple[Clip, ...]:
    """Clips in a row that highlight the same element become one (a sentence that fell
    back to its paragraph next to another that did)."""
    merged: list[Clip] = []
    for clip in clips:
        if merged and merged[-1].fragment == clip.fragment and merged[-1].end_ms == clip.begin_ms:
            merged[-1] = Clip(clip.fragment, merged[-1].begin_ms, clip.end_ms)
        else:
            merged.append(clip)
    return tuple(merged)


def book_overlay_document(text_href: str, paragraphs: Sequence[ParagraphOverlay]) -> str:
    """The SMIL document of one content document of a reader's own book. Unlike
    :func:`overlay_document`, the ids of ``seq`` and ``par`` are counters (the book's own
    ids can repeat: a paragraph highlighted whole for two sentences apart), and
    ``paragraphs[k].audio_href`` is already relative to the SMIL file."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops"'
        ' version="3.0">',
        f'<body epub:textref="{escape.attr(text_href)}">',
    ]
    count = 0
    for number, paragraph in enumerate(paragraphs, start=1):
        target = f"{text_href}#{paragraph.paragraph_id}"
        audio = escape.attr(paragraph.audio_href)
        lines.append(f'<seq id="seq{number}" epub:textref="{escape.attr(target)}">')
        for clip in paragraph.clips:
            count += 1
            lines.append(
                f'<par id="par{count}">'
                f'<text src="{escape.attr(text_href)}#{escape.attr(clip.fragment)}"/>'
                f'<audio src="{audio}" clipBegin="{clock(clip.begin_ms)}"'
                f' clipEnd="{clock(clip.end_ms)}"/></par>'
            )
        lines.append("</seq>")
    lines += ["</body>", "</smil>", ""]
    return "\n".join(lines)
