"""Sentence and word splitting for real prose.

Units: offsets are character offsets into the string passed in, shifted by ``base`` so a
caller can get document offsets directly. Every sentence and word span satisfies
``text[start - base:end - base] == unit.text``.

Sentence ends are found at ``.``, ``!``, ``?``, ``…`` (and CJK full stops), including
closing quotes and brackets that follow them. A full stop does not end a sentence after a
known abbreviation ("Mr.", "Jan.", "St."), after an initial ("John F. Kennedy"), or inside
a number ("$1.5"). After a dotted initialism ("U.S.", "a.m.") the sentence ends only when
the next word is a typical sentence opener ("The", "We", "I", ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reader.units import Sentence, Word

# Characters that separate words: white space, ASCII punctuation (but $ % & which belong to
# amounts and names), Latin-1 punctuation, general punctuation, CJK and fullwidth punctuation.
_ASCII_SEPARATORS = r"\s!\"'()*+,\-./:;<=>?@\[\\\]^_`{|}~"
_OTHER_SEPARATORS = (
    "\u00a1\u00a7\u00ab\u00b6\u00b7\u00bb\u00bf"
    "\u2000-\u206f\u2e00-\u2e7f\u3000-\u303f\ufe10-\ufe1f\ufe30-\ufe4f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
_SEPARATORS = _ASCII_SEPARATORS + _OTHER_SEPARATORS
_WORD_CHAR = f"[^{_SEPARATORS}]"
# Punctuation allowed *inside* a word: don't, MS-13, 30,000, 9/11, 1.5, AT&T, 10:30.
_JOINERS = "'\u2019.,/:\\-\u2010\u2011"
_WORD_RE = re.compile(
    rf"(?:[A-Za-z]\.){{2,}}(?!{_WORD_CHAR})"  # U.S., a.m., e.g.
    rf"|{_WORD_CHAR}+(?:[{_JOINERS}]{_WORD_CHAR}+)*"
)

_TERMINATORS = ".!?\u2026\u3002\uff01\uff1f\u203c\u2047\u2048\u2049"
_CLOSERS = "\"'\u2019\u201d\u00bb\u203a)]}\u300d\u300f\uff09"
_OPENERS = "\"'\u2018\u201c\u00ab\u2039([{\u300c\u300e\uff08"
# A candidate end: terminators, then closers, then white space (or the end of the text).
# CJK full stops end a sentence without any following space.
_T = re.escape(_TERMINATORS)
_C = re.escape(_CLOSERS)
# One character class first, so that the engine skips to the next terminator in C (an
# alternation first made it try the whole pattern at every character).
_END_RE = re.compile(rf"[{_T}](?:[{_T}]*[{_C}]*(?=\s|$)|(?<=[\u3002\uff01\uff1f])[{_C}]*)")

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st mt ft sr jr rev hon gen lt col maj capt cmdr sgt cpl pvt adm
    gov sen rep pres supt insp det atty messrs mme mlle
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    no nos vol vols pp fig figs ch sec art approx dept est inc corp co ltd bros ave blvd
    vs cf viz al ca
    """.split()
)

# Words that open a new sentence after an initialism like "U.S." or "a.m.".
_SENTENCE_OPENERS = frozenset(
    """
    the a an this that these those it its i we you he she they our my his her their
    there here in on at but and so if when while as after before now then yet however
    today tomorrow yesterday what why how who where
    """.split()
)


def iter_words(text: str, base: int = 0) -> Iterator[Word]:
    """Yield the words of ``text`` with offsets shifted by ``base``."""
    for match in _WORD_RE.finditer(text):
        yield Word(match.start() + base, match.end() + base, match.group())


def _word_before(text: str, end: int) -> str:
    """The run of non-space characters that ends at ``end`` (exclusive)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _next_word(text: str, start: int) -> str:
    """The next run of non-space characters from ``start``, opening quotes stripped."""
    while start < len(text) and text[start].isspace():
        start += 1
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end].lstrip(_OPENERS)


def _is_sentence_end(text: str, match: re.Match[str], last: int, lead: int) -> bool:
    """Decide whether a candidate end really closes a sentence. ``last`` is the length of
    ``text`` without trailing white space, ``lead`` the index of its first non-space
    character (computed once per text: recomputing them per candidate made a long
    paragraph cost time quadratic in its length)."""
    marks = match.group()
    if match.end() >= last:
        return True
    following = _next_word(text, match.end())
    if not following:
        return True
    first = following[0]
    if first.islower():
        # "Wait… what", "“Really?” he asked", "e.g. this": a lower-case word continues.
        return False
    if marks[0] != "." or marks.startswith("..."):
        return True
    token = _word_before(text, match.start()).lstrip(_OPENERS)
    bare = token.rstrip(".")
    if not bare:
        return True
    if bare.isdigit() and match.start() - len(bare) <= lead:
        return False  # a list number: "1. Delivered by ..."
    if "." in bare and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", bare):
        # An initialism (U.S., a.m.): split only before a typical sentence opener.
        return following.rstrip(_CLOSERS + ",;:").lower() in _SENTENCE_OPENERS
    if len(bare) == 1 and bare.isalpha() and bare.isupper() and bare != "I":
        return False  # an initial: "John F. Kennedy" (but "so have I. And")
    return bare.lower() not in ABBREVIATIONS


def iter_sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` of each sentence in ``text`` (no surrounding white space)."""
    start = 0
    length = len(text)
    last = len(text.rstrip())
    lead = length - len(text.lstrip())
    for match in _END_RE.finditer(text):
        if match.end() <= start or not _is_sentence_end(text, match, last, lead):
            continue
        while start < match.end() and text[start].isspace():
            start += 1
        if start < match.end():
            yield start, match.end()
        start = match.end()
    while start < length and text[start].isspace():
        start += 1
    end = length
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def split_sentences(text: str, base: int = 0) -> tuple[Sentence, ...]:
    """Split ``text`` into sentences with their words; offsets shifted by ``base``."""
    sentences = []
    for start, end in iter_sentence_spans(text):
        chunk = text[start:end]
        words = tuple(iter_words(chunk, base + start))
        sentences.append(Sentence(base + start, base + end, chunk, words))
    return tuple(sentences)
