"""The text to speak for a paragraph, with a map back to the paragraph's own offsets.

Engines read ``$1 million``, ``1970s``, ``9/11``, ``IACP`` or ``Dr.`` badly or differently
(Piper ends a sentence at ``Dr.``; eSpeak says "dollar one million"). ``speakable`` turns
them into words (number words from num2words) and keeps, for every stretch of the spoken
text, the stretch of the original it came from, so word marks reported by the engine in
the spoken text map back to the document's words with ``Speakable.to_original``.

A user pronunciation dictionary (see ``pronunciations``) comes first: its entries win
over every built-in rule. Text no rule touches is spoken as it is.

Units: character offsets (code points), half-open, in the paragraph text (``original``)
and in the spoken text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from num2words import num2words

from reader.narration.pronunciations import Dictionary, Rule, say

# Read as words, not letter by letter (everything else in capitals is spelled out).
ACRONYMS = frozenset(
    "NATO NASA UNESCO UNICEF NAFTA OPEC FEMA SWAT AIDS COVID INTERPOL ASEAN LASER RADAR "
    "SCUBA NIMBY COPS DARPA OSHA HUD GIF JPEG WASP SARS MERS OK".split()
)
MONTHS = (
    "January February March April May June July August September October November December"
).split()
ABBREVIATIONS = {
    "Jan.": "January", "Feb.": "February", "Mar.": "March", "Apr.": "April",
    "Jun.": "June", "Jul.": "July", "Aug.": "August", "Sep.": "September",
    "Sept.": "September", "Oct.": "October", "Nov.": "November", "Dec.": "December",
    "Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Prof.": "Professor",
    "Gen.": "General", "Sen.": "Senator", "Rep.": "Representative", "Gov.": "Governor",
    "Lt.": "Lieutenant", "Sgt.": "Sergeant", "Capt.": "Captain", "Jr.": "Junior",
    "Sr.": "Senior", "vs.": "versus", "etc.": "et cetera",
    "e.g.": "for example", "i.e.": "that is",
}  # fmt: skip
CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}
FRACTIONS = {"½": "one half", "⅓": "one third", "⅔": "two thirds", "¼": "one quarter",
             "¾": "three quarters", "⅛": "one eighth"}  # fmt: skip
# Numbers said as pairs of numbers, not as fractions or dates.
NUMBER_PAIRS = {"9/11": "nine eleven", "24/7": "twenty-four seven", "7/11": "seven eleven"}


@dataclass(frozen=True, slots=True)
class Speakable:
    """Spoken text and its map: ``pieces`` are ``(original_start, spoken_start)`` where a
    stretch begins; ``same[i]`` says whether stretch ``i`` is spoken as written."""

    original: str
    text: str
    pieces: tuple[tuple[int, int], ...]
    same: tuple[bool, ...]

    def to_original(self, offset: int, *, end: bool = False) -> int:
        """The original offset of spoken ``offset``: exact in text spoken as written; inside
        a replaced stretch its start (its end with ``end=True``, for the end of a span)."""
        offset = min(max(offset, 0), len(self.text))
        if offset == len(self.text):
            return len(self.original)
        index = bisect_right([s for _, s in self.pieces], offset) - 1
        original_start, spoken_start = self.pieces[index]
        if self.same[index]:
            return original_start + offset - spoken_start
        if end and offset > spoken_start:
            return self._original_end(index)
        return original_start

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of spoken ``[start, end)`` (an engine's word event): a word
        inside a replaced stretch gets the whole stretch ("million" -> "$1 million")."""
        first = self.to_original(start)
        return first, max(first, self.to_original(end, end=True))

    def to_spoken(self, offset: int) -> int:
        """The spoken offset of original ``offset`` (the start of its replacement)."""
        offset = min(max(offset, 0), len(self.original))
        if offset == len(self.original):
            return len(self.text)
        index = bisect_right([o for o, _ in self.pieces], offset) - 1
        original_start, spoken_start = self.pieces[index]
        if self.same[index]:
            return spoken_start + offset - original_start
        return spoken_start

    def _original_end(self, index: int) -> int:
        return self.pieces[index + 1][0] if index + 1 < len(self.pieces) else len(self.original)


def _words(value: int | Decimal, to: str = "cardinal") -> str:
    # num2words writes "one thousand, two hundred": a comma an engine would pause at.
    return str(num2words(value, lang="en", to=to)).replace(",", "")


def _number(text: str) -> str:
    value = Decimal(text.replace(",", ""))
    return _words(value if "." in text else int(value))


def _year(text: str) -> str:
    return _words(int(text), "year")


def _ordinal(text: str) -> str:
    return _words(int(text.replace(",", "")), "ordinal")


def _money(match: re.Match[str]) -> str:
    one, many, cent, cents = CURRENCIES[match["cur"]]
    whole, part, scale = match["whole"], match["part"], match["scale"]
    if scale:
        amount = _number(whole + (f".{part}" if part else ""))
        return f"{amount} {scale.lower()} {many}"
    units = int(whole.replace(",", ""))
    hundredths = int((part or "0").ljust(2, "0"))
    said = [f"{_number(whole)} {one if units == 1 else many}"] if units or not hundredths else []
    if hundredths:
        said.append(f"{_number(str(hundredths))} {cent if hundredths == 1 else cents}")
    return " and ".join(said)


def _decade(match: re.Match[str]) -> str:
    century, decade = match["century"], match["decade"]
    if decade == "0":  # 1900s, 2000s
        return f"{_year(century + '00')}s" if century != "20" else "two thousands"
    words = _number(decade + "0")
    plural = words[:-1] + "ies" if words.endswith("y") else words + "s"
    return f"{_number(century)} {plural}" if century else plural


def _date(match: re.Match[str]) -> str:
    month = match["month"]
    month = next(m for m in MONTHS if m.startswith(month.rstrip(".")))
    said = f"{month} {_ordinal(match['day'])}"
    return f"{said}, {_year(match['year'])}" if match["year"] else said


def _fraction(match: re.Match[str]) -> str:
    top, bottom = int(match["top"]), int(match["bottom"])
    name = {2: "half", 4: "quarter"}.get(bottom) or _words(bottom, "ordinal")
    if top != 1:
        name = "halves" if bottom == 2 else name + "s"
    return f"{_number(match['top'])} {name}"


def _spell_unless_word(match: re.Match[str]) -> str:
    word = match[0]
    return word if word in ACRONYMS or _roman(word) else " ".join(word)


def _abbreviation_end(abbreviation: str) -> str:
    """What must follow an abbreviation for it to be one: a title ("Dr.") comes before a
    name, a month before a space; "etc." and the like may end a sentence."""
    if abbreviation in {f"{m[:3]}." for m in MONTHS} | {"Sept."}:
        return r"(?=\s)"
    return r"(?=\s+[A-Z])" if abbreviation[0].isupper() else ""


# A number stands alone: not inside a word, a phone number (555-1234), a time (10:30), a
# path or a longer number; a comma or full stop after it is punctuation.
_NUMBER_START = r"(?<![\w.,/:$£€-])"
_NUMBER_END = r"(?![\w/]|[.,:-]\d)"
_MONTH = "|".join([*MONTHS, *(m[:3] + r"\.?" for m in MONTHS), r"Sept\.?"])
BUILT_IN: Sequence[Rule] = (
    (
        r"(?P<cur>[$£€])(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<part>\d{1,2}))?(?!\d)"
        r"(?:\s+(?P<scale>thousand|million|billion|trillion)\b)?",
        _money,
    ),
    ("|".join(re.escape(k) for k in NUMBER_PAIRS), lambda m: NUMBER_PAIRS[m[0]]),
    (
        rf"\b(?P<month>{_MONTH})\s(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s(?P<year>\d{{4}})\b)?",
        _date,
    ),
    (r"(?<![\d'])\b(?P<century>1\d|20)(?P<decade>\d)0s\b", _decade),
    (r"(?<=\s)['’](?P<century>)(?P<decade>\d)0s\b", _decade),
    (r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: _ordinal(m[1])),
    (r"(?<![\d/])\b(?P<top>\d{1,2})/(?P<bottom>[2-9]|10)\b(?![/\d])", _fraction),
    ("|".join(FRACTIONS), lambda m: FRACTIONS[m[0]]),
    (r"\band/or\b", say("and or")),
    (r"(?<=[A-Za-z])/(?=[A-Za-z])", say(" or ")),
    (r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%", lambda m: f"{_number(m[0][:-1])} percent"),
    (rf"{_NUMBER_START}(?:1[1-9]|20)\d\d{_NUMBER_END}", lambda m: _year(m[0])),
    (rf"{_NUMBER_START}(?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,15}})(?:\.\d+)?{_NUMBER_END}",
     lambda m: _number(m[0])),
    ("|".join(rf"\b{re.escape(k)}{_abbreviation_end(k)}" for k in ABBREVIATIONS),
     lambda m: ABBREVIATIONS[m[0]]),
    (r"\b[A-Z]{2,6}\b", _spell_unless_word),
)  # fmt: skip


def _roman(word: str) -> bool:
    return re.fullmatch(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", word) is not None


@dataclass(frozen=True, slots=True)
class Options:
    """Choices that depend on the engine: ``spell_us`` turns ``U.S.`` into "U S" for
    engines (Piper) that end a sentence at its full stop; eSpeak reads it well."""

    spell_us: bool = False


def speakable(
    text: str, dictionary: Dictionary | None = None, options: Options = Options()
) -> Speakable:
    """What to say for ``text`` and the map back to it (see the module docstring)."""
    rules: list[Rule] = list(dictionary.rules() if dictionary else ())
    if options.spell_us:
        rules.append((r"\bU\.S\.(?:A\.)?", lambda m: m[0].replace(".", " ").strip()))
    rules += BUILT_IN
    shouting = _mostly_capitals(text)
    spoken: list[str] = []
    pieces: list[tuple[int, int]] = []
    same: list[bool] = []
    length = 0

    def add(original_start: int, piece: str, kept: bool) -> None:
        nonlocal length
        if not piece and kept:
            return
        if pieces and same[-1] and kept:
            spoken.append(piece)  # extends the stretch spoken as written
        else:
            pieces.append((original_start, length))
            same.append(kept)
            spoken.append(piece)
        length += len(piece)

    position = 0
    for index, match in _matches(text, [re.compile(p) for p, _ in rules]):
        spell = rules[index][1] is _spell_unless_word
        replacement = match[0] if spell and shouting else rules[index][1](match)
        if replacement == match[0]:
            continue  # said as written (NATO): stays in the kept text around it
        add(position, text[position : match.start()], True)
        # Keep what the replacement shares at its ends with the original exact, in whole
        # words only ("IACP" -> "I A C P" must not keep the "I" as the word "I").
        found = match[0]
        head = _common_prefix(found, replacement)
        while head and found[head - 1].isalnum():
            head -= 1
        tail = _common_prefix(found[head:][::-1], replacement[head:][::-1])
        while tail and found[len(found) - tail].isalnum():
            tail -= 1
        add(match.start(), match[0][:head], True)
        middle_end = match.end() - tail
        if match.start() + head < middle_end or len(replacement) - tail > head:
            add(match.start() + head, replacement[head : len(replacement) - tail], False)
        add(middle_end, match[0][len(match[0]) - tail :], True)
        position = match.end()
    add(position, text[position:], True)
    if not pieces:
        pieces, same = [(0, 0)], [True]
    return Speakable(text, "".join(spoken), tuple(pieces), tuple(same))


def _matches(text: str, patterns: Sequence[re.Pattern[str]]) -> Iterator[tuple[int, re.Match[str]]]:
    """Non-overlapping matches of all ``patterns`` left to right: the earliest first, the
    first pattern on a tie. Each pattern keeps its next match and searches again only
    when that one was overtaken, so a paragraph costs a few searches per rule."""
    ahead: list[re.Match[str] | None] = [p.search(text) for p in patterns]
    position = 0
    while True:
        best: tuple[int, int] | None = None
        for index, pattern in enumerate(patterns):
            match = ahead[index]
            while match is not None and (match.start() < position or not match[0]):
                start = max(position, match.start() + (0 if match[0] else 1))
                match = pattern.search(text, start) if start <= len(text) else None
            ahead[index] = match
            if match is not None and (best is None or match.start() < best[0]):
                best = (match.start(), index)
        if best is None:
            return
        found = ahead[best[1]]
        assert found is not None
        yield best[1], found
        position = found.end()


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _mostly_capitals(text: str) -> bool:
    # A heading or a line in capitals is emphasis, not a string of initialisms.
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.islower() for c in letters) < 0.1 * len(letters)
