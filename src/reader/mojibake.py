"""Repairing mojibake: UTF-8 text that was once read as Windows-1252 (or Latin-1) and saved
again as UTF-8, so that "é" became "Ã©" and "’" became "â€™" (twice over: "Ã¢â‚¬â„¢").

Only sequences shaped like one UTF-8 character are touched (a lead character then the right
number of continuation characters), and one is replaced only when its bytes decode to an
assigned, printable character; legitimate Latin-1 text almost never has that shape, and
what does not decode is left as it is. Passes repeat for text encoded more than twice.
"""

from __future__ import annotations

import re
import unicodedata

# Windows-1252 puts printable characters at 0x80-0x9F; the five bytes it leaves undefined
# keep their Latin-1 meaning (as the WHATWG encoding standard does), so that every byte
# has one character and every such character one byte.
_CP1252_HIGH = {
    byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(0x80, 0xA0)
}
# Turns text back into the characters of the bytes it was decoded from (for .encode("latin-1")).
_TO_LATIN1 = {ord(char): byte for byte, char in _CP1252_HIGH.items() if ord(char) != byte}

# Continuation characters: those of the bytes 0x80-0xBF. The no-break space (0xA0) is left
# out except after "Â" and "Ã" ("Â " for a no-break space, "Ã " for "à"): French puts it between an
# accented letter and a guillemet ("été\u00a0»"), which would otherwise look like mojibake.
_CONT = "\u0080-\u009f\u00a1-\u00bf" + "".join(
    re.escape(char) for char in _CP1252_HIGH.values() if ord(char) > 0xFF
)
# Two-byte leads stop at 0xDB (Arabic): "Ü", "Ý", "Þ", "ß" before "»" or "°" are real text
# far more often than mojibake of Syriac, Thaana or NKo.
# The lead comes first as one character class, the alternatives then check which lead it
# was: the engine skips to the next possible lead in C (an alternation first made it try
# every alternative at every character, 0.4 s for 10 MB of prose).
_MOJIBAKE = re.compile(
    rf"[\u00c2-\u00db\u00e0-\u00f4](?:(?<=[\u00c2\u00c3])\u00a0|(?<=[\u00c2-\u00db])[{_CONT}]"
    rf"|(?<=[\u00e0-\u00ef])[{_CONT}]{{2}}|(?<=[\u00f0-\u00f4])[{_CONT}]{{3}})"
)
_PASSES = 3
# A character that can be part of a sequence (a lead or a continuation): a repaired one
# next to another can make a new sequence (text encoded twice), which a further pass
# repairs; when no repaired character has such a neighbour, that pass (a scan of the whole
# text) can find nothing new and is skipped.
_JOINABLE = re.compile(f"[\u00c2-\u00db\u00e0-\u00f4\u00a0{_CONT}]")
# Besides unassigned and private characters, a lone combining mark: "Ö»" is German
# punctuation far more often than a mis-read Hebrew vowel point.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cn", "Co", "Cs", "Mn", "Me"})


def decode_cp1252(data: bytes) -> str:
    """Decode Windows-1252 where every byte is a character: the printable bytes 0x80-0x9F
    stay letters and punctuation, the five undefined ones keep their Latin-1 value (and are
    then removed as controls by the cleaning, one character each)."""
    return data.decode("latin-1").translate(
        {byte: char for byte, char in _CP1252_HIGH.items() if ord(char) != byte}
    )


def _fixed(chars: str) -> str | None:
    """The character these stand for, or None when they do not decode to a printable one."""
    try:
        fixed = chars.translate(_TO_LATIN1).encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if "\u0080" <= fixed <= "\u009f":
        # A C1 control is what an undefined Windows-1252 byte (0x81, 0x8D, 0x8F, 0x90,
        # 0x9D) became on the way in, so text encoded twice needs it for the next pass
        # ("â€\x9d" is "”"); one left over is removed by the cleaning, alone.
        return fixed
    return None if unicodedata.category(fixed) in _REFUSED_CATEGORIES else fixed


def repair_mojibake(text: str) -> tuple[str, int]:
    """The text with mojibake sequences turned back into the characters they stand for,
    and how many characters were repaired (0 when the text had none)."""
    repaired = 0
    again = False

    def fix(match: re.Match[str]) -> str:
        nonlocal repaired, again
        fixed = _fixed(match.group())
        if fixed is None:
            return match.group()
        repaired += 1
        if not again and _JOINABLE.match(fixed):
            # The neighbours as they were: one repaired too was a lead or a continuation
            # before (every sequence starts with a lead and ends with a continuation).
            start, end = match.start(), match.end()
            around = match.string[max(0, start - 1) : start] + match.string[end : end + 1]
            again = _JOINABLE.search(around) is not None
        return fixed

    for _ in range(_PASSES):
        if not _MOJIBAKE.search(text):
            break
        before = repaired
        again = False
        text = _MOJIBAKE.sub(fix, text)
        if repaired == before or not again:
            break
    return text, repaired
