"""Fixtures for the EPUB tests: real eSpeak NG audio per paragraph, with TEST-ONLY timings.

The WAVs are real (the ``espeak-ng`` CLI, one process per paragraph). The sync maps are
not: :func:`fixture_sync_spread_proportionally` spreads each paragraph's words over its
audio in proportion to their character positions. That is enough to exercise the packager
against the data contract; the real timings come from the narration renderer.
"""

from __future__ import annotations

import os
import subprocess
import wave
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

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


Speaker = Callable[[Document, Path], list[RenderedParagraph]]


@pytest.fixture(scope="session")
def speak() -> Speaker:
    return speak_document


@pytest.fixture(scope="session")
def hostile() -> Document:
    return parse_text(HOSTILE, markdown=True, path="hostile.md")


@pytest.fixture(scope="session")
def speech_head(speech: Document) -> Document:
    return first_paragraphs(speech, 5)


def paragraph_numbers(document: Document) -> Sequence[int]:
    return [p.number for p in document.paragraphs]
