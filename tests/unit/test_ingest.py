"""Reading files: encodings, line ends, Markdown, refusals and hostile content."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from reader.document import Document
from reader.errors import ReaderError
from reader.ingest import load_document, parse_text

TEXT = "Première ligne — “quoted”.\n\nSecond paragraph here."


@pytest.mark.parametrize(
    ("data", "notice"),
    [
        (TEXT.encode("utf-8"), False),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), False),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), False),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), False),
        (TEXT.encode("cp1252"), True),
        (TEXT.replace("\n", "\r\n").encode("utf-8"), False),
        (TEXT.replace("\n", "\r").encode("utf-8"), False),
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "cp1252", "crlf", "cr"],
)
def test_encodings_and_line_ends(tmp_path: Path, data: bytes, notice: bool) -> None:
    path = tmp_path / "text.txt"
    path.write_bytes(data)
    document = load_document(path)
    assert [p.text for p in document.paragraphs] == [
        "Première ligne — “quoted”.",
        "Second paragraph here.",
    ]
    assert bool(document.notices) == notice


def test_nfc_normalisation() -> None:
    document = parse_text("Cafe\u0301 au lait.", markdown=False)
    assert document.paragraphs[0].text == "Café au lait."


def test_legacy_bytes_stay_letters(tmp_path: Path) -> None:
    # 0x81 and 0x90 are undefined in Windows-1252: each goes alone (0x90 used to become
    # a C1 DCS that swallowed the rest of the file); 0x80-0x9F otherwise stay punctuation.
    path = tmp_path / "legacy.txt"
    path.write_bytes(b"caf\xe9 \x81 ok \x93quoted\x94 \x90 \x96 more.\n\nSecond \x80.")
    document = load_document(path)
    assert [p.text for p in document.paragraphs] == [
        "café ok “quoted” – more.",
        "Second €.",
    ]
    assert "windows-1252" in document.notices[0]
    assert "removed 2" in document.notices[-1]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\t\r\n  \n", "empty"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("nul.txt", b"text\x00more", "binary"),
        ("bad16.txt", codecs.BOM_UTF16_LE + b"a", "UTF-16"),
    ],
)
def test_refusals(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReaderError, match=message) as caught:
        load_document(path)
    assert caught.value.exit_code == 2
    assert str(path) in str(caught.value)


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="no such file"):
        load_document(tmp_path / "nope.txt")
    with pytest.raises(ReaderError, match="folder"):
        load_document(tmp_path)


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 300_000)
    with pytest.raises(ReaderError, match="limit"):
        load_document(path, max_bytes=1024 * 1024)
    monkeypatch.setenv("READER_MAX_MB", "1")
    with pytest.raises(ReaderError, match="limit"):
        load_document(path)
    monkeypatch.setenv("READER_MAX_MB", "2")
    assert len(load_document(path).paragraphs) == 1
    monkeypatch.setenv("READER_MAX_MB", "lots")
    with pytest.raises(ReaderError, match="READER_MAX_MB"):
        load_document(path)


HOSTILE = (
    "Red \x1b[31malert\x1b[0m here.\x07 Title \x1b]0;pwned\x07set.\x08\x08 "
    "C1 \x9b2J csi and \x85 nel. Bidi \u202eevil\u202c text. Tab\there.\n\n"
    "Second \x1bPdcs\x1b\\ para \x1b7 \x1bc done."
)


def test_hostile_controls_are_removed() -> None:
    document = parse_text(HOSTILE, markdown=False)
    for paragraph in document.paragraphs:
        for char in paragraph.text:
            assert ord(char) >= 0x20, repr(char)
            assert not 0x7F <= ord(char) <= 0x9F, repr(char)
            assert char not in "\u202a\u202b\u202c\u202d\u202e"
    joined = " ".join(p.text for p in document.paragraphs)
    assert "[31m" not in joined
    assert "pwned" not in joined
    assert "alert" in joined
    assert "Red alert here." in joined
    assert document.notices


def test_markdown_structure(addresses: Document) -> None:
    titles = [s.title for s in addresses.sections]
    assert titles == [
        "Two American Addresses",
        "The Gettysburg Address",
        "From President John F. Kennedy's Inaugural Address",
        "Notes",
    ]
    assert len(addresses.paragraphs) == 11
    assert addresses.metadata.speaker == "Abraham Lincoln and John F. Kennedy"
    first = addresses.paragraphs[0].text
    assert "*" not in first and "[" not in first and "](" not in first
    assert "second real document" in first and "markup" in first
    assert addresses.paragraphs[6].text.startswith("And so, my fellow Americans: ask not")
    assert "**" not in addresses.paragraphs[6].text
    assert addresses.paragraphs[9].text.startswith("2. Delivered by John F. Kennedy")


def test_markdown_inline_and_blocks() -> None:
    source = (
        "Intro with `code`, ![a chart](x.png) and <b>html</b>.\n\n"
        "- one\n- two\n\n> quoted words\n\n```\nprint(1)\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n### Deep\n\nLast."
    )
    document = parse_text(source, markdown=True)
    texts = [p.text for p in document.paragraphs]
    assert texts == [
        "Intro with code, a chart and html.",
        "one",
        "two",
        "quoted words",
        "print(1)",
        "a; b",
        "1; 2",
        "Last.",
    ]
    assert document.sections[-1].title == "Deep"
    assert document.sections[-1].level == 3


def test_plain_text_without_blank_lines_is_one_paragraph_per_line() -> None:
    document = parse_text("First line.\nSecond line.\nThird.", markdown=False)
    assert len(document.paragraphs) == 3


def test_heading_only_markdown_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.md"
    path.write_text("# Only a heading\n")
    with pytest.raises(ReaderError, match="no paragraphs"):
        load_document(path)
