"""Sentence spans inside a book's own markup (no audio): where a sentence can be wrapped,
where it falls back to its paragraph, and that the text is never changed."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from own_books import by_id, harbour_town, words

from reader.epub.ownbook import _Edition
from reader.epub.owncheck import document_text, preflight
from reader.epub.spans import ChapterMarks
from reader.errors import ReaderError
from reader.formats.elements import xml_parser
from reader.formats.xhtml import Walker
from reader.ingest import load_document
from reader.segment import split_sentences

HEAD = (
    '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
    "<head><title>t</title></head><body>"
)
TAIL = "</body></html>"
X = "{http://www.w3.org/1999/xhtml}"


def mark(body: str, *, ids_only: bool = False) -> tuple[etree._Element, dict[int, list[str]]]:
    """Walk ``body`` as the EPUB reader does, plan every paragraph with the segmenter's
    sentences, apply, and return the tree and the targets by paragraph number."""
    root = etree.fromstring((HEAD + body + TAIL).encode(), xml_parser())
    walker = Walker("ch.xhtml", "en")
    blocks = walker.walk(root)
    marks = ChapterMarks(root, ids_only=ids_only)
    number = 0
    for block, origin in zip(blocks, walker.origins(), strict=True):
        text = document_text(block.text)
        if block.level or not text:
            continue
        number += 1
        assert origin is not None
        spans = [(s.start, s.end) for s in split_sentences(text)]
        marks.plan(number, text, origin, spans)
    return root, marks.apply()


def text_of(root: etree._Element) -> str:
    body = root.find(f"{X}body")
    assert body is not None
    return words(body)


@pytest.mark.parametrize(
    "body",
    [
        "<p>One. Two <em>three</em>. <a href='#x'>Four.</a></p>",
        "<div>Lead text. <p>Inner one.</p> Tail text.</div>",
        "<p><em>Starts. Inside</em> and ends out.</p>",
        "<figure><img src='a.png' alt='First. Second.'/></figure>",
        "<p>Nested <b><i>deep. Deeper</i></b> still. End.</p>",
        "<ol><li>one</li><li><p>two</p></li></ol><pre>a = 1\nb = 2</pre>",
        "<table><tr><td>a. b</td><td>c</td></tr></table>",
        "<p>Caf\u00e9 &amp; cr\u00e8me.<br/>Line two.</p>",
    ],
)
def test_marking_never_changes_the_text(body: str) -> None:
    before = text_of(etree.fromstring((HEAD + body + TAIL).encode()))
    root, _ = mark(body)
    assert text_of(root) == before


def test_sentences_get_spans_inside_their_element() -> None:
    root, targets = mark("<p id='own'>One. Two <em>three</em>. <a href='#x'>Four.</a></p>")
    assert targets == {1: ["ra-p1-s1", "ra-p1-s2", "ra-p1-s3"]}
    paragraph = by_id(root, "own")
    assert [child.get("id") for child in paragraph] == ["ra-p1-s1", "ra-p1-s2", None]
    assert words(by_id(root, "ra-p1-s2")) == "Two three."
    # "Four." is all of the link's text: its span goes inside the link.
    assert by_id(root, "ra-p1-s3").getparent().tag == f"{X}a"  # type: ignore[union-attr]


def test_a_sentence_across_an_element_boundary_highlights_its_paragraph() -> None:
    root, targets = mark("<p><em>Starts. Inside</em> and ends out.</p>")
    block = targets[1][1]
    assert targets[1] == ["ra-p1-s1", block]
    assert by_id(root, block).tag == f"{X}p"
    assert by_id(root, "ra-p1-s1").getparent().tag == f"{X}em"  # type: ignore[union-attr]


def test_two_sentences_in_one_alt_text_share_the_block() -> None:
    root, targets = mark("<figure><img src='a.png' alt='First. Second.'/></figure>")
    block = targets[1][0]
    assert targets[1] == [block, block]
    assert by_id(root, block).tag == f"{X}figure"


def test_text_around_a_nested_block_gets_spans_of_its_own() -> None:
    root, targets = mark("<div>Lead text. <p>Inner one.</p> Tail text.</div>")
    assert sorted(targets) == [1, 2, 3]
    lead = by_id(root, "ra-p1")
    tail = by_id(root, "ra-p3")
    assert lead.tag == tail.tag == f"{X}span"
    assert words(lead).strip() == "Lead text."
    assert words(tail).strip() == "Tail text."
    assert by_id(root, "ra-p2").tag == f"{X}p"


def test_ids_the_book_uses_are_never_reused() -> None:
    root, targets = mark("<p>Own <span id='ra-p1-s1'>span</span>.</p><p id='ra-p2'>Two.</p>")
    assert targets[1] == ["ra-p1-s1-2"]
    assert targets[2] == ["ra-p2-s1"]
    by_id(root, "ra-p1-s1")


def test_rows_and_navigation_documents_get_ids_only() -> None:
    root, targets = mark("<table><tr><td>a. b</td><td>c</td></tr></table>")
    assert by_id(root, targets[1][0]).tag == f"{X}tr"
    root, targets = mark(
        "<nav><ol><li><a href='a.xhtml'>One. Two.</a></li></ol></nav>", ids_only=True
    )
    assert not list(root.iter(f"{X}span"))
    assert by_id(root, targets[1][0]).tag == f"{X}li"


def _edition_of(tmp_path: Path, book: bytes, document_book: bytes) -> _Edition:
    """An edition of ``book`` for the document read from ``document_book``."""
    (tmp_path / "read.epub").write_bytes(document_book)
    document = load_document(tmp_path / "read.epub")
    (tmp_path / "book.epub").write_bytes(book)
    return _Edition(replace(document, path=str(tmp_path / "book.epub")), [], [])


def test_a_book_that_changed_since_its_narration_is_refused(tmp_path: Path) -> None:
    changed = harbour_town(edits=(("The boats</span> came", "The ships</span> came"),))
    with pytest.raises(ReaderError, match="paragraph 1 of the narration is not in the book"):
        _edition_of(tmp_path, changed, harbour_town()).build()


def test_a_book_with_media_overlays_already_is_refused(tmp_path: Path) -> None:
    item = '<item id="c3" href="text/ch03.xhtml" media-type="application/xhtml+xml"/>'
    with_overlay = harbour_town(edits=((item, item.replace("/>", ' media-overlay="mo"/>')),))
    with pytest.raises(ReaderError, match="already has Media Overlays"):
        _edition_of(tmp_path, with_overlay, harbour_town()).build()


def test_characters_the_cleaning_removed_are_skipped_in_the_source() -> None:
    """A bidi override in the book is removed from the narrated text but stays in the
    book; the sentences are still found around it."""
    root, targets = mark("<p>Left &#x202E;right. Two <b>bold</b>.</p>")
    assert targets == {1: ["ra-p1-s1", "ra-p1-s2"]}
    assert words(by_id(root, "ra-p1-s1")) == "Left \u202eright."
    assert words(by_id(root, "ra-p1-s2")) == "Two bold."


def test_preflight_refuses_before_any_narration(tmp_path: Path) -> None:
    """The same refusals, from the file alone (no narration needed), and none for books
    an edition can be made of."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formats"))
    from books import epub2, epub3

    cases = {
        "harbour": (harbour_town(), None),
        "small": (epub3(), None),
        "old": (epub2(), None),
        "overlays": (
            harbour_town(edits=(('id="c3" href', 'id="c3" media-overlay="mo" href'),)),
            "already has Media Overlays",
        ),
        "name": (
            harbour_town(
                edits=(
                    ('version="3.0"', 'version="2.0"'),
                    ("<p>They walked", '<p><a name="x"/>They walked'),
                )
            ),
            "uses <a name>",
        ),
    }
    for label, (data, refusal) in cases.items():
        path = tmp_path / f"{label}.epub"
        path.write_bytes(data)
        if refusal is None:
            preflight(str(path))
        else:
            with pytest.raises(ReaderError, match=refusal):
                preflight(str(path))
