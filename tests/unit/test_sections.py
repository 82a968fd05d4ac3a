"""Moving by section and the contents (reader.sections): a part heading straight above a
chapter heading, a chapter with subsections, text before the first heading."""

from __future__ import annotations

import pytest

from reader import sections
from reader.document import Document
from reader.ingest import parse_text

BOOK = """Before any heading.

# Part One

## Chapter 1

One a.

One b.

### A subsection

Sub text.

## Chapter 2

Two.

# Part Two

Closing.
"""


@pytest.fixture(scope="module")
def book() -> Document:
    return parse_text(BOOK, markdown=True)


def test_sections_as_the_contents_show_them(book: Document) -> None:
    assert sections.contents_lines(book) == [
        "  1. (before the first heading) (paragraph 1)",
        "  2. Part One (at paragraph 2)",
        "  3.   Chapter 1 (paragraphs 2 to 3)",
        "  4.     A subsection (paragraph 4)",
        "  5.   Chapter 2 (paragraph 5)",
        "  6. Part Two (paragraph 6)",
    ]
    assert sections.heading_lines(book, 1) == ["Section 2: Part One", "Section 3: Chapter 1"]
    assert sections.heading_lines(book, 2) == []


@pytest.mark.parametrize(
    ("current", "following", "preceding"),
    [
        (0, 3, None),  # next: Chapter 1 (the deepest section opening at paragraph 2)
        (1, 4, 1),  # previous from Chapter 1's start: the untitled opening
        (2, 4, 3),  # inside Chapter 1: its start first
        (3, 5, 3),
        (4, 6, 4),
        (5, None, 5),
    ],
)
def test_next_and_previous(
    book: Document, current: int, following: int | None, preceding: int | None
) -> None:
    found = sections.next_start(book, current)
    assert (found.number if found else None) == following
    back = sections.previous_start(book, current)
    assert (back.number if back else None) == preceding


def test_a_section_with_the_sections_under_it(book: Document) -> None:
    part_one, chapter_one, sub, chapter_two, part_two = book.sections[1:]
    assert list(sections.with_subsections(book, part_one)) == [1, 2, 3, 4]
    assert list(sections.with_subsections(book, chapter_one)) == [1, 2, 3]
    assert list(sections.with_subsections(book, sub)) == [3]
    assert list(sections.with_subsections(book, chapter_two)) == [4]
    assert list(sections.with_subsections(book, part_two)) == [5]
    assert list(sections.with_subsections(book, book.sections[0])) == [0]
    assert not sections.has_headings(parse_text("Just text.\n\nMore.", markdown=True))
