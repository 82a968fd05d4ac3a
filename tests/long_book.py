"""A long Markdown book for the streaming tests (issue 14 item 1): about 3 MB, 1,500
chapters of the speech's paragraphs, and a unique last paragraph to look for."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAST = "The very last zebra paragraph."


def write_long_book(folder: Path) -> Path:
    """Write the book into ``folder``; its path."""
    speech = (ROOT / "texts" / "sessions-iacp-2018.md").read_text(encoding="utf-8")
    paragraphs = [
        p for p in speech.split("---", 2)[2].split("\n\n") if p.strip() and not p.startswith("#")
    ]
    parts = []
    for number in range(1, 1501):
        parts.append(f"## Chapter {number}")
        parts.extend(paragraphs[: 5 + number % 7])
    parts.append(LAST)
    path = folder / "book.md"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path
