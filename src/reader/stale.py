"""Remembered state checked against the document as it is now.

A settings file outlives the documents it describes: a file shortened since the last visit
leaves bookmarks and a reading place past its end, and a hand-edited settings file can hold
anything. Everything is clamped or dropped here, before the UI uses it, with one notice in
words for what changed (nothing is silently lost).

Units: paragraph indices are 0-based (what the settings file stores); the notices say
1-based numbers, as the reader shows them.
"""

from __future__ import annotations

from dataclasses import replace

from reader.settings import DocumentState


def clamp_state(state: DocumentState, count: int) -> tuple[DocumentState, list[str]]:
    """``state`` made valid for a document of ``count`` paragraphs, and notices saying
    what was changed (empty when nothing was)."""
    notices: list[str] = []
    last = max(0, count - 1)
    paragraph, offset = state.paragraph, state.offset
    if not 0 <= paragraph <= last:
        notices.append(
            f"The remembered place (paragraph {paragraph + 1}) is past the end of this "
            f"document of {count} paragraphs; starting at paragraph {last + 1}."
        )
        paragraph, offset = (0 if paragraph < 0 else last), 0
    offset = max(0, offset)
    kept = tuple(sorted({m for m in state.bookmarks if 0 <= m <= last}))
    dropped = len(set(state.bookmarks)) - len(kept)
    if dropped:
        noun = "bookmark" if dropped == 1 else "bookmarks"
        notices.append(
            f"Removed {dropped} {noun} past the end of this document ({count} paragraphs)."
        )
    fixed = replace(state, paragraph=paragraph, offset=offset, bookmarks=kept)
    return fixed, notices
