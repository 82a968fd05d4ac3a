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

Streaming (:meth:`MarkdownFormat.stream`) cuts the text before a line that starts with a
letter after a blank line, outside fenced code and the raw HTML blocks that can hold blank
lines: there every block (list, quotation, table, paragraph) has ended, so each piece
parses as it would inside the whole. A link reference definition applies to the whole
document, so a text that may hold one is parsed in one piece.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyromark

from reader.formats.base import (
    FIRST_PIECE,
    PIECE,
    Block,
    BlockKind,
    Parsed,
    Source,
    Streamed,
)
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
    so nesting of any depth costs nothing more than its events. ``text`` and ``html`` are
    emptied, never replaced, so that the event loop may hold their ``append``."""

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
        self.text.clear()
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
                self.text.clear()
            elif value == "HtmlBlock":
                self.flush()
                self.html.clear()
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
                self.text.clear()
            elif value in ("TableHead", "TableRow"):
                cells = [cell for cell in self.row if cell.strip()]
                if cells:
                    self.blocks.append(Block(0, "; ".join(cells), "table-row"))
            elif value == "CodeBlock":
                self.blocks.append(Block(0, "".join(self.text), "code"))
                self.text.clear()
            elif value == "HtmlBlock":
                stripped = _TAG.sub(" ", "".join(self.html))
                if stripped.strip():
                    self.blocks.append(Block(0, stripped, self._kind()))
            return
        (kind,) = value
        if kind == "Heading":
            self.blocks.append(Block(_LEVELS[value[kind]], "".join(self.text), "heading"))
            self.text.clear()
        elif kind == "List":
            self.flush()
            self.counters.pop()
        elif kind == "BlockQuote":
            self.flush()
            self.quotes -= 1


# Where a piece may end: a blank line, then a line opening with a letter (no list marker,
# quotation, indentation, heading, fence or HTML).
_CUT = re.compile(r"\n[ \t]*\n(?=[A-Za-z])")
# What may hold a blank line and so hide a cut: a fence, or a raw HTML block of CommonMark's
# types 1 to 5, each opened at the start of a line indented by at most three spaces.
_OPENING = re.compile(
    r"^ {0,3}(?:(`{3,})(?=[^`\n]*$)|(~{3,})|<(pre|script|style|textarea)(?=[\s>]|$)"
    r"|(<!--|<\?|<!\[CDATA\[|<![A-Za-z]))",
    re.MULTILINE | re.IGNORECASE,
)
_HTML_CLOSERS = {"<!--": "-->", "<?": "?>", "<![cdata[": "]]>"}
# A link reference definition ("[label]: /url"), also inside a list item or a quotation,
# its label possibly over several lines: anything like one makes the text one piece.
_DEFINITION = re.compile(
    r"^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*\[(?:[^\]\\]|\\.)+\]:", re.MULTILINE
)


def _block_end(text: str, opening: re.Match[str]) -> int:
    """Where the fence or raw HTML block that ``opening`` starts ends (after its closing
    line; the end of the text when it is never closed)."""
    fence = opening.group(1) or opening.group(2)
    if fence:
        closing = rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$"
        found = re.compile(closing, re.MULTILINE).search(text, opening.end())
        return len(text) if found is None else found.end()
    tag = opening.group(3)
    if tag:  # <pre> to </pre>, in any case, on the same line or a later one
        found = re.compile(rf"</{tag}>", re.IGNORECASE).search(text, opening.start())
        at = -1 if found is None else found.start()
    else:
        at = text.find(_HTML_CLOSERS.get(opening.group(4).lower(), ">"), opening.end())
    if at < 0:
        return len(text)
    newline = text.find("\n", at)
    return len(text) if newline < 0 else newline


def _open_block_end(text: str, start: int, cut: int) -> int | None:
    """The end of a fence or raw HTML block opened in ``text[start:cut]`` and still open
    at ``cut``, else None."""
    if all(text.find(mark, start, cut) < 0 for mark in ("```", "~~~", "<")):
        return None  # most pieces of prose: three searches in C instead of a scan
    at = start
    while (opening := _OPENING.search(text, at, cut)) is not None:
        end = _block_end(text, opening)
        if end > cut:
            return end
        at = max(end, opening.end())
    return None


def _pieces(body: str) -> Iterator[str]:
    """``body`` cut where every block has ended: a small piece first, then bigger ones."""
    if "]:" in body and _DEFINITION.search(body):
        yield body
        return
    start, size = 0, FIRST_PIECE
    while start < len(body):
        at = start + size
        while True:
            found = _CUT.search(body, at)
            if found is None:
                cut = len(body)
                break
            cut = found.end()
            inside = _open_block_end(body, start, cut)
            if inside is None:
                break
            at = inside
        yield body[start:cut]
        start, size = cut, PIECE


def _parse_body(body: str, state: _Blocks) -> None:
    """Add the blocks of ``body`` (no front matter) to ``state``."""
    # Events are plain dicts and strings; their TypedDict unions would only slow this loop,
    # which runs once per event (100,000 for 1 MB): the commonest first, methods held.
    events: Iterator[Any] = pyromark.events(body, options=_OPTIONS)
    add_text, add_html = state.text.append, state.html.append
    start, end = state.start, state.end
    for event in events:
        if event.__class__ is str:  # "SoftBreak", "HardBreak", "Rule"
            if event != "Rule":
                add_text(" ")
            continue
        (key,) = event
        if key == "Start":
            start(event[key])
        elif key == "End":
            end(event[key])
        elif key in ("Text", "Code"):
            add_text(event[key])
        elif key == "Html":
            add_html(event[key])
        # InlineHtml: tags are not words.
    state.flush()


def parse_markdown(text: str) -> Parsed:
    """Parse Markdown (already decoded) into headings and body blocks, and its front matter."""
    fields, body = split_front_matter(text)
    state = _Blocks()
    _parse_body(body, state)
    return Parsed(tuple(state.blocks), fields)


def stream_markdown(text: str) -> tuple[dict[str, str], Iterator[tuple[Block, ...]]]:
    """The front matter now, and :func:`parse_markdown`'s blocks in batches, one per piece
    of the text, each parsed when it is asked for."""
    fields, body = split_front_matter(text)

    def batches() -> Iterator[tuple[Block, ...]]:
        for piece in _pieces(body):
            state = _Blocks()
            _parse_body(piece, state)
            yield tuple(state.blocks)

    return fields, batches()


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

    def stream(self, source: Source) -> Streamed:
        """Decode the bytes now (refusing them now), parse them a piece at a time."""
        text, notices, removed = read_text(source)
        fields, batches = stream_markdown(text)
        return Streamed(batches, fields, notices, removed)


FORMAT = MarkdownFormat()
