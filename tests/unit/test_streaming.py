"""Opening a long document before it is all read (issue 14 item 1): the formats' pieces
parse exactly as the whole text does, the first paragraph is there before the parser has
seen the rest, and the finished document equals the one read at once."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.document import Document
from reader.errors import ReaderError
from reader.formats import markdown, text
from reader.formats.base import Block
from reader.formats.markdown import parse_markdown, stream_markdown
from reader.formats.text import parse_plain, stream_plain
from reader.ingest import load_document, open_document

ROOT = Path(__file__).resolve().parents[2]

# Markdown that can hide a blank line from a careless cut: fences (both kinds, long and
# short, one never closed), raw HTML blocks of every kind that may hold blank lines, lists
# that go on after a blank line, quotations, tables, setext headings, link definitions.
SNIPPETS = (
    "Plain words in a paragraph.",
    "Another paragraph\nover two lines.",
    "```python\ncode line\n\nAfter a blank line in code\n```",
    "````\n```\n\nStill code\n````",
    "~~~\n\nTilde code\n\nMore\n~~~",
    "```\n\nNever closed fence\n\nText",
    "<pre>\nraw\n\nRaw after blank\n</pre>",
    "<!-- a comment\n\nComment words\n-->",
    "<?php\n\nProcessing words\n?>",
    "<!DOCTYPE html\n\nDoctype words>",
    "<![CDATA[\n\nCdata words\n]]>",
    "<div>\nblock html\n</div>",
    "- item one\n- item two\n\n  Item two goes on",
    "1. first\n2. second\n\nAfter the list",
    "> quoted\n>\n> quoted more",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Setext heading\n==============",
    "# ATX heading",
    "## Second level",
    "Text with *emphasis* and a [link](http://example.com).",
    "    indented code\n\n    more indented code",
    "Term\n: not a definition list",
)


def _flatten(batches: Iterable[tuple[Block, ...]]) -> tuple[Block, ...]:
    return tuple(itertools.chain.from_iterable(batches))


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few characters, so that every blank line is a place to cut."""
    for module in (markdown, text):
        monkeypatch.setattr(module, "FIRST_PIECE", 1)
        monkeypatch.setattr(module, "PIECE", 7)


@pytest.mark.usefixtures("small_pieces")
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=14))
def test_markdown_pieces_parse_as_the_whole(parts: list[str]) -> None:
    source = "\n\n".join(parts) + "\n"
    fields, batches = stream_markdown(source)
    pieces = list(batches)
    assert _flatten(pieces) == parse_markdown(source).blocks
    assert fields == parse_markdown(source).fields


@pytest.mark.usefixtures("small_pieces")
def test_markdown_is_really_cut_into_pieces() -> None:
    # Without this, the test above would pass with one piece for everything.
    source = "\n\n".join(SNIPPETS[:2] * 20)
    assert len(list(stream_markdown(source)[1])) > 10


@pytest.mark.usefixtures("small_pieces")
def test_a_link_definition_anywhere_keeps_the_text_whole() -> None:
    source = "See [the site] first.\n\n" + "Filler words.\n\n" * 30 + "[the site]: http://x.org\n"
    pieces = list(stream_markdown(source)[1])
    assert len(pieces) == 1
    assert pieces[0][0].text == "See the site first."


@pytest.mark.usefixtures("small_pieces")
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["words", "", " ", "\u00a0", "\t", "more words"]), max_size=40))
def test_plain_pieces_split_as_the_whole(lines: list[str]) -> None:
    source = "\n".join(lines)
    assert _flatten(stream_plain(source)) == parse_plain(source).blocks


CORPUS = [
    ROOT / "texts" / "sessions-iacp-2018.md",
    ROOT / "tests" / "data" / "addresses.md",
    ROOT / "README.md",
    ROOT / "tests" / "data" / "seed-page.txt",  # a web page saved as text: read whole
]


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_finished_document_equals_the_one_read_at_once(path: Path, tmp_path: Path) -> None:
    plain = tmp_path / f"{path.stem}.txt"
    plain.write_text(path.read_text(encoding="utf-8").replace("#", ""), encoding="utf-8")
    for source in (path, plain):
        streamed = open_document(source, whole_below=0)
        assert streamed.complete == (source.name == "seed-page.txt")
        whole = load_document(source)
        assert streamed.finish() == whole
        assert streamed.complete
        assert isinstance(streamed.paragraphs, tuple)
        assert streamed.notices == whole.notices
        assert streamed.metadata == whole.metadata


def _book(tmp_path: Path, suffix: str = ".md", chapters: int = 1500) -> Path:
    """A few megabytes: chapters of the speech's paragraphs, a last unique paragraph."""
    speech = (ROOT / "texts" / "sessions-iacp-2018.md").read_text(encoding="utf-8")
    body = speech.split("---", 2)[2]
    paragraphs = [p for p in body.split("\n\n") if p.strip() and not p.startswith("#")]
    parts = []
    for number in range(1, chapters + 1):
        parts.append(f"## Chapter {number}" if suffix == ".md" else f"Chapter {number}")
        parts.extend(paragraphs[: 5 + number % 7])
    parts.append("The very last zebra paragraph.")
    path = tmp_path / f"book{suffix}"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_first_paragraph_before_the_parser_has_seen_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    path = _book(tmp_path, suffix)
    whole = load_document(path)
    parsed: list[int] = []
    if suffix == ".md":
        real_body = markdown._parse_body

        def parse_body(body: str, state: Any) -> None:
            parsed.append(len(body))
            real_body(body, state)

        monkeypatch.setattr(markdown, "_parse_body", parse_body)
    else:
        real_blocks = text._blocks

        def blocks(chunks: list[str]) -> tuple[Block, ...]:
            parsed.append(sum(map(len, chunks)))
            return real_blocks(chunks)

        monkeypatch.setattr(text, "_blocks", blocks)
    size = len(path.read_text(encoding="utf-8"))
    document = open_document(path)
    assert document.paragraphs[0] == whole.paragraphs[0]
    assert sum(parsed) < size / 10
    assert len(document.paragraphs) < len(whole.paragraphs)
    # Every loaded paragraph has its section while the rest is unread.
    for paragraph in document.paragraphs:
        assert document.section_of(paragraph).first <= paragraph.index
    assert document.ensure(len(document.paragraphs) + 3)
    assert document.finish() == whole
    assert sum(parsed) >= size * 0.9


def test_counts_need_the_whole_document(tmp_path: Path) -> None:
    path = _book(tmp_path)
    document = open_document(path)
    assert not document.complete
    whole = load_document(path)
    assert document.word_count == whole.word_count
    assert document.complete
    assert document.paragraphs[-1].text == "The very last zebra paragraph."
    assert document.text == whole.text


def test_ensure_past_the_end_completes_and_says_so(tmp_path: Path) -> None:
    document = open_document(_book(tmp_path))
    assert not document.ensure(10**9)
    assert document.complete


def test_cleaning_notice_comes_when_loading_ends(tmp_path: Path) -> None:
    path = _book(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "\nA late \x1b[31mred\x1b[0m bit.\n")
    document = open_document(path)
    assert not any("removed" in n for n in document.notices)
    document.finish()
    assert document.notices == load_document(path).notices
    assert any("removed" in n for n in document.notices)


def test_a_title_found_late_is_the_title(tmp_path: Path) -> None:
    path = tmp_path / "late.md"
    path.write_text("Words before any heading.\n\n" * 40_000 + "# The Title\n\nEnd.\n")
    document = open_document(path)
    assert document.title == "late"
    document.finish()
    assert document.title == "The Title" == load_document(path).title


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01binary" * 300_000, "binary data"),
        (b" \n\t" * 1_000_000, "empty"),
        (b"# Heading\n\n" * 300_000, "no paragraphs"),
        (b"Words and words.\n\n" * 200_000 + b"\x00", "binary data"),
        (b"Caf\xe9 words.\n\n" * 200_000 + b"\x00", "binary data"),
    ],
    ids=["binary", "blank", "headings-only", "late-nul-utf8", "late-nul-cp1252"],
)
def test_bad_input_is_refused_before_anything_is_shown(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    with pytest.raises(ReaderError, match=message):
        open_document(path)


def test_legacy_encoding_is_noticed_up_front(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Caf\u00e9 cr\u00e8me words.\n\n".encode("cp1252") * 200_000)
    document: Document = open_document(path)
    assert not document.complete
    assert "windows-1252" in document.notices[0]
    assert document.paragraphs[0].text == "Café crème words."
