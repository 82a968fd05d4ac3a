"""Structure outside the terminal UI (issue 10 item 3): line mode shows headings, bullets
and code lines and moves by section (t, t N, t TITLE, } and {); export and info keep
headings, code lines and bullets; ``export --section`` takes an EPUB's or a web page's
section titles. Driven through the installed ``reader`` command, as a script would."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from reader.document import Document
from tests.cli.conftest import Run

# The EPUB builder of the format tests, imported as they import it ("books", with
# tests/formats on the path: mypy's path has it too), so it is one module, not two.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formats"))
from books import epub3

MANUAL = """# A small manual

Opening words.

## Lists and code

Before the list.

- first bullet
- second bullet

1. numbered one
2. numbered two

```
def main():
    return 0
```

## Closing

The end.
"""

PAGE = """<!DOCTYPE html><html lang="en"><head><title>A page</title></head><body>
<nav><a href="/">Home</a></nav>
<main><h1>A page</h1><p>Its opening.</p>
<h2>Second part</h2><p>Words of the second part.</p><ul><li>one thing</li></ul>
<h2>Third part</h2><p>The last words.</p></main></body></html>
"""


@pytest.fixture
def manual(tmp_path: Path) -> Path:
    path = tmp_path / "manual.md"
    path.write_text(MANUAL, encoding="utf-8")
    return path


def test_line_mode_shows_headings_bullets_and_code(run: Run, manual: Path) -> None:
    result = run("read", str(manual), stdin="n\n" * 6)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Section 1: A small manual\nParagraph 1 of 8\nOpening words." in out
    assert "Section 2: Lists and code\nParagraph 2 of 8\nBefore the list." in out
    assert "Paragraph 3 of 8\n• first bullet\n" in out
    assert "Paragraph 5 of 8\n1. numbered one\n" in out
    assert "Paragraph 7 of 8, code\ndef main():\n    return 0\n" in out


def test_line_mode_contents_and_section_jumps(run: Run, manual: Path) -> None:
    commands = ["t", "t 3", "{", "{", "{", "}", "t closing", "}", "t 9", "i", "h"]
    result = run("read", str(manual), stdin="\n".join(commands) + "\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert (
        "Contents, 3 sections (t N or t TITLE goes to a section):\n"
        "  1. A small manual (paragraph 1)\n"
        "  2.   Lists and code (paragraphs 2 to 7)\n"
        "  3.   Closing (paragraph 8)\n"
    ) in out
    shown = [line for line in out.splitlines() if line.startswith("Paragraph ") and "," not in line]
    # start, t 3, { (to section 2), { (section 1), { (refused), }, t closing, } (refused)
    assert shown == [
        "Paragraph 1 of 8",
        "Paragraph 8 of 8",
        "Paragraph 2 of 8",
        "Paragraph 1 of 8",
        "Paragraph 2 of 8",
        "Paragraph 8 of 8",
    ]
    assert "Already at the start of the first section" in out
    assert "Already in the last section (3 of 3)" in out
    assert "section 9 does not exist; sections run from 1 to 3" in out
    assert "Paragraph 8 of 8, section 3 of 3: Closing, A small manual\n" in out
    assert "t N (or t TITLE) goes to a section" in out
    assert "} or {" in out


def test_line_mode_without_headings_says_so(run: Run, speech: Document) -> None:
    result = run("read", speech.path, "--from", "3", stdin="t\n}\n{\n")
    assert result.returncode == 0
    assert result.stdout.count("This document has no headings") == 3
    assert [line for line in result.stdout.splitlines() if line.startswith("Paragraph ")] == [
        "Paragraph 3 of 60"
    ]


def test_export_keeps_headings_code_and_bullets(run: Run, manual: Path) -> None:
    plain = run("export", str(manual)).stdout
    assert plain.startswith("A small manual\nParagraphs 1 to 8 of 8\n\n# A small manual\n\n")
    assert "\n\n## Lists and code\n\nBefore the list.\n\n• first bullet\n\n" in plain
    assert "\n\ndef main():\n    return 0\n\n## Closing\n\nThe end.\n" in plain
    numbered = run("export", str(manual), "--numbered", "--ascii").stdout
    assert "[3] * first bullet" in numbered
    assert "[5] 1. numbered one" in numbered, "a paragraph number is not a list number"
    assert "[7]\ndef main():\n    return 0\n" in numbered
    whole = run("export", str(manual), "--section", "A small manual").stdout
    assert whole.startswith("A small manual\nParagraphs 1 to 8 of 8\n"), "a level 1 heading's"
    wrapped = run("export", str(manual), "--paragraphs", "4,7", "--wrap", "20").stdout
    assert "• second bullet" in wrapped
    assert "def main():\n    return 0" in wrapped, "code is never wrapped"
    only = run("export", str(manual), "--paragraphs", "3").stdout
    assert "##" not in only, "a heading comes only with the paragraph that opens its section"


def test_info_shows_bullets_and_kinds(run: Run, manual: Path) -> None:
    text = run("info", str(manual)).stdout
    assert "  3. • first bullet" in text
    assert "  5. 1. numbered one" in text
    assert "  7. (code) def main(): …" in text, "code is named, its lines not folded"
    data = json.loads(run("info", str(manual), "--json").stdout)
    kinds = [p["kind"] for s in data["sections"] for p in s["paragraphs"]]
    assert kinds == ["paragraph"] * 2 + ["list-item"] * 4 + ["code", "paragraph"]


def test_export_section_by_title_of_an_epub_and_a_web_page(run: Run, tmp_path: Path) -> None:
    book = tmp_path / "book.epub"
    book.write_bytes(epub3())
    chapter = run("export", str(book), "--section", "chapter two")
    assert chapter.returncode == 0, chapter.stderr
    # The chapter with its subsections, each under its heading.
    assert chapter.stdout == (
        "A Test Book\nParagraphs 15 to 17 of 17\n\n# Chapter Two\n\nSecond chapter text.\n\n"
        "## A subsection\n\nDeeper text.\n\n## The quiet part\n\n"
        "A part with no heading of its own.\n"
    )
    sub = run("export", str(book), "--section", "A subsection")
    assert sub.stdout.endswith("Paragraph 16 of 17\n\n## A subsection\n\nDeeper text.\n")
    listed = run("export", str(book), "--section", "Chapter One").stdout
    assert "• apples\n\n• pears\n\n3. three\n\n4. four" in listed
    assert "def main():\n    return 0" in listed
    missing = run("export", str(book), "--section", "Chapter Nine")
    assert missing.returncode == 2
    assert "no section is called 'Chapter Nine'" in missing.stderr
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    second = run("export", str(page), "--section", "Second part")
    assert second.returncode == 0, second.stderr
    assert second.stdout.endswith("## Second part\n\nWords of the second part.\n\n• one thing\n")
