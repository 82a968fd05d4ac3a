"""Sync maps and subtitle formats for rendered paragraphs and the full-length audio.

``Timeline`` places each rendered paragraph in the full-length audio (its sample offset,
after the gaps before it). The writers turn it into: per-paragraph and whole-document JSON
sync maps, WebVTT (readable cues, see ``captions``, with inline word timestamps), SRT (the
same cues), enhanced LRC (word timestamps), an M3U8 playlist and FFMETADATA chapters and tags.

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
from reader.narration.captions import Cue, Token, join, split_cues
from reader.narration.chapters import (
    DEFAULT_MINUTES,
    Chapter,
    PlacedParagraph,
    plan_chapters,
    vorbis_comments,
)
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
    kind: str = "paragraph"  # or an announcement: "opening", "heading", "closing"

    @property
    def end(self) -> int:
        """The sample just after the paragraph's audio in the full-length audio."""
        return self.offset + self.clip.sample_count


@dataclass(frozen=True, slots=True)
class Timeline:
    """The paragraphs as laid out in the full-length audio, each followed by its gap."""

    document: Document
    placed: tuple[Placed, ...]
    gaps: tuple[int, ...]  # silence after each paragraph, in samples (0 after the last)
    sample_rate: int
    chapter_minutes: float = DEFAULT_MINUTES  # chapter length for texts without sections

    @property
    def sample_count(self) -> int:
        """Length of the full-length audio."""
        return self.placed[-1].end if self.placed else 0

    def chapters(self) -> list[Chapter]:
        """At most 255 chapters: one per section when the document has sections, else
        about ``chapter_minutes`` each (see ``chapters.plan_chapters``)."""
        placed = []
        heading: int | None = None
        for item in self.placed:
            if item.kind == "heading":
                heading = item.offset
            elif item.kind == "paragraph":
                # A section's chapter starts where its heading is spoken.
                start = item.offset if heading is None else heading
                placed.append(PlacedParagraph(item.paragraph, start, item.end))
                heading = None
        return plan_chapters(
            self.document,
            placed,
            self.sample_count,
            self.sample_rate,
            minutes=self.chapter_minutes,
        )


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
    *,
    chapter_minutes: float = DEFAULT_MINUTES,
    kinds: Sequence[str] = (),
) -> Timeline:
    """Lay the paragraphs end to end, each followed by its gap (``kinds``: what each one
    is, when some are announcements; see ``announcements``)."""
    placed: list[Placed] = []
    offset = 0
    kinds = kinds or ["paragraph"] * len(clips)
    for paragraph, clip, stem, gap, kind in zip(paragraphs, clips, stems, gaps, kinds, strict=True):
        placed.append(Placed(paragraph, clip, offset, stem, kind))
        offset += clip.sample_count + gap
    sample_rate = clips[0].sample_rate if clips else 22050
    return Timeline(document, tuple(placed), tuple(gaps), sample_rate, chapter_minutes)


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
    paragraph: Paragraph,
    sync: ParagraphSync,
    audio: str,
    offset: int = 0,
    pause: int = 0,
    *,
    own_file: bool = False,
) -> dict[str, Any]:
    """The sync map of one paragraph (``offset`` shifts it into a longer audio file).

    ``pause`` is the silence after the paragraph (``pause_after_samples``). A paragraph's
    own file holds its following pause, so there (``own_file``) ``sample_count`` is the
    file's length, pause included; in the whole-document map it is the paragraph's span
    in the full-length audio, as it always was. The ``paragraph`` unit ends where the
    speech does either way."""
    rate = sync.sample_rate
    whole = TimedUnit(0, sync.sample_count, 0, len(paragraph.text), paragraph.text)
    length = sync.sample_count + (pause if own_file else 0)
    return {
        "format": SYNC_FORMAT,
        "number": paragraph.number,
        "audio": audio,
        "sample_rate": rate,
        "sample_count": length,
        "duration_ms": round(length * 1000 / rate, 3),
        "pause_after_samples": pause,
        "paragraph": _unit(whole, rate, offset),
        "sentences": [_unit(u, rate, offset) for u in sync.sentences],
        "words": [_unit(u, rate, offset) for u in sync.words],
    }


def paragraph_json(item: Placed, audio: str, pause: int = 0) -> str:
    """``p001.json``: the paragraph's own sync map (times in its own audio file, which
    ends with the ``pause`` samples of silence that follow the paragraph). An
    announcement's map has its ``kind`` where a paragraph's has its ``number``."""
    map_ = paragraph_map(item.paragraph, item.clip.sync, audio, pause=pause, own_file=True)
    if item.kind != "paragraph":
        map_ = {"kind" if key == "number" else key: value for key, value in map_.items()}
        map_["kind"] = item.kind
    return json.dumps(map_, ensure_ascii=False)


def _announcement(item: Placed, pause: int, extension: str, rate: int) -> dict[str, Any]:
    """An announcement in the whole-document map: what was said, where, and its file."""
    return {
        "kind": item.kind,
        "text": item.paragraph.text,
        "section": item.paragraph.section_index + 1,
        "offset_samples": item.offset,
        "sample_count": item.clip.sample_count,
        "pause_after_samples": pause,
        "start_ms": round(item.offset * 1000 / rate, 3),
        "end_ms": round(item.end * 1000 / rate, 3),
        "audio": f"{item.stem}.{extension}",
    }


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
    pairs = list(zip(timeline.placed, timeline.gaps, strict=True))
    # Spoken credits and headings apart from the paragraphs, so readers of ``paragraphs``
    # see exactly what they always did (see ``announcements``).
    head["announcements"] = [
        _announcement(item, pause, extension, rate)
        for item, pause in pairs
        if item.kind != "paragraph"
    ]
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "paragraphs": ['
    for index, (item, pause) in enumerate(p for p in pairs if p[0].kind == "paragraph"):
        in_full = audio.get(extension, "")
        entry = {
            "offset_samples": item.offset,
            "paragraph_audio": f"{item.stem}.{extension}",
            **paragraph_map(item.paragraph, item.clip.sync, in_full, item.offset, pause),
        }
        yield ("," if index else "") + json.dumps(entry, ensure_ascii=False)
    yield "]}\n"


def _clock(milliseconds: int, separator: str = ".") -> str:
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def lrc_clock(milliseconds: int) -> str:
    """An LRC time tag's ``mm:ss.xx`` (hundredths floored)."""
    # LRC has no hours: minutes run past 99 (``[105:03.20]``), as MusicBee, Jellyfin and
    # the other readers that take long files expect; seconds in hundredths, floored.
    minutes, rest = divmod(milliseconds, 60_000)
    return f"{minutes:02d}:{rest // 1000:02d}.{rest % 1000 // 10:02d}"


def lrc_length(milliseconds: int) -> str:
    """The ``[length:]`` tag's ``mm:ss``; minutes past 99 as they are."""
    minutes, rest = divmod(milliseconds, 60_000)
    return f"{minutes:02d}:{rest // 1000:02d}"


_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _tokens(text: str, start: int, end: int, words: Sequence[tuple[int, int, int]]) -> list[Token]:
    """A sentence's tokens: ``text`` is the sentence, ``words`` its (start ms, char start,
    char end) relative to it. Each token runs from its word to the next word, so the
    document's own punctuation and spacing stay between the word timestamps."""
    if not words:
        # No word timings: spread the sentence's words over its time by their position.
        spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        length = max(1, len(text))
        words = [(start + (end - start) * a // length, a, b) for a, b in spans]
    tokens: list[Token] = []
    for index, (at, char_start, _) in enumerate(words):
        last = index + 1 == len(words)
        stop_char = len(text) if last else words[index + 1][1]
        piece = text[0 if index == 0 else char_start : stop_char]
        stop = end if last else max(at, words[index + 1][0])
        # White space inside a piece (a stray " ." after a word) is a place to break a
        # line too: its parts share the word's time.
        parts = _flat(piece).split(" ") if piece.strip() else []
        for number, part in enumerate(parts, 1):
            last_part = number == len(parts)
            space = piece[-1:].isspace() if last_part else True
            tokens.append(Token(at, stop if last_part else at, part, space))
    return tokens


def _cues(timeline: Timeline) -> Iterator[Cue]:
    """Readable caption cues (see ``captions``) in the full-length audio, sentence by
    sentence, with the words inside them."""
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
            base = sentence.char_start
            timed = [
                (ms(item.offset + w.start_sample, rate), w.char_start - base, w.char_end - base)
                for w in words
            ]
            sentence_text = text[sentence.char_start : sentence.char_end]
            tokens = _tokens(sentence_text, start, end, timed)
            yield from split_cues(start, end, tokens)


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(timeline: Timeline) -> str:
    """WebVTT: readable cues (at most two lines of 42 characters, 7 s), each later word
    preceded by its ``<hh:mm:ss.mmm>`` timestamp (karaoke)."""
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(_cues(timeline), 1):
        last = cue.start
        rows = []
        for row in cue.lines:
            body = ""
            for index, token in enumerate(row):
                if last < token.at < cue.end:
                    body += f"<{_clock(token.at)}>"
                    last = token.at
                body += _escape_vtt(token.text)
                if token.space and index + 1 < len(row):
                    body += " "
            rows.append(body)
        lines += [str(number), f"{_clock(cue.start)} --> {_clock(cue.end)}", *rows, ""]
    return "\n".join(lines)


def srt(timeline: Timeline) -> str:
    """SRT: the same readable cues as the WebVTT file, without word timestamps."""
    lines = []
    for number, cue in enumerate(_cues(timeline), 1):
        rows = [join(row) for row in cue.lines]
        lines += [str(number), f"{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}", *rows, ""]
    return "\n".join(lines)


def lrc(timeline: Timeline) -> str:
    """Enhanced LRC: a line per caption cue, ``<mm:ss.xx>`` before every word and the
    document's own text (spacing and punctuation) between the timestamps."""
    lines = [f"[ti:{_flat(timeline.document.title)}]"]
    if speaker(timeline.document):
        lines.append(f"[ar:{_flat(speaker(timeline.document))}]")
    lines.append(f"[length:{lrc_length(ms(timeline.sample_count, timeline.sample_rate))}]")
    for cue in _cues(timeline):
        tokens = cue.tokens
        words = "".join(
            # One timestamp per word: the parts of one piece share theirs.
            ("" if i and t.at == tokens[i - 1].at else f"<{lrc_clock(t.at)}>")
            + t.text
            + (" " if t.space and i + 1 < len(tokens) else "")
            for i, t in enumerate(tokens)
        )
        lines.append(f"[{lrc_clock(cue.start)}]{words}")
    return "\n".join(lines) + "\n"


def m3u8(timeline: Timeline, extension: str) -> str:
    """An extended M3U playlist of the paragraph files, with titles."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_flat(timeline.document.title)}"]
    for item, pause in zip(timeline.placed, timeline.gaps, strict=True):
        # The paragraph files end with the pause that follows them.
        seconds = round((item.clip.sample_count + pause) / item.clip.sample_rate, 3)
        title = f"{item.paragraph.number}. {opening_words(item.paragraph.text, 8)}"
        if item.kind != "paragraph":
            title = item.paragraph.text
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


def ffmetadata(timeline: Timeline, *, vorbis: bool = False) -> str:
    """FFMETADATA: tags (title, artist = speaker, album, date) and the chapters in ms.

    ``vorbis`` (for OGG, whose muxer drops ``[CHAPTER]`` blocks) adds the chapters as
    ``CHAPTERnnn``/``CHAPTERnnnNAME`` tags too; other formats would keep them as stray
    text tags, so they are asked only for OGG."""
    document, rate = timeline.document, timeline.sample_rate
    meta = document.metadata
    tags = {
        "title": document.title,
        "artist": speaker(document),
        "album": document.title,
        "date": iso_date(meta.date) if meta.date else "",
        "comment": meta.source,
    }
    chapters = timeline.chapters()
    if vorbis:
        tags.update(vorbis_comments(chapters, rate))
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_meta_escape(value)}" for key, value in tags.items() if value]
    for chapter in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={ms(chapter.start, rate)}",
            f"END={ms(chapter.end, rate)}",
            f"title={_meta_escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"
