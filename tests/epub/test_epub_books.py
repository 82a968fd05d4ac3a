"""Real books from real eSpeak NG audio: EPUBCheck passes, clips match the sync maps, the
audio lasts what the overlays say, and every paragraph's text is kept.

The sync maps here are the proportional TEST FIXTURE timings (see epub_fixtures.py); the
audio, ffmpeg, ffprobe and EPUBCheck are real.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from epub_fixtures import NS, Book, ms_of, run_epubcheck, speak_document

from reader.document import Document
from reader.epub import build_epub
from reader.narration.timing import RenderedParagraph


@dataclass(frozen=True)
class Built:
    document: Document
    clips: list[RenderedParagraph]
    book: Book
    granularity: str
    audio_format: str


def _build(document: Document, folder: Path, granularity: str, audio_format: str) -> Built:
    clips = speak_document(document, folder / "wav")
    out = build_epub(
        document,
        clips,
        folder / "book.epub",
        granularity=granularity,  # type: ignore[arg-type]
        audio_format=audio_format,  # type: ignore[arg-type]
    )
    return Built(document, clips, Book(out), granularity, audio_format)


# Two books: the speech's opening (sentences, MP3), and hostile text followed by a real
# document with headings (words, AAC).
CASES = ("speech_head", "mixed")
SETTINGS = {"speech_head": ("sentence", "mp3"), "mixed": ("word", "aac")}


@pytest.fixture(scope="module")
def speech_head_book(speech_head: Document, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(speech_head, tmp_path_factory.mktemp("head"), *SETTINGS["speech_head"])


@pytest.fixture(scope="module")
def mixed_book(mixed: Document, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(mixed, tmp_path_factory.mktemp("mixed"), *SETTINGS["mixed"])


@pytest.fixture(params=CASES)
def built(request: pytest.FixtureRequest) -> Built:
    book: Built = request.getfixturevalue(f"{request.param}_book")
    return book


def _probe_played_ms(path: Path) -> float:
    """ffprobe's duration less the stream start (the encoder delay a decoder skips)."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "format=duration:stream=start_time",
            "-of",
            "default=nw=1",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = dict(line.split("=", 1) for line in out.split())
    return (float(values["duration"]) - float(values["start_time"])) * 1000.0


def check_epubcheck_clean(built: Built, tmp_path: Path) -> None:
    messages = run_epubcheck(built.book.path, tmp_path / "report.json")
    assert messages == [], [(m["severity"], m["ID"], m["message"]) for m in messages]


def check_clips_match_sync(built: Built) -> None:
    pars = built.book.pars()
    for paragraph, clip in zip(built.document.paragraphs, built.clips, strict=True):
        sync = clip.sync
        units = sync.words if built.granularity == "word" else sync.sentences
        kind = "w" if built.granularity == "word" else "s"
        mine = [p for p in pars if p.fragment.startswith(f"p{paragraph.number}-")]
        assert [p.fragment for p in mine] == [
            f"p{paragraph.number}-{kind}{k}" for k in range(1, len(units) + 1)
        ]
        assert {p.audio for p in mine} == {
            f"EPUB/audio/p{paragraph.number:04d}"
            + (".m4a" if built.audio_format == "aac" else ".mp3")
        }
        # The clips tile the file: first at 0, each next where the last ended, last at the end.
        assert mine[0].begin_ms == 0
        assert mine[-1].end_ms == ms_of(sync.sample_count, sync.sample_rate)
        for before, after in itertools.pairwise(mine):
            assert before.end_ms == after.begin_ms
        for par, unit in zip(mine, units, strict=True):
            start = unit.start_sample * 1000 / sync.sample_rate
            end = unit.end_sample * 1000 / sync.sample_rate
            if par is not mine[0]:
                assert par.begin_ms == ms_of(unit.start_sample, sync.sample_rate)
                assert abs(par.begin_ms - start) <= 0.5
            assert par.begin_ms <= start + 0.5 and end - 0.5 <= par.end_ms


def check_durations(built: Built, tmp_path: Path) -> None:
    book = built.book
    pars = book.pars()
    total = 0
    for item in book.manifest():
        if item["media-type"] == "application/smil+xml":
            overlay = sum(p.end_ms - p.begin_ms for p in pars if p.smil == item["id"])
            (declared,) = book.meta("media:duration", refines=f"#{item['id']}")
            assert parse_ms(declared) == overlay
            total += overlay
    (declared_total,) = book.meta("media:duration")
    assert parse_ms(declared_total) == total
    audio = sorted(name for name in book.data if name.startswith("EPUB/audio/"))
    assert len(audio) == len(built.document.paragraphs)
    paths = []
    for name in audio:
        paths.append(tmp_path / Path(name).name)
        paths[-1].write_bytes(book.data[name])
    with ThreadPoolExecutor(max_workers=2) as pool:
        played = list(pool.map(_probe_played_ms, paths))
    for name, played_ms in zip(audio, played, strict=True):
        clips_ms = sum(p.end_ms - p.begin_ms for p in pars if p.audio == name)
        assert abs(played_ms - clips_ms) <= 30, name


def parse_ms(value: str) -> int:
    from epub_fixtures import parse_clock

    return parse_clock(value)


def check_text_kept(built: Built) -> None:
    elements = built.book.elements_by_id()
    for paragraph, clip in zip(built.document.paragraphs, built.clips, strict=True):
        _, element = elements[f"p{paragraph.number}"]
        assert element.tag == f"{{{NS['x']}}}p"
        assert "".join(element.itertext()) == paragraph.text
        for k, sentence in enumerate(clip.sync.sentences, start=1):
            _, span = elements[f"p{paragraph.number}-s{k}"]
            assert "".join(span.itertext()) == sentence.text
        if built.granularity == "word":
            for k, word in enumerate(clip.sync.words, start=1):
                _, span = elements[f"p{paragraph.number}-w{k}"]
                assert "".join(span.itertext()) == word.text
    # Every fragment an overlay points at exists in the file it names.
    for par in built.book.pars():
        assert elements[par.fragment][0] == par.text_file


def check_nav(built: Built) -> None:
    nav = built.book.xml("EPUB/nav.xhtml")
    toc = nav.find(".//x:nav", NS)
    assert toc is not None and toc.get(f"{{{NS['epub']}}}type") == "toc"
    sections = toc.findall("x:ol/x:li", NS)
    assert len(sections) == len(built.document.sections)
    elements = built.book.elements_by_id()
    links = [a.get("href", "") for a in toc.iterfind("x:ol/x:li/x:ol/x:li/x:a", NS)]
    assert links == [
        f"{Path(elements[f'p{p.number}'][0]).parent.name}/{Path(elements[f'p{p.number}'][0]).name}"
        f"#p{p.number}"
        for p in built.document.paragraphs
    ]
    titles = ["".join(li.find("x:a", NS).itertext()) for li in sections]  # type: ignore[union-attr]
    for section, title in zip(built.document.sections, titles, strict=True):
        assert title == (section.title or built.document.title)


def check_zip_layout(built: Built) -> None:
    first = built.book.infos[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b""
    assert built.book.data["mimetype"] == b"application/epub+zip"
    raw = built.book.path.read_bytes()
    assert raw[30:38] == b"mimetype" and raw[38:58] == b"application/epub+zip"


def check_metadata(built: Built) -> None:
    book, meta = built.book, built.document.metadata
    assert book.dc("title") == [built.document.title]
    assert book.dc("language") == [meta.language]
    assert book.dc("creator") == ([meta.speaker] if meta.speaker else [])
    (modified,) = book.meta("dcterms:modified")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified)
    (active,) = book.meta("media:active-class")
    css = book.data["EPUB/css/book.css"].decode()
    rule = re.search(rf"\.{re.escape(active)}\s*\{{([^}}]*)\}}", css)
    assert rule is not None
    # Not colour alone: an underline and an outline as well as the background.
    assert "text-decoration: underline" in rule.group(1) and "outline:" in rule.group(1)
    assert set(book.meta("schema:accessMode")) == {"textual", "auditory"}
    assert "synchronizedAudioText" in book.meta("schema:accessibilityFeature")
    assert book.meta("schema:accessModeSufficient")
    assert book.meta("schema:accessibilityHazard") == ["none"]
    (summary,) = book.meta("schema:accessibilitySummary")
    assert built.granularity in summary
    for name, content in book.data.items():
        if name.endswith(".xhtml"):
            html = book.xml(name)
            assert html.get("lang") == meta.language
            assert html.get("{http://www.w3.org/XML/1998/namespace}lang") == meta.language
            assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_book_passes_epubcheck(built: Built, tmp_path: Path) -> None:
    check_epubcheck_clean(built, tmp_path)


def test_book_structure(built: Built, tmp_path: Path) -> None:
    check_clips_match_sync(built)
    check_durations(built, tmp_path)
    check_text_kept(built)
    check_nav(built)
    check_zip_layout(built)
    check_metadata(built)


def test_speech_metadata_in_the_package(speech_head_book: Built) -> None:
    built = speech_head_book
    assert built.book.dc("date") == ["2018-03-16"]
    assert built.book.dc("creator") == ["Attorney General Sessions"]


def test_headings_become_sections(mixed_book: Built) -> None:
    built, document = mixed_book, mixed_book.document
    spine = [i.get("idref") for i in built.book.opf.iterfind("opf:spine/opf:itemref", NS)]
    assert len(spine) == len(document.sections) > 5
    headings = []
    for section in document.sections:
        html = built.book.xml(f"EPUB/text/s{section.number:03d}.xhtml")
        level = min(max(section.level, 1), 6)
        heading = html.find(f".//x:h{level}", NS)
        assert heading is not None
        headings.append(heading.text)
    assert headings == [s.title or document.title for s in document.sections]
    assert "Gettysburg" in " ".join(str(h) for h in headings)
    # A heading with no paragraphs is a content document without an overlay.
    (empty,) = [s for s in document.sections if not len(s)]
    (item,) = [i for i in built.book.manifest() if i["id"] == f"s{empty.number:03d}"]
    assert "media-overlay" not in item


def test_paragraph_without_timed_units_is_one_clip(speech_head_book: Built, tmp_path: Path) -> None:
    document, clips = speech_head_book.document, list(speech_head_book.clips)
    clips[1] = dataclasses.replace(
        clips[1], sync=dataclasses.replace(clips[1].sync, sentences=(), words=())
    )
    book = Book(build_epub(document, clips, tmp_path / "b.epub"))
    mine = [p for p in book.pars() if p.audio == "EPUB/audio/p0002.mp3"]
    assert [(p.fragment, p.begin_ms, p.end_ms) for p in mine] == [
        ("p2", 0, ms_of(clips[1].sync.sample_count, clips[1].sync.sample_rate))
    ]
    _, element = book.elements_by_id()["p2"]
    assert "".join(element.itertext()) == document.paragraphs[1].text


@pytest.mark.slow
def test_full_speech_book(speech: Document, tmp_path: Path) -> None:
    # EPUBCheck and the independent ffprobe of every file run on the speech's opening above
    # (same code paths); the build itself probes every file and refuses one off by > 30 ms.
    built = _build(speech, tmp_path, "sentence", "mp3")
    check_clips_match_sync(built)
    check_text_kept(built)
    assert len(built.book.pars()) == sum(len(p.sentences) for p in speech.paragraphs)
