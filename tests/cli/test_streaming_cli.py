"""``reader read`` and ``reader open`` on a book too long to read before the first
paragraph (issue 14 item 1): what shows first, and that everything is still reachable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reader.ingest import load_document
from tests.cli.conftest import Run
from tests.long_book import write_long_book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 3 MB of Markdown: 1,500 chapters of the speech's paragraphs, a unique end."""
    return write_long_book(tmp_path_factory.mktemp("book"))


def test_read_shows_the_start_before_the_rest_is_loaded(run: Run, book: Path) -> None:
    result = run("read", str(book), stdin="q\n")
    assert result.returncode == 0, result.stderr
    shown = re.search(r"Paragraph 1 of (\d+) so far", result.stdout)
    assert shown is not None, result.stdout
    assert int(shown.group(1)) < len(load_document(book).paragraphs)
    assert "paragraphs so far (the rest loads as you read)" in result.stdout


def test_everything_is_reachable_from_read(run: Run, book: Path) -> None:
    whole = load_document(book)
    total, last = len(whole.paragraphs), whole.paragraphs[-1]
    result = run("read", str(book), stdin=f"/zebra\nt\ni\n{total}\nn\n1\n}}\nq\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert f"Paragraph {last.number} of {total}\n{last.text}" in out
    assert f"Contents, {len(whole.sections)} sections" in out
    assert "Chapter 1500 (paragraphs" in out
    sections = len(whole.sections)
    assert f"Paragraph {total} of {total}, section {sections} of {sections}" in out
    assert f"End of text: paragraph {total} of {total} is the last" in out
    assert f"Section 2: Chapter 2\nParagraph {whole.sections[1].first + 1} of {total}" in out


def test_going_past_the_first_batch_loads_the_next(run: Run, book: Path) -> None:
    first = run("read", str(book), stdin="q\n").stdout
    loaded = int(re.search(r"Paragraph 1 of (\d+) so far", first).group(1))  # type: ignore[union-attr]
    result = run("read", str(book), "--from", str(loaded), stdin="n\nq\n")
    assert result.returncode == 0, result.stderr
    assert f"Paragraph {loaded + 1} of " in result.stdout
    assert "End of text" not in result.stdout


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x00\x01binary" * 300_000, "binary data"),
        (b" \n\t" * 1_000_000, "the file is empty"),
        (b"\xff\xfe\x00" + b"\x00\xd8" * 1_000_000, "not valid"),
    ],
    ids=["binary", "blank", "broken-utf16"],
)
@pytest.mark.parametrize("command", ["read", "info", "open"])
def test_bad_long_input_gets_one_line_and_nothing_else(
    run: Run, tmp_path: Path, data: bytes, words: str, command: str
) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    result = run(command, str(path), stdin="q\n")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr
