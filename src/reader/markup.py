"""Parsing source formats into blocks: Markdown (with front matter), plain text, and
scraped web pages with their furniture ("Skip to main content", place lines, "Updated ...").

A block is a heading (level >= 1) or a paragraph (level 0) of raw, not yet whitespace-
normalised text. Inline Markdown markup (emphasis, links, code spans, images) is reduced to
the words a person reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass(frozen=True, slots=True)
class Block:
    """A heading (``level`` 1-6) or a paragraph (``level`` 0)."""

    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Parsed:
    """Blocks plus the metadata fields found in the source."""

    blocks: tuple[Block, ...]
    fields: dict[str, str]


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner.replace("''", "'")
    return value


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Read a simple ``key: value`` front-matter block; return the fields and the body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        field = _FIELD.match(line)
        if field and not line.startswith((" ", "\t", "#")):
            fields[field.group(1).lower()] = _unquote(field.group(2))
    return fields, text[match.end() :]


# Block structure comes from one parser with the inline rule off; inline markup is parsed
# only for the blocks that can hold any, which most prose paragraphs cannot (a 1 MB book
# spent more than half its parse time in the inline rule).
_MARKDOWN = MarkdownIt("commonmark").enable("table").disable("inline")
_INLINE = MarkdownIt("commonmark")
_INLINE_MARKUP = re.compile(r"[*_`\[\]!<>\\&~]")


def _inline_text(token: Token, env: dict[str, Any]) -> str:
    """The readable words of an inline token: markup dropped, alt text and code kept.
    ``env`` carries the link reference definitions found by the block parser."""
    if not token.children:
        if not _INLINE_MARKUP.search(token.content):
            return token.content
        token = _INLINE.parseInline(token.content, env)[0]
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content or "".join(c.content for c in child.children or ()))
    return "".join(parts)


def parse_markdown(text: str) -> Parsed:
    """Parse Markdown into headings and paragraphs."""
    fields, body = split_front_matter(text)
    env: dict[str, Any] = {}
    tokens = _MARKDOWN.parse(body, env)
    blocks: list[Block] = []
    ordered_counters: list[int | None] = []
    row: list[str] = []
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1:])
            blocks.append(Block(level, _inline_text(tokens[index + 1], env)))
        elif kind == "ordered_list_open":
            start = token.attrGet("start")
            ordered_counters.append(int(start) if isinstance(start, (int, str)) else 1)
        elif kind == "bullet_list_open":
            ordered_counters.append(None)
        elif kind in ("ordered_list_close", "bullet_list_close"):
            ordered_counters.pop()
        elif kind == "inline" and index and tokens[index - 1].type == "paragraph_open":
            words = _inline_text(token, env)
            previous = tokens[index - 2].type if index >= 2 else ""
            if previous == "list_item_open" and ordered_counters and ordered_counters[-1]:
                number = ordered_counters[-1]
                ordered_counters[-1] = number + 1
                words = f"{number}. {words}"
            blocks.append(Block(0, words))
        elif kind in ("fence", "code_block"):
            blocks.append(Block(0, token.content))
        elif kind == "html_block":
            stripped = re.sub(r"<[^>]*>", " ", token.content)
            if stripped.strip():
                blocks.append(Block(0, stripped))
        elif kind == "inline" and index and tokens[index - 1].type in ("th_open", "td_open"):
            row.append(_inline_text(token, env))
        elif kind == "tr_close":
            if any(cell.strip() for cell in row):
                blocks.append(Block(0, "; ".join(cell for cell in row if cell.strip())))
            row = []
    return Parsed(tuple(blocks), fields)


def parse_plain(text: str) -> Parsed:
    """Plain text: paragraphs are separated by blank lines; a file without any blank line
    has one paragraph per line."""
    chunks = re.split(r"\n[ \t\u00a0]*\n", text)
    if len(chunks) == 1:
        chunks = text.split("\n")
    return Parsed(tuple(Block(0, chunk) for chunk in chunks if chunk.strip()), {})


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
