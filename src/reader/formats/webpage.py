"""Scraped web pages saved as text: the page's furniture ("Skip to main content", the title,
place lines, "Remarks as prepared for delivery.", a trailing "Updated ...") becomes
metadata, the rest are paragraphs. Told by its first line, whatever the suffix (``.txt``).
"""

from __future__ import annotations

import re

from reader.decode import decode_bytes
from reader.errors import ReaderError
from reader.formats.base import Block, Parsed, Source
from reader.formats.text import read_text
from reader.sanitize import normalise_newlines

_SNIFF_BYTES = 4096

_SKIP_LINK = re.compile(r"^\s*skip to (?:main )?content\s*$", re.IGNORECASE)
_UPDATED = re.compile(r"^\s*(?:Updated|Last updated)[:\s]+(.+?)\s*$", re.IGNORECASE)
_NOTE = re.compile(
    r"^\s*(?:Remarks|Speech|Testimony) as (?:prepared for )?delivered?\.?\s*$|"
    r"^\s*Remarks as prepared for delivery\.?\s*$",
    re.IGNORECASE,
)
_SPEAKER = re.compile(r"^(.+?)\s+(?:Delivers|Gives|Makes|Presents)\s+(?:Remarks|Speech)\b")


def looks_like_web_page(text: str) -> bool:
    """A scraped page starts with a "Skip to main content" link."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    return bool(_SKIP_LINK.match(first))


def parse_web_page(text: str) -> Parsed:
    """A scraped page: furniture becomes metadata, the rest are paragraphs.

    Recognised: the skip link, the title (the first block after it), a block of short place
    lines without sentence punctuation ("Nashville, TN" / "United States"), a delivery note
    ("Remarks as prepared for delivery."), and a trailing "Updated <date>" line.
    """
    chunks = [chunk.strip() for chunk in re.split(r"\n[ \t\u00a0]*\n", text) if chunk.strip()]
    fields: dict[str, str] = {}
    if chunks and _SKIP_LINK.match(chunks[0].split("\n")[0]):
        rest = chunks[0].split("\n", 1)
        chunks = ([rest[1].strip()] if len(rest) > 1 and rest[1].strip() else []) + chunks[1:]
    if chunks:
        fields["title"] = " ".join(chunks.pop(0).split())
        speaker = _SPEAKER.match(fields["title"])
        if speaker:
            fields["speaker"] = speaker.group(1)
    while chunks:
        head = chunks[0]
        lines = [line.strip() for line in head.split("\n") if line.strip()]
        if _NOTE.match(head) and "note" not in fields:
            fields["note"] = " ".join(head.split())
        elif (
            "place" not in fields
            and "note" not in fields
            and all(len(line) <= 60 and not re.search(r"[.!?:;]$", line) for line in lines)
        ):
            fields["place"] = ", ".join(lines)
        else:
            break
        chunks.pop(0)
    if chunks:
        updated = _UPDATED.match(chunks[-1])
        if updated and "\n" not in chunks[-1].strip():
            fields["date"] = updated.group(1)
            chunks.pop()
    return Parsed(tuple(Block(0, chunk) for chunk in chunks), fields)


class WebPageFormat:
    """A page copied from a browser into a text file, recognised by its skip link."""

    name = "web page"
    suffixes: frozenset[str] = frozenset()

    def sniff(self, source: Source) -> bool:
        """True when the first non-blank line is a "Skip to main content" link."""
        try:
            head = decode_bytes(source.data[:_SNIFF_BYTES], str(source.path)).text
        except ReaderError:
            return False  # binary or empty: the text format gives the reason
        return looks_like_web_page(normalise_newlines(head))

    def parse(self, source: Source) -> Parsed:
        """Decode the bytes as text and take the page apart."""
        text, notices, removed = read_text(source)
        parsed = parse_web_page(text)
        return Parsed(parsed.blocks, parsed.fields, notices, removed)


FORMAT = WebPageFormat()
