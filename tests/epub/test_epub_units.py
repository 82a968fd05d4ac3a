"""The pure parts of the EPUB packager: clock values, clip tiling, dates, language tags,
identifiers and the markup of hostile text (no audio needed here)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from epub_fixtures import fixture_sync_spread_proportionally
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.document import Document
from reader.epub import escape
from reader.epub.content import nav_document, paragraph_markup
from reader.epub.overlays import Clip, clock, tile, to_ms
from reader.epub.package import identifier, language_tag, w3c_date
from reader.ingest import parse_text
from reader.narration.timing import TimedUnit


@pytest.mark.parametrize(
    ("sample", "rate", "ms"),
    [
        (0, 22050, 0),
        (22050, 22050, 1000),
        (11, 22050, 0),
        (12, 22050, 1),
        (441, 44100, 10),
        (2205, 22050, 100),
        (33, 22050, 1),
        (22, 44100, 0),
        (23, 44100, 1),
    ],
)
def test_to_ms_rounds_half_up(sample: int, rate: int, ms: int) -> None:
    assert to_ms(sample, rate) == ms


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0:00:00.000"),
        (1, "0:00:00.001"),
        (61_001, "0:01:01.001"),
        (3_600_000, "1:00:00.000"),
        (36_000_000 + 59_999, "10:00:59.999"),
    ],
)
def test_clock(ms: int, text: str) -> None:
    assert clock(ms) == text


def _unit(start: int, end: int) -> TimedUnit:
    return TimedUnit(start, end, 0, 1, "x")


def test_tile_covers_the_file_without_gaps() -> None:
    units = [_unit(2205, 4410), _unit(6615, 11025), _unit(13230, 20000)]
    clips = tile(units, ["a", "b", "c"], rate=22050, sample_count=22050, whole_id="p1")
    assert clips == (Clip("a", 0, 300), Clip("b", 300, 600), Clip("c", 600, 1000))


def test_tile_leaves_out_a_unit_shorter_than_a_millisecond() -> None:
    units = [_unit(0, 100), _unit(2205, 2210), _unit(2215, 4000)]
    clips = tile(units, ["a", "b", "c"], rate=22050, sample_count=4410, whole_id="p1")
    assert clips == (Clip("a", 0, 100), Clip("c", 100, 200))


def test_tile_without_units_covers_the_paragraph() -> None:
    assert tile([], [], rate=22050, sample_count=22050, whole_id="p7") == (Clip("p7", 0, 1000),)


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("March 16, 2018", "2018-03-16"),
        ("16 March 2018", "2018-03-16"),
        ("Sept. 3, 1999", "1999-09-03"),
        ("2018", "2018"),
        ("2018-03", "2018-03"),
        ("2018-03-16", "2018-03-16"),
        ("1863, 1961", None),
        ("", None),
        ("yesterday", None),
        ("Smarch 3, 2000", None),
    ],
)
def test_w3c_date(value: str, date: str | None) -> None:
    assert w3c_date(value) == date


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("en", "en"),
        ("en-GB", "en-GB"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("", "und"),
        ("English", "English"),
        ("en GB", "und"),
        ("<en>", "und"),
        ("e", "und"),
    ],
)
def test_language_tag(value: str, tag: str) -> None:
    assert language_tag(value) == tag


def test_identifier_is_stable_and_tracks_the_text() -> None:
    one = parse_text("Hello there.", markdown=False)
    assert identifier(one) == identifier(parse_text("Hello there.", markdown=False))
    assert identifier(one) != identifier(parse_text("Hello here.", markdown=False))
    assert identifier(one).startswith("urn:uuid:")


def test_escape_is_length_preserving_and_well_formed() -> None:
    nasty = "a\ufffeb\uffffc\x01d\ud800e&<>\"'"
    assert len(escape.xml_safe(nasty)) == len(nasty)
    element = ET.fromstring(f'<p title="{escape.attr(nasty)}">{escape.text(nasty)}</p>')
    assert element.text == escape.xml_safe(nasty)
    assert element.get("title") == escape.xml_safe(nasty)


def _markup_round_trip(document: Document, granularity: str) -> None:
    for paragraph in document.paragraphs:
        sync = fixture_sync_spread_proportionally(paragraph, 100 * len(paragraph.text) + 100)
        markup = paragraph_markup(paragraph, sync, granularity)  # type: ignore[arg-type]
        element = ET.fromstring(markup)
        assert "".join(element.itertext()) == escape.xml_safe(paragraph.text)
        spans = {e.get("id"): "".join(e.itertext()) for e in element.iter("span")}
        for k, sentence in enumerate(sync.sentences, start=1):
            assert spans[f"p{paragraph.number}-s{k}"] == escape.xml_safe(sentence.text)
        if granularity == "word":
            for k, word in enumerate(sync.words, start=1):
                assert spans[f"p{paragraph.number}-w{k}"] == escape.xml_safe(word.text)


def test_hostile_markup_keeps_every_character(hostile: Document) -> None:
    for granularity in ("sentence", "word"):
        _markup_round_trip(hostile, granularity)
    nav = nav_document(
        hostile,
        ["text/s001.xhtml", "text/s002.xhtml", "text/s003.xhtml"],
        css_href="css/book.css",
        lang="en",
    )
    ET.fromstring(nav.split("\n", 2)[2])  # parses after the XML declaration and doctype


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_any_text_becomes_well_formed_markup(text: str) -> None:
    document = parse_text(text, markdown=False)
    for granularity in ("sentence", "word"):
        _markup_round_trip(document, granularity)


def test_epub_package_is_headless() -> None:
    import subprocess
    import sys

    code = "import sys, reader.epub; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
