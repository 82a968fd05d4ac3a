"""Markdown (CommonMark with GitHub tables, and a ``key: value`` front-matter block).

Parsed with pyromark (the pulldown-cmark crate): a pull parser that turns 1 MB of Markdown
into events in milliseconds, in time linear in the input, and keeps every block however
deeply lists and block quotes nest (markdown-it-py stopped its block parser at its nesting
limit and dropped every later chapter). ``benchmarks/bench_formats.py`` compares it with
markdown-it-py, markdown-it-pyrs and cmarkgfm.

Inline markup (emphasis, links, code spans, images, inline HTML) is reduced to the words a
person reads: link text, image alt text, code as written; tags and URLs go. Block HTML keeps
its text without tags. A table row becomes one block, its non-empty cells joined by "; ".
The first paragraph of an ordered list item keeps its number ("2. Delivered by ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyromark

from reader.formats.base import Block, BlockKind, Parsed, Source
from reader.formats.text import read_text

# Tables are GitHub's extension; strikethrough, footnotes and the rest stay off so that the
# text reads as CommonMark shows it ("~~" stays literal).
_OPTIONS = pyromark.Options.ENABLE_TABLES
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
_TAG = re.compile(r"<[^>]*>")
_LEVELS = {"H1": 1, "H2": 2, "H3": 3, "H4": 4, "H5": 5, "H6": 6}


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


class _Blocks:
    """Turns pyromark's events into blocks. State is flat (a list of counters, two depths),
    so nesting of any depth costs nothing more than its events."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.text: list[str] = []
        self.html: list[str] = []
        self.row: list[str] = []
        self.counters: list[int | None] = []  # one per open list: the next number, or None
        self.items = 0  # open list items
        self.quotes = 0  # open block quotes
        self.item_first = False  # nothing emitted yet in the list item just opened

    def _kind(self) -> BlockKind:
        return "list-item" if self.items else "quote" if self.quotes else "paragraph"

    def paragraph(self) -> None:
        """Emit the inline text gathered so far as a body block."""
        words = "".join(self.text)
        self.text = []
        if self.item_first and self.counters and self.counters[-1] is not None:
            number = self.counters[-1]
            self.counters[-1] = number + 1
            words = f"{number}. {words}"
        self.item_first = False
        self.blocks.append(Block(0, words, self._kind()))

    def flush(self) -> None:
        """Emit text a tight list item holds without a paragraph, before a block starts."""
        if self.text:
            self.paragraph()
        self.item_first = False

    def start(self, value: Any) -> None:
        if isinstance(value, str):
            if value == "Paragraph":
                self.flush()
            elif value == "Item":
                self.flush()
                self.items += 1
                self.item_first = True
            elif value in ("TableHead", "TableRow"):
                self.row = []
            elif value == "TableCell":
                self.text = []
            elif value == "HtmlBlock":
                self.flush()
                self.html = []
            return
        (kind,) = value
        if kind in ("Heading", "CodeBlock", "Table"):
            self.flush()
        elif kind == "List":
            self.flush()
            self.counters.append(value[kind])
        elif kind == "BlockQuote":
            self.flush()
            self.quotes += 1

    def end(self, value: Any) -> None:
        if isinstance(value, str):
            if value == "Paragraph":
                self.paragraph()
            elif value == "Item":
                self.flush()
                self.items -= 1
            elif value == "TableCell":
                self.row.append("".join(self.text))
                self.text = []
            elif value in ("TableHead", "TableRow"):
                cells = [cell for cell in self.row if cell.strip()]
                if cells:
                    self.blocks.append(Block(0, "; ".join(cells), "table-row"))
            elif value == "CodeBlock":
                self.blocks.append(Block(0, "".join(self.text), "code"))
                self.text = []
            elif value == "HtmlBlock":
                stripped = _TAG.sub(" ", "".join(self.html))
                if stripped.strip():
                    self.blocks.append(Block(0, stripped, self._kind()))
            return
        (kind,) = value
        if kind == "Heading":
            self.blocks.append(Block(_LEVELS[value[kind]], "".join(self.text), "heading"))
            self.text = []
        elif kind == "List":
            self.flush()
            self.counters.pop()
        elif kind == "BlockQuote":
            self.flush()
            self.quotes -= 1


def parse_markdown(text: str) -> Parsed:
    """Parse Markdown (already decoded) into headings and body blocks, and its front matter."""
    fields, body = split_front_matter(text)
    state = _Blocks()
    # Events are plain dicts and strings; their TypedDict unions would only slow this loop.
    events: Iterator[Any] = pyromark.events(body, options=_OPTIONS)
    for event in events:
        if isinstance(event, str):  # "SoftBreak", "HardBreak", "Rule"
            if event != "Rule":
                state.text.append(" ")
            continue
        (key,) = event
        if key in ("Text", "Code"):
            state.text.append(event[key])
        elif key == "Start":
            state.start(event[key])
        elif key == "End":
            state.end(event[key])
        elif key == "Html":
            state.html.append(event[key])
        # InlineHtml: tags are not words.
    state.flush()
    return Parsed(tuple(state.blocks), fields)


class MarkdownFormat:
    """Markdown files, chosen by their suffix (Markdown cannot be told from its bytes)."""

    name = "Markdown"
    suffixes = frozenset({".md", ".markdown", ".mdown", ".mkd"})

    def sniff(self, source: Source) -> bool:
        """Never: any plain text is valid Markdown, so only the suffix decides."""
        del source
        return False

    def parse(self, source: Source) -> Parsed:
        """Decode the bytes as text, then parse them as Markdown."""
        text, notices, removed = read_text(source)
        parsed = parse_markdown(text)
        return Parsed(parsed.blocks, parsed.fields, notices, removed)


FORMAT = MarkdownFormat()
