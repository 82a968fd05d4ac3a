"""Sync maps and subtitle formats for rendered paragraphs and the full-length audio.

``Timeline`` places each rendered paragraph in the full-length audio (its sample offset,
after the gaps before it). The writers turn it into: per-paragraph and whole-document JSON
sync maps, WebVTT (one cue per sentence, inline word timestamps), SRT (sentence cues),
enhanced LRC (word timestamps), an M3U8 playlist and FFMETADATA chapters and tags.

Units: sample indices at the paragraphs' sample rate; milliseconds derived from them by
flooring (so a unit's end never passes the next unit's start); character offsets are
paragraph-local code points. Cue times in the text formats are in the full-length audio.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reader.document import Document, Paragraph
from reader.narration.timing import ParagraphSync, RenderedParagraph, TimedUnit
from reader.outline import opening_words

SYNC_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Placed:
    """A rendered paragraph at ``offset`` samples into the full-length audio."""

    paragraph: Paragraph
    clip: RenderedParagraph
    offset: int
    stem: str  # file name without extension, e.g. "p007"

    @property
    def end(self) -> int:
        """The sample just after the paragraph's audio in the full-length audio."""
        return self.offset + self.clip.sample_count


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter of the full-length audio, in samples."""

    start: int
    end: int
    title: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """The paragraphs as laid out in the full-length audio, each followed by its gap."""

    document: Document
    placed: tuple[Placed, ...]
    gaps: tuple[int, ...]  # silence after each paragraph, in samples (0 after the last)
    sample_rate: int

    @property
    def sample_count(self) -> int:
        """Length of the full-length audio."""
        return self.placed[-1].end if self.placed else 0

    def chapters(self) -> list[Chapter]:
        """One chapter per section when the document has headings, else per paragraph."""
        titled = any(section.title for section in self.document.sections)
        starts: list[tuple[int, str]] = []
        seen: set[int] = set()
        for item in self.placed:
            if titled:
                section = self.document.section_of(item.paragraph)
                if section.index in seen:
                    continue
                seen.add(section.index)
                title = section.title or self.document.title
            else:
                title = f"{item.paragraph.number}. {opening_words(item.paragraph.text, 6)}"
            starts.append((item.offset, title))
        ends = [start for start, _ in starts[1:]] + [self.sample_count]
        return [
            Chapter(0 if i == 0 else start, end, title)
            for i, ((start, title), end) in enumerate(zip(starts, ends, strict=True))
        ]


def target_gaps(document: Document, paragraphs: Sequence[Paragraph], gap: int) -> list[int]:
    """The pause after each paragraph: ``gap`` samples, twice that where a heading comes
    before the next paragraph (a new section with a title), none after the last."""
    gaps = []
    for index, paragraph in enumerate(paragraphs):
        if index + 1 == len(paragraphs):
            gaps.append(0)
            continue
        following = paragraphs[index + 1]
        heading = (
            following.section_index != paragraph.section_index
            and document.sections[following.section_index].title
        )
        gaps.append(gap * 2 if heading else gap)
    return gaps


def build_timeline(
    document: Document,
    clips: Sequence[RenderedParagraph],
    paragraphs: Sequence[Paragraph],
    gaps: Sequence[int],
    stems: Sequence[str],
) -> Timeline:
    """Lay the paragraphs end to end, each followed by its gap."""
    placed: list[Placed] = []
    offset = 0
    for paragraph, clip, stem, gap in zip(paragraphs, clips, stems, gaps, strict=True):
        placed.append(Placed(paragraph, clip, offset, stem))
        offset += clip.sample_count + gap
    sample_rate = clips[0].sample_rate if clips else 22050
    return Timeline(document, tuple(placed), tuple(gaps), sample_rate)


def ms(samples: int, sample_rate: int) -> int:
    """Whole milliseconds (floored) of a sample position."""
    return samples * 1000 // sample_rate


def _unit(unit: TimedUnit, rate: int, offset: int = 0) -> dict[str, Any]:
    start, end = unit.start_sample + offset, unit.end_sample + offset
    return {
        "text": unit.text,
        "char_start": unit.char_start,
        "char_end": unit.char_end,
        "start_sample": start,
        "end_sample": end,
        "start_ms": round(start * 1000 / rate, 3),
        "end_ms": round(end * 1000 / rate, 3),
    }


def paragraph_map(
    paragraph: Paragraph, sync: ParagraphSync, audio: str, offset: int = 0
) -> dict[str, Any]:
    """The sync map of one paragraph (``offset`` shifts it into a longer audio file)."""
    rate = sync.sample_rate
    whole = TimedUnit(0, sync.sample_count, 0, len(paragraph.text), paragraph.text)
    return {
        "format": SYNC_FORMAT,
        "number": paragraph.number,
        "audio": audio,
        "sample_rate": rate,
        "sample_count": sync.sample_count,
        "duration_ms": round(sync.duration_ms, 3),
        "paragraph": _unit(whole, rate, offset),
        "sentences": [_unit(u, rate, offset) for u in sync.sentences],
        "words": [_unit(u, rate, offset) for u in sync.words],
    }


def paragraph_json(item: Placed, audio: str) -> str:
    """``p001.json``: the paragraph's own sync map (times in its own audio file)."""
    return json.dumps(paragraph_map(item.paragraph, item.clip.sync, audio), ensure_ascii=False)


def read_paragraph_json(text: str, paragraph: Paragraph) -> ParagraphSync:
    """Rebuild a ``ParagraphSync`` from ``paragraph_json`` output."""
    data = json.loads(text)

    def units(key: str) -> tuple[TimedUnit, ...]:
        return tuple(
            TimedUnit(u["start_sample"], u["end_sample"], u["char_start"], u["char_end"], u["text"])
            for u in data[key]
        )

    return ParagraphSync(
        paragraph.index,
        data["sample_rate"],
        data["sample_count"],
        units("words"),
        units("sentences"),
    )


def document_json(timeline: Timeline, audio: dict[str, str], extension: str) -> Iterator[str]:
    """The whole-document sync map, in pieces (one paragraph at a time, so a book's map is
    never held in memory whole): every paragraph placed in the full-length audio."""
    rate = timeline.sample_rate
    head = {
        "format": SYNC_FORMAT,
        "title": timeline.document.title,
        "metadata": timeline.document.metadata.as_dict(),
        "sample_rate": rate,
        "sample_count": timeline.sample_count,
        "duration_ms": round(timeline.sample_count * 1000 / rate, 3),
        "audio": audio,
        "chapters": [
            {"title": c.title, "start_ms": ms(c.start, rate), "end_ms": ms(c.end, rate)}
            for c in timeline.chapters()
        ],
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "paragraphs": ['
    for index, item in enumerate(timeline.placed):
        entry = {
            "offset_samples": item.offset,
            "paragraph_audio": f"{item.stem}.{extension}",
            **paragraph_map(item.paragraph, item.clip.sync, audio.get(extension, ""), item.offset),
        }
        yield ("," if index else "") + json.dumps(entry, ensure_ascii=False)
    yield "]}\n"


def _clock(milliseconds: int, separator: str = ".") -> str:
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _lrc_clock(milliseconds: int) -> str:
    minutes, rest = divmod(milliseconds, 60_000)
    return f"{minutes:02d}:{rest // 1000:02d}.{rest % 1000 // 10:02d}"


_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int  # ms
    end: int  # ms
    pieces: tuple[tuple[int, str], ...]  # (word start ms, text from this word to the next)


def _cues(timeline: Timeline) -> Iterator[_Cue]:
    """Sentence cues in the full-length audio with the words inside them."""
    rate = timeline.sample_rate
    for item in timeline.placed:
        sync, text = item.clip.sync, item.paragraph.text
        starts = [w.char_start for w in sync.words]
        for sentence in sync.sentences:
            start, end = (
                ms(item.offset + sentence.start_sample, rate),
                ms(item.offset + sentence.end_sample, rate),
            )
            if end <= start:
                continue
            # Words are in text order: find the sentence's run by bisection, not a scan.
            words = sync.words[
                bisect_left(starts, sentence.char_start) : bisect_left(starts, sentence.char_end)
            ]
            pieces: list[tuple[int, str]] = []
            cursor = sentence.char_start
            for index, word in enumerate(words):
                stop = words[index + 1].char_start if index + 1 < len(words) else sentence.char_end
                piece = text[cursor if index == 0 else word.char_start : stop]
                cursor = stop
                pieces.append((ms(item.offset + word.start_sample, rate), piece))
            if not pieces:
                pieces.append((start, text[sentence.char_start : sentence.char_end]))
            yield _Cue(start, end, tuple(pieces))


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(timeline: Timeline) -> str:
    """WebVTT: one cue per sentence, each later word preceded by its ``<hh:mm:ss.mmm>``."""
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(_cues(timeline), 1):
        body = ""
        last = cue.start
        for word_ms, piece in cue.pieces:
            if last < word_ms < cue.end:
                body += f"<{_clock(word_ms)}>"
                last = word_ms
            body += _escape_vtt(piece.replace("\n", " "))
        lines += [str(number), f"{_clock(cue.start)} --> {_clock(cue.end)}", _flat(body), ""]
    return "\n".join(lines)


def srt(timeline: Timeline) -> str:
    """SRT: one cue per sentence."""
    lines = []
    for number, cue in enumerate(_cues(timeline), 1):
        text = _flat("".join(piece for _, piece in cue.pieces))
        lines += [str(number), f"{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}", text, ""]
    return "\n".join(lines)


def lrc(timeline: Timeline) -> str:
    """Enhanced LRC: a line per sentence, ``<mm:ss.xx>`` before every word."""
    lines = [f"[ti:{_flat(timeline.document.title)}]"]
    if speaker(timeline.document):
        lines.append(f"[ar:{_flat(speaker(timeline.document))}]")
    lines.append(f"[length:{_lrc_clock(ms(timeline.sample_count, timeline.sample_rate))[:5]}]")
    for cue in _cues(timeline):
        words = "".join(f"<{_lrc_clock(at)}>{_flat(piece)} " for at, piece in cue.pieces)
        lines.append(f"[{_lrc_clock(cue.start)}]{words.rstrip()}")
    return "\n".join(lines) + "\n"


def m3u8(timeline: Timeline, extension: str) -> str:
    """An extended M3U playlist of the paragraph files, with titles."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_flat(timeline.document.title)}"]
    for item in timeline.placed:
        seconds = round(item.clip.sample_count / item.clip.sample_rate, 3)
        title = f"{item.paragraph.number}. {opening_words(item.paragraph.text, 8)}"
        lines += [f"#EXTINF:{seconds},{_flat(title)}", f"{item.stem}.{extension}"]
    return "\n".join(lines) + "\n"


def _meta_escape(text: str) -> str:
    return re.sub(r"([=;#\\\n])", r"\\\1", _flat(text))


def iso_date(text: str) -> str:
    """``March 16, 2018`` as ``2018-03-16`` (ID3 wants ISO dates); other text unchanged."""
    for pattern in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y-%m-%d", "%B %Y", "%Y"):
        try:
            parsed = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return parsed.strftime({"%B %Y": "%Y-%m", "%Y": "%Y"}.get(pattern, "%Y-%m-%d"))
    return text


def speaker(document: Document) -> str:
    """Who speaks or wrote the text (the ``artist`` tag), where known."""
    extra = dict(document.metadata.extra)
    return document.metadata.speaker or extra.get("author", "") or extra.get("artist", "")


def ffmetadata(timeline: Timeline) -> str:
    """FFMETADATA: tags (title, artist = speaker, album, date) and the chapters in ms."""
    document, rate = timeline.document, timeline.sample_rate
    meta = document.metadata
    tags = {
        "title": document.title,
        "artist": speaker(document),
        "album": document.title,
        "date": iso_date(meta.date) if meta.date else "",
        "comment": meta.source,
    }
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_meta_escape(value)}" for key, value in tags.items() if value]
    for chapter in timeline.chapters():
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={ms(chapter.start, rate)}",
            f"END={ms(chapter.end, rate)}",
            f"title={_meta_escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"
