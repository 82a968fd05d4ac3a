"""`reader info`: a document's metadata and numbered outline, as text or JSON.

The JSON is printed to a terminal as often as to a program: every character that
:func:`reader.sanitize.for_terminal` would not print as itself (C1 controls, bidi
overrides, the undecodable bytes of a file name) is written as a JSON ``\\uXXXX`` escape,
so the terminal sees only plain characters and a JSON reader still gets the exact value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reader.document import Document, Paragraph
from reader.sanitize import for_terminal

OPENING_WORDS = 8
_NOT_PLAIN = re.compile("[^\x20-\x7e\n]")


def opening_words(text: str, count: int = OPENING_WORDS) -> str:
    """The first ``count`` words of ``text``, with an ellipsis when there are more."""
    # At most count + 1 parts: the rest of a long paragraph is not split into words.
    words = text.split(None, count)
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def opening(paragraph: Paragraph) -> str:
    """What the outline shows of a paragraph: its opening words after its bullet; for a
    code block, "(code)" and the opening of its first line (its lines are not folded)."""
    if paragraph.kind == "code":
        first, _newline, rest = paragraph.text.partition("\n")
        shown = opening_words(first)
        more = rest.strip() and not shown.endswith(" …")
        return f"(code) {shown}{' …' if more else ''}"
    return f"{paragraph.marker} " * bool(paragraph.marker) + opening_words(paragraph.text)


def _paragraph_data(paragraph: Paragraph) -> dict[str, Any]:
    return {
        "number": paragraph.number,
        "sentences": paragraph.sentence_count,
        "words": paragraph.word_count,
        "kind": paragraph.kind,
        "opening": opening(paragraph),
    }


def outline_data(document: Document) -> dict[str, Any]:
    """Everything `reader info --json` prints. Sentences and words are counted once per
    paragraph, without building them (a 50 MB book would need gigabytes of objects)."""
    sections = []
    sentences = words = 0
    for section in document.sections:
        paragraphs = [_paragraph_data(p) for p in document.select(section.paragraph_indices)]
        sentences += sum(p["sentences"] for p in paragraphs)
        words += sum(p["words"] for p in paragraphs)
        sections.append(
            {
                "number": section.number,
                "title": section.title,
                "level": section.level,
                "first_paragraph": section.first + 1,
                "last_paragraph": section.stop,
                "paragraphs": paragraphs,
            }
        )
    return {
        "path": document.path,
        "title": document.title,
        "metadata": document.metadata.as_dict(),
        "paragraphs": len(document.paragraphs),
        "sentences": sentences,
        "words": words,
        "notices": list(document.notices),
        "sections": sections,
    }


def outline_json(document: Document) -> str:
    """The outline as indented JSON, safe to print to a terminal."""
    text = json.dumps(outline_data(document), ensure_ascii=False, indent=2) + "\n"
    return _NOT_PLAIN.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    return char if for_terminal(char) == char else f"\\u{ord(char):04x}"


def outline_text(document: Document) -> str:
    """The outline as plain lines for people and screen readers."""
    data = outline_data(document)
    lines = [document.title]
    labels = {
        "speaker": "Speaker",
        "place": "Place",
        "date": "Date",
        "note": "Note",
        "source": "Source",
        "language": "Language",
    }
    for key, label in labels.items():
        if key in data["metadata"]:
            lines.append(f"{label}: {data['metadata'][key]}")
    counts = (
        (data["paragraphs"], "paragraph"),
        (data["sentences"], "sentence"),
        (data["words"], "word"),
        (len(document.sections), "section"),
    )
    lines.append(", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in counts))
    for section in data["sections"]:
        lines.append("")
        title = section["title"] or "(no heading)"
        span = (
            f"paragraphs {section['first_paragraph']} to {section['last_paragraph']}"
            if section["paragraphs"]
            else "no paragraphs"
        )
        lines.append(f"Section {section['number']}: {title} ({span})")
        for paragraph in section["paragraphs"]:
            lines.append(f"  {paragraph['number']}. {paragraph['opening']}")
    return "\n".join(lines) + "\n"
