"""Counting sentences and words by :mod:`reader.segment`'s rules without building them.

``reader info`` on a 50 MB book needs the number of sentences and words of every
paragraph, not millions of :class:`~reader.units.Sentence` and :class:`~reader.units.Word`
objects; building them took about forty times the text in memory and most of the time.
These counts give exactly ``len(split_sentences(text))`` and the number of words in them
(``tests/unit/test_counts.py`` proves it on the test corpus, on generated prose and on
random text made of the characters the rules care about).

Words: a word is a run of word characters, or several joined by single joiners (``don't``,
``30,000``, ``MS-13``). So the count is the number of runs of word characters less the
number of joiners that sit between two word characters; both are counted by the C code of
``bytes.translate``/``bytes.split`` and one regular expression that matches only at those
joiners (the few non-ASCII separators and joiners are first mapped to ASCII ones).

Sentences: the same candidate ends as :mod:`reader.segment`, each found with the first
letter after it, so most are decided without building any string; a sentence is counted,
never cut out of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reader.segment import (
    _ASCII_SEPARATORS,
    _CLOSERS,
    _OPENERS,
    _OTHER_SEPARATORS,
    _SENTENCE_OPENERS,
    _TERMINATORS,
    ABBREVIATIONS,
    _next_word,
)

__all__ = ["count_sentences", "count_words"]

_SEPARATOR = re.compile(f"[{_ASCII_SEPARATORS}]")
_ASCII_JOINERS = "'.,/:-"
# Every byte as one of three letters: "a" a word character (all of a non-ASCII character's
# UTF-8 bytes are >= 0x80, and every non-ASCII character left is a word character),
# "." a joiner, " " any other separator.
_CLASSES = bytes(
    ord("." if chr(c) in _ASCII_JOINERS else " " if _SEPARATOR.match(chr(c)) else "a")
    if c < 128
    else ord("a")
    for c in range(256)
)
# Non-ASCII white space (what ``\s`` matches beyond ASCII) and the other separators.
_NON_ASCII_SPACE = "".join(chr(c) for c in (0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F))
_NON_ASCII_SEPARATOR = re.compile(f"[{_NON_ASCII_SPACE}{_OTHER_SEPARATORS}]")
# The non-ASCII joiners, as the ASCII joiner that behaves the same.
_NON_ASCII_JOINERS = (("\u2019", "'"), ("\u2010", "-"), ("\u2011", "-"))


def count_words(text: str) -> int:
    """How many words :func:`reader.segment.split_sentences` finds in ``text``.

    The same as the words of every sentence: sentences cover every non-space character,
    and no word crosses a sentence end (an end is followed by white space, or is a CJK
    full stop, and both separate words).
    """
    if not text.isascii():
        for joiner, ascii_joiner in _NON_ASCII_JOINERS:
            if joiner in text:
                text = text.replace(joiner, ascii_joiner)
        text = _NON_ASCII_SEPARATOR.sub(" ", text)
    classes = text.encode("utf-8", "surrogatepass").translate(_CLASSES)
    # Words are runs of word characters ("a") less the joiners between two of them: runs
    # start after a space, a joiner or at the start; a joiner links two runs unless a
    # space or another joiner is before it. What is left: a run after a space or at the
    # start, or after a joiner that does not link.
    return (
        classes.count(b" a")
        + classes.count(b" .a")
        + classes.count(b"..a")
        + classes.startswith(b"a")
        + classes.startswith(b".a")
    )


_T = re.escape(_TERMINATORS)
_C = re.escape(_CLOSERS)
_O = re.escape(_OPENERS)
# segment's candidate ends, each with the first letter of the next word (opening quotes
# skipped; empty at the end of the text), so most are decided without looking further.
# It opens with one character class so that the regular expression engine skips ahead
# to the next terminator in C instead of trying the pattern at every character.
_CANDIDATE = re.compile(
    rf"[{_T}](?:[{_T}]*[{_C}]*(?=\s|\Z)|(?<=[\u3002\uff01\uff1f])[{_C}]*)"
    rf"(?=\s*[{_O}]*(\S?))"
)
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_CJK_STOP = re.compile("[\u3002\uff01\uff1f]")
# Ends that segment's rules always accept: a full stop right after a plain word (seven
# letters or more, or two to six after a space that are no abbreviation: no initial,
# initialism or list number looks like that) or a run that opens with another
# terminator, before white space and a capital or a digit (opening quotes allowed). Each
# pattern opens with one character class, so the engine skips ahead in C; a run of
# terminators is only looked at from its first character.
_BANGS = re.escape(_TERMINATORS.replace(".", ""))
_NEXT_CAPITAL = rf"(?=\s+[{_O}]*[A-Z0-9])"


def _plain_word_stop() -> str:
    """Lookbehinds (after the full stop) that hold when the word before the stop is seven
    or more letters, or two to six letters after a space that are not an abbreviation."""
    parts = [r"(?<=[A-Za-z]{7}\.)"]
    for length in range(2, 7):
        part = rf"(?<=\s[A-Za-z]{{{length}}}\.)"
        short = sorted(a for a in ABBREVIATIONS if len(a) == length)
        if short:
            part += rf"(?<!\s(?i:{'|'.join(short)})\.)"
        parts.append(part)
    return "(?:" + "|".join(parts) + ")"


_SURE_TAIL = (
    rf"{_plain_word_stop()}[{_C}]*{_NEXT_CAPITAL}|(?<=[{_BANGS}])[{_T}]*[{_C}]*{_NEXT_CAPITAL}"
)
_RUN_START = rf"[{_T}](?<![{_T}][{_T}])"
_SURE_END = re.compile(rf"{_RUN_START}(?:{_SURE_TAIL})")
# Every other candidate end.
_UNSURE_END = re.compile(
    rf"{_RUN_START}(?!{_SURE_TAIL})"
    rf"(?:[{_T}]*[{_C}]*(?=\s|\Z)|(?<=[\u3002\uff01\uff1f])[{_C}]*)(?=\s*[{_O}]*(\S?))"
)


def _word_before(text: str, end: int) -> str:
    """The run of non-space characters that ends at ``end``, opening quotes stripped."""
    token = text[text.rfind(" ", 0, end) + 1 : end]
    if token and not token[-1].isspace():
        return token.rsplit(None, 1)[-1].lstrip(_OPENERS)
    return ""


def _full_stop_ends(text: str, match: re.Match[str], lead: int) -> bool:
    """``reader.segment._is_sentence_end`` for a full stop before a word that is not in
    lower case (``lead``: where the text's first non-space character is)."""
    start = match.start()
    bare = _word_before(text, start).rstrip(".")
    if not bare:
        return True
    if bare.isdigit() and start - len(bare) <= lead:
        return False  # a list number: "1. Delivered by ..."
    if "." in bare and _INITIALISM.fullmatch(bare):
        word = _next_word(text, match.end())
        return word.rstrip(_CLOSERS + ",;:").lower() in _SENTENCE_OPENERS
    if len(bare) == 1 and bare.isalpha() and bare.isupper() and bare != "I":
        return False
    return bare.lower() not in ABBREVIATIONS


def _count_one_by_one(text: str, candidates: Iterator[re.Match[str]]) -> int:
    """How many of ``candidates`` end a sentence, each decided by segment's rules."""
    lead = len(text) - len(text.lstrip())
    count = 0
    for match in candidates:
        following = match.group(1)
        if following:
            if following.islower():
                continue  # "Wait… what", "e.g. this": a lower-case word continues
            marks = match.group()
            start = match.start()
            if (
                marks[0] == "."
                and not marks.startswith("...")
                # Seven letters before the stop: a plain word, no abbreviation, initial,
                # initialism or list number (the checks below, for the rest).
                and not (start >= 7 and text[start - 7 : start].isalpha())
                and not _full_stop_ends(text, match, lead)
            ):
                continue
        count += 1
    return count


def count_sentences(text: str) -> int:
    """How many sentences :func:`reader.segment.split_sentences` finds in ``text``."""
    if _CJK_STOP.search(text):
        # A CJK full stop can end a sentence inside a run of terminators, which the
        # shortcut below does not allow for: decide every candidate the long way.
        count = _count_one_by_one(text, _CANDIDATE.finditer(text))
    else:
        # The sure ends (a plain word's full stop, or ! ? …, before a capital or a digit)
        # are counted in C; only the others are decided one by one.
        count = len(_SURE_END.findall(text))
        count += _count_one_by_one(text, _UNSURE_END.finditer(text))
    # The rest after the last end is one more sentence when it holds anything; the text
    # ends with an end exactly when it ends with terminators and closers.
    stripped = text.rstrip()
    if not stripped:
        return count
    tail = stripped.rstrip(_CLOSERS)
    return count if tail and tail[-1] in _TERMINATORS else count + 1
