"""Moving by section, and the table of contents, for the terminal UI and line mode.

Units: paragraph indices are 0-based, as in :mod:`reader.document`; the words shown to
people use 1-based paragraph and section numbers.

A section's place is its first paragraph. A heading straight above another heading (a
chapter title, then its first section's title) opens a section with no paragraphs of its
own: it is listed in the contents and goes to the same paragraph as the section under it.
A heading at the very end, with no paragraph after it, goes to the last paragraph.
"""

from __future__ import annotations

from reader.document import Document, Section

BEFORE_FIRST_HEADING = "(before the first heading)"


def has_headings(document: Document) -> bool:
    """True when the document has at least one heading, so contents mean something."""
    return any(section.title for section in document.sections)


def target(document: Document, section: Section) -> int:
    """The 0-based paragraph a section goes to (the last paragraph for a heading at the
    very end)."""
    return max(0, min(section.first, len(document.paragraphs) - 1))


def label(section: Section) -> str:
    """The section's title, or words saying it is the text before the first heading."""
    return section.title or BEFORE_FIRST_HEADING


def span(document: Document, section: Section) -> str:
    """Its paragraphs in words: "paragraphs 2 to 7", "paragraph 9", "at paragraph 2"."""
    if section.first >= section.stop:
        return f"at paragraph {target(document, section) + 1}"
    if section.stop - section.first == 1:
        return f"paragraph {section.first + 1}"
    return f"paragraphs {section.first + 1} to {section.stop}"


def with_subsections(document: Document, section: Section) -> range:
    """The 0-based paragraphs of a section and of the sections under it (those after it
    with a deeper heading level, up to the next heading of its level or above): a
    chapter with its subsections, a part with its chapters."""
    stop = section.stop
    if section.level:
        for later in document.sections[section.index + 1 :]:
            if later.level <= section.level:
                break
            stop = later.stop
    return range(section.first, stop)


def next_start(document: Document, current: int) -> Section | None:
    """The section that opens first after paragraph ``current`` (None in the last one)."""
    count = len(document.paragraphs)
    later = [s for s in document.sections if current < s.first < count]
    return document.section_of(document.paragraphs[later[0].first]) if later else None


def previous_start(document: Document, current: int) -> Section | None:
    """The start of the section holding paragraph ``current`` when it is not there
    already, else the section before it (None at or before the first section's start)."""
    earlier = [s for s in document.sections if s.first < current]
    return document.section_of(document.paragraphs[earlier[-1].first]) if earlier else None


def heading_lines(document: Document, index: int) -> list[str]:
    """The headings printed above paragraph ``index`` in line mode: every titled section
    that opens there ("Section 2: Chapter One", as ``reader info`` names it)."""
    return [
        f"Section {s.number}: {s.title}" for s in document.sections if s.title and s.first == index
    ]


def contents_lines(document: Document) -> list[str]:
    """The numbered contents for line mode: one line per section, indented by level."""
    lines = []
    width = len(str(len(document.sections)))
    for section in document.sections:
        indent = "  " * max(0, section.level - 1)
        number = f"{section.number:>{width}}"
        lines.append(f"  {number}. {indent}{label(section)} ({span(document, section)})")
    return lines
