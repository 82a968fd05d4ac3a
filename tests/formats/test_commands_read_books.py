"""EPUB and HTML through the registry, as the commands open them: ``load_document`` picks
the format by suffix (or by sniffing), and ``info``/``export`` show the book's sections."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from books import epub2, epub3

from reader.ingest import load_document

ROOT = Path(__file__).resolve().parents[2]


def _reader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args], capture_output=True, text=True, check=False
    )


def test_an_epub_opens_by_suffix_and_by_its_bytes(tmp_path: Path) -> None:
    book = tmp_path / "book.epub"
    book.write_bytes(epub3())
    by_suffix = load_document(book)
    renamed = tmp_path / "book.bin"
    renamed.write_bytes(epub3())
    by_bytes = load_document(renamed)
    assert len(by_suffix.sections) >= 2
    assert [p.text for p in by_suffix.paragraphs] == [p.text for p in by_bytes.paragraphs]


def test_info_and_export_of_an_epub2_section(tmp_path: Path) -> None:
    book = tmp_path / "old.epub"
    book.write_bytes(epub2())
    info = _reader("info", str(book))
    assert info.returncode == 0, info.stderr
    assert "Section 2" in info.stdout
    second = load_document(book).sections[1]
    export = _reader("export", str(book), "--section", second.title)
    assert export.returncode == 0, export.stderr
    first_paragraph = load_document(book).paragraphs[second.first].text
    assert first_paragraph in " ".join(export.stdout.split())


def test_the_seed_page_as_html_gives_the_bundled_speech() -> None:
    page = load_document(ROOT / "tests" / "data" / "seed-page.html")
    speech = load_document(ROOT / "texts" / "sessions-iacp-2018.md")
    assert [p.text for p in page.paragraphs] == [p.text for p in speech.paragraphs]


def test_a_broken_book_is_one_line(tmp_path: Path) -> None:
    book = tmp_path / "broken.epub"
    book.write_bytes(b"PK\x03\x04 this is not a whole zip")
    result = _reader("info", str(book))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
