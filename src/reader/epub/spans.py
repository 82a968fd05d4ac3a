"""Ids for narrated text inside a book's own XHTML: each sentence wrapped in a
``<span id>`` inside the element that holds it, nothing else changed.

A block's text came from a run of an element's content (see
:class:`reader.formats.xhtml.Origin`). Its characters are found again in the tree by
matching the paragraph's non-white-space characters, in order, against the run's readable
characters (text, and the alt text of images as one unsplittable piece), read with the
walker's own rules; white space, list numbers and note markers the walker added, and
characters the cleaning removed, are skipped.

Where a sentence can be wrapped: its first and last characters are in text with the same
parent element, or become so by moving a boundary out of an inline element it starts or
ends (``<em>Yes.</em>`` wraps the ``em``). Where it cannot (the sentence starts in the
middle of an ``em`` and ends after it, or two sentences share one image's alt text), the
safe fallback is the enclosing block: the overlay highlights the whole paragraph while that
sentence plays. Table rows, list text outside items and navigation documents always use the
block (spans are not allowed there).

Units: ``char_start``/``char_end`` are offsets into ``Paragraph.text``; a point in the tree
is (parent element, chunk, offset) where chunk 0 is ``parent.text`` and chunk k the tail of
child k-1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lxml import etree

from reader.formats.elements import NEVER_READ as _NEVER_READ
from reader.formats.elements import entity_text, is_backlink, is_hidden, is_noteref, local
from reader.formats.xhtml import Origin
from reader.sanitize import clean_text

XHTML_NS = "http://www.w3.org/1999/xhtml"
SPAN = f"{{{XHTML_NS}}}span"
_ATOMS = frozenset({"img", "area", "input", "svg", "math"})


@dataclass(frozen=True, slots=True)
class Point:
    """A place between two characters: offset ``offset`` in chunk ``chunk`` of
    ``parent``."""

    parent: etree._Element
    chunk: int
    offset: int


@dataclass
class Plan:
    """What to do for one paragraph: its block target and each sentence's range (None:
    the sentence uses the block)."""

    number: int
    origin: Origin
    block_id: str
    order: int
    ranges: list[tuple[Point, Point] | None] = field(default_factory=list)
    wrap_run: bool = False
    spans_allowed: bool = True
    kind: str = "s"


def chunk_text(parent: etree._Element, chunk: int) -> str:
    """The text of chunk ``chunk`` of ``parent`` ("" for none)."""
    value = parent.text if chunk == 0 else parent[chunk - 1].tail
    return value or ""


def _set_chunk(parent: etree._Element, chunk: int, value: str) -> None:
    if chunk == 0:
        parent.text = value or None
    else:
        parent[chunk - 1].tail = value or None


@dataclass(frozen=True, slots=True)
class _Segment:
    """A piece of a run's readable text: a text chunk of ``parent``, or the whole of an
    ``atom`` (an image's alt text, an entity) that cannot be split."""

    parent: etree._Element
    chunk: int
    text: str
    atom: etree._Element | None = None

    def start(self, offset: int) -> Point:
        """The point before character ``offset`` (before the atom, for an atom)."""
        if self.atom is None:
            return Point(self.parent, self.chunk, offset)
        return Point(self.parent, self.chunk, len(chunk_text(self.parent, self.chunk)))

    def end(self, offset: int) -> Point:
        """The point after character ``offset`` (after the atom, for an atom)."""
        if self.atom is None:
            return Point(self.parent, self.chunk, offset + 1)
        return Point(self.parent, self.chunk + 1, 0)


def _text(parent: etree._Element, chunk: int) -> Iterator[_Segment]:
    text = chunk_text(parent, chunk)
    if text:
        yield _Segment(parent, chunk, text)


def _atom(node: etree._Element, text: str) -> Iterator[_Segment]:
    parent = node.getparent()
    assert parent is not None
    if text:
        yield _Segment(parent, parent.index(node), text, node)


def _readable(node: etree._Element) -> bool:
    name = local(node)
    if not name or name in _NEVER_READ or is_hidden(node):
        return False
    return not (is_noteref(node) or is_backlink(node))


def _inline(node: etree._Element) -> Iterator[_Segment]:
    """The readable text of an inline element, as the walker reads it."""
    tag = local(node)
    if tag in ("img", "area", "input"):
        yield from _atom(node, node.get("alt") or "")
        return
    if tag == "svg":
        titles = ("".join(map(str, t.itertext())) for t in node if local(t) == "title")
        yield from _atom(node, node.get("aria-label") or " ".join(titles))
        return
    if tag == "math":
        yield from _atom(node, node.get("alttext") or "".join(map(str, node.itertext())))
        return
    if tag == "br":
        return
    yield from _text(node, 0)
    for index, child in enumerate(node):
        if isinstance(child, etree._Entity):
            yield from _atom(child, entity_text(child))
        elif _readable(child):
            yield from _inline(child)
        yield from _text(node, index + 1)


def run_segments(origin: Origin) -> Iterator[_Segment]:
    """The readable text of a block's run, in order."""
    element = origin.element
    yield from _text(element, origin.start)
    for index in range(origin.start, origin.stop):
        child = element[index]
        if isinstance(child, etree._Entity):
            yield from _atom(child, entity_text(child))
        elif _readable(child):
            yield from _inline(child)
        yield from _text(element, index + 1)


class Located:
    """A paragraph's characters found in its run: :meth:`range` gives a unit's first and
    last characters as tree points (with the atoms they lie in)."""

    def __init__(
        self, segments: list[_Segment], places: tuple[list[int], list[int]], found: list[int]
    ) -> None:
        self._segments = segments
        self._places = places  # source non-space character -> (segment, offset)
        self._found = found  # paragraph character -> source non-space character, or -1

    def range(
        self, char_start: int, char_end: int
    ) -> tuple[Point, Point, etree._Element | None, etree._Element | None] | None:
        """Points around the unit's text in the tree, or None when none of it is there."""
        hits = [k for k in self._found[char_start:char_end] if k >= 0]
        if not hits:
            return None
        in_segment, offsets = self._places
        head, tail = self._segments[in_segment[hits[0]]], self._segments[in_segment[hits[-1]]]
        return (head.start(offsets[hits[0]]), tail.end(offsets[hits[-1]]), head.atom, tail.atom)


def align(text: str, origin: Origin) -> Located | None:
    """Find the paragraph ``text`` in its run: its non-space characters, after those the
    walker added before the run, must be the run's readable ones in order (characters the
    cleaning removed may be missing). None when they are not."""
    segments = list(run_segments(origin))
    in_segment: list[int] = []
    offsets: list[int] = []
    chars: list[str] = []
    for number, segment in enumerate(segments):
        for offset, char in enumerate(segment.text):
            if not char.isspace():
                in_segment.append(number)
                offsets.append(offset)
                chars.append(char)
    places = (in_segment, offsets)
    prefix = sum(1 for char in text[: origin.prefix] if not char.isspace())
    mine = [i for i, char in enumerate(text) if not char.isspace()][prefix:]
    found = [-1] * len(text)
    if "".join(text[i] for i in mine) == "".join(chars):
        for k, index in enumerate(mine):
            found[index] = k
        return Located(segments, places, found)
    source = 0
    for index in mine:
        while source < len(chars) and chars[source] != text[index]:
            if clean_text(chars[source])[0]:
                return None  # a character the cleaning kept but the text does not have
            source += 1
        if source == len(chars):
            return None
        found[index] = source
        source += 1
    if any(clean_text(char)[0] for char in chars[source:]):
        return None
    return Located(segments, places, found)


def _lift_start(point: Point, top: etree._Element) -> Point | None:
    parent = point.parent
    if parent is top or point.chunk != 0 or chunk_text(parent, 0)[: point.offset].strip():
        return None
    outer = parent.getparent()
    if outer is None:
        return None
    index = outer.index(parent)
    return Point(outer, index, len(chunk_text(outer, index)))


def _lift_end(point: Point, top: etree._Element) -> Point | None:
    parent = point.parent
    if parent is top or point.chunk != len(parent):
        return None
    if chunk_text(parent, point.chunk)[point.offset :].strip():
        return None
    outer = parent.getparent()
    if outer is None:
        return None
    return Point(outer, outer.index(parent) + 1, 0)


def _depth(element: etree._Element) -> int:
    return sum(1 for _ in element.iterancestors())


def wrappable(start: Point, end: Point, top: etree._Element) -> tuple[Point, Point] | None:
    """The range with both ends in one parent (moving ends out of inline elements they
    open or close), or None when the sentence crosses an element boundary."""
    lifted_start: Point | None = start
    lifted_end: Point | None = end
    while lifted_start is not None and lifted_end is not None:
        if lifted_start.parent is lifted_end.parent:
            return lifted_start, lifted_end
        if _depth(lifted_start.parent) >= _depth(lifted_end.parent):
            lifted_start = _lift_start(lifted_start, top)
        else:
            lifted_end = _lift_end(lifted_end, top)
    return None


def wrap(start: Point, end: Point, ident: str) -> tuple[etree._Element, int]:
    """Move the content from ``start`` to ``end`` (same parent) into a new ``<span
    id=ident>``; returns the span and how the parent's child count changed."""
    parent = start.parent
    span = etree.Element(SPAN)
    span.set("id", ident)
    first = chunk_text(parent, start.chunk)
    last = chunk_text(parent, end.chunk)
    if start.chunk == end.chunk:
        span.text = first[start.offset : end.offset] or None
        _set_chunk(parent, start.chunk, first[: start.offset])
        parent.insert(start.chunk, span)
        span.tail = first[end.offset :] or None
        return span, 1
    span.text = first[start.offset :] or None
    moved = [parent[k] for k in range(start.chunk, end.chunk)]
    moved[-1].tail = last[: end.offset] or None
    _set_chunk(parent, start.chunk, first[: start.offset])
    for node in moved:
        span.append(node)  # lxml moves the node (and its tail) into the span
    parent.insert(start.chunk, span)
    span.tail = last[end.offset :] or None
    return span, 1 - len(moved)


class ChapterMarks:
    """Plans and then applies the ids of one content document.

    ``ids_only``: never add spans (the navigation document, whose lists allow none).
    ``fallbacks`` counts the sentences that could have had a span but use their block."""

    def __init__(self, root: etree._Element, *, ids_only: bool = False) -> None:
        self.root = root
        self.ids_only = ids_only
        self.taken = {str(node.get("id")) for node in root.iter() if node.get("id")}
        self.plans: list[Plan] = []
        self.fallbacks = 0
        self._order = {node: index for index, node in enumerate(root.iter())}

    def new_id(self, wanted: str) -> str:
        """``wanted``, or ``wanted-2`` and so on when the book already uses it."""
        ident, count = wanted, 1
        while ident in self.taken:
            count += 1
            ident = f"{wanted}-{count}"
        self.taken.add(ident)
        return ident

    def _block_id(self, element: etree._Element, number: int) -> str:
        own = element.get("id")
        if own:
            return str(own)
        ident = self.new_id(f"ra-p{number}")
        element.set("id", ident)
        return ident

    def plan(
        self,
        number: int,
        text: str,
        origin: Origin,
        sentences: Sequence[tuple[int, int]],
        kind: str = "s",
    ) -> Plan:
        """Decide the ids of paragraph ``number`` (its sentences as paragraph-local
        ranges; or its words, with ``kind`` "w": ids then end ``-wK``). Nothing in the
        tree moves until :meth:`apply`."""
        element = origin.element
        whole = origin.whole or (origin.start == 0 and origin.stop == len(element))
        order = self._order.get(element, 0) * 2 + (1 if origin.start else 0)
        if origin.whole or self.ids_only or local(element) in ("tr", "ul", "ol", "menu"):
            plan = Plan(number, origin, self._block_id(element, number), order)
            plan.ranges = [None] * len(sentences)
            plan.spans_allowed = False
            self.plans.append(plan)
            return plan
        found = align(text, origin)
        block_id = self._block_id(element, number) if whole else self.new_id(f"ra-p{number}")
        plan = Plan(number, origin, block_id, order, wrap_run=not whole, kind=kind)
        if origin.start:
            # Runs after a nested block sort by where that block ends.
            previous = element[origin.start - 1]
            last = previous
            while len(last):
                last = last[-1]
            plan.order = self._order.get(last, 0) * 2 + 1
        atoms: list[tuple[etree._Element | None, etree._Element | None]] = []
        for char_start, char_end in sentences:
            located = found.range(char_start, char_end) if found is not None else None
            if located is None:
                plan.ranges.append(None)
                atoms.append((None, None))
                continue
            start, end, first_atom, last_atom = located
            plan.ranges.append(wrappable(start, end, element))
            atoms.append((first_atom, last_atom))
        # Two sentences in one image's alt text would need one span each around one image.
        for k in range(1, len(atoms)):
            if atoms[k - 1][1] is not None and atoms[k - 1][1] is atoms[k][0]:
                plan.ranges[k - 1] = plan.ranges[k] = None
        self.plans.append(plan)
        return plan

    def apply(self) -> dict[int, list[str]]:
        """Make the planned changes (last first, so earlier points stay valid); returns
        each paragraph's target id per sentence (its block's id where it fell back)."""
        targets: dict[int, list[str]] = {}
        for plan in sorted(self.plans, key=lambda p: p.order, reverse=True):
            ids: list[str] = [plan.block_id] * len(plan.ranges)
            stop = plan.origin.stop
            for k in range(len(plan.ranges) - 1, -1, -1):
                planned = plan.ranges[k]
                if planned is None:
                    continue
                ident = self.new_id(f"ra-p{plan.number}-{plan.kind}{k + 1}")
                _, change = wrap(*planned, ident)
                if planned[0].parent is plan.origin.element:
                    stop += change
                ids[k] = ident
            if plan.spans_allowed:
                self.fallbacks += sum(1 for ident in ids if ident == plan.block_id)
            if plan.wrap_run:
                element = plan.origin.element
                start = Point(element, plan.origin.start, 0)
                end = Point(element, stop, len(chunk_text(element, stop)))
                wrap(start, end, plan.block_id)
            targets[plan.number] = ids
        return targets
