"""Ranges, sections, search and the plain-text export layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.document import Document
from reader.errors import ReaderError
from reader.export import ExportOptions, export_text, to_ascii, write_atomically
from reader.selection import describe_selection, parse_ranges, select_paragraphs


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("3-7,12", [2, 3, 4, 5, 6, 11]),
        ("5", [4]),
        ("58-", [57, 58, 59]),
        (" 2 , 1 ", [0, 1]),
        ("1-1", [0]),
        ("60", [59]),
        ("3–4", [2, 3]),
    ],
)
def test_parse_ranges(spec: str, expected: list[int]) -> None:
    assert parse_ranges(spec, 60) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("0", "paragraph 0 does not exist; paragraphs run from 1 to 60"),
        ("61", "paragraph 61 does not exist; paragraphs run from 1 to 60"),
        ("7-3", "runs backwards"),
        ("abc", "'abc' is not a paragraph number or range; paragraphs run from 1 to 60"),
        ("", "paragraphs run from 1 to 60"),
        ("1-99999999999999999999", "1 to 60"),
    ],
)
def test_parse_ranges_errors(spec: str, message: str) -> None:
    with pytest.raises(ReaderError, match=message.replace("(", r"\(")):
        parse_ranges(spec, 60)


def test_sections_and_search(addresses: Document) -> None:
    assert select_paragraphs(addresses, section="2") == [1, 2, 3]
    assert select_paragraphs(addresses, section="gettysburg") == [1, 2, 3]
    assert select_paragraphs(addresses, section="Notes", paragraphs="9-11") == [8, 9, 10]
    assert select_paragraphs(addresses, search="ASK NOT") == [6, 7]
    assert select_paragraphs(addresses, search="your country") == [6]
    with pytest.raises(ReaderError, match="sections are 1: Two American"):
        select_paragraphs(addresses, section="Preface")
    with pytest.raises(ReaderError, match="sections run from 1 to 4"):
        select_paragraphs(addresses, section="9")
    with pytest.raises(ReaderError, match="no paragraph contains"):
        select_paragraphs(addresses, search="zebra")


def test_describe_selection() -> None:
    assert describe_selection([2, 3, 4, 5, 6], 60) == "Paragraphs 3 to 7 of 60"
    assert describe_selection([11], 60) == "Paragraph 12 of 60"
    assert describe_selection([2, 3, 4, 11], 60) == "Paragraphs 3 to 5, 12 of 60"


def test_export_layout(speech: Document) -> None:
    text = export_text(speech, [2, 3], ExportOptions())
    lines = text.split("\n")
    assert lines[0] == speech.metadata.title
    assert lines[1] == "Paragraphs 3 to 4 of 60"
    assert lines[2] == ""
    assert lines[3] == speech.paragraphs[2].text
    assert lines[4] == ""
    assert lines[5] == speech.paragraphs[3].text
    assert text.endswith(speech.paragraphs[3].text + "\n")


def test_export_numbered_wrapped_ascii(speech: Document) -> None:
    text = export_text(speech, [2], ExportOptions(numbered=True, ascii=True, wrap=40))
    body = text.split("\n\n", 1)[1]
    assert body.startswith("[3] I want to thank you all")
    assert all(len(line) <= 40 for line in body.splitlines())
    assert text.isascii()
    assert " - and I look forward" in " ".join(body.split("\n"))


def test_every_paragraph_exported(speech: Document) -> None:
    text = export_text(speech, range(60), ExportOptions())
    for paragraph in speech.paragraphs:
        assert paragraph.text in text


def test_to_ascii_keeps_what_it_cannot_map() -> None:
    assert to_ascii("“Café” — naïve…") == '"Cafe" -- naive...'
    assert to_ascii("Αθήνα 東京") == "Αθήνα 東京"


def test_atomic_write(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomically(target, "one\n", force=False)
    assert target.read_text() == "one\n"
    with pytest.raises(ReaderError, match="--force"):
        write_atomically(target, "two\n", force=False)
    write_atomically(target, "two\n", force=True)
    assert target.read_text() == "two\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with pytest.raises(ReaderError, match="no such folder"):
        write_atomically(tmp_path / "missing" / "x.txt", "x", force=False)
