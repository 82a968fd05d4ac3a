"""Decoding a text file's bytes: encoding detection, binary refusal, mojibake repair.

Accepted: UTF-8 with or without BOM, UTF-16 and UTF-32 with BOM, UTF-16 without a BOM
(told by its NUL bytes at every other position), and legacy 8-bit files (decoded as
Windows-1252 so that bytes 0x80-0x9F stay letters and punctuation, with a notice).
UTF-8 text that was once read as Windows-1252 and saved again ("CafÃ©") is repaired, with
a notice. Refused with a :class:`ReaderError`: binary data, an empty or whitespace-only
file. Reading the file itself (size limit, regular files only) is
:func:`reader.formats.files.read_source`.
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from dataclasses import dataclass

from reader.errors import ReaderError
from reader.mojibake import decode_cp1252, repair_mojibake

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_BYTES_ENV = "READER_MAX_MB"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class DecodedText:
    """A file's text, NFC-normalised, and what people should be told about it."""

    text: str
    encoding: str
    notices: tuple[str, ...]


def max_bytes_from_env() -> int:
    """The size limit: ``READER_MAX_MB`` megabytes when set, else 50 MB."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        megabytes = float(raw)
    except ValueError:
        raise ReaderError(f"{MAX_BYTES_ENV}={raw!r} is not a number of megabytes") from None
    if not 0 < megabytes <= 4096:
        raise ReaderError(f"{MAX_BYTES_ENV}={raw} is out of range: use a value from 1 to 4096")
    return int(megabytes * 1024 * 1024)


# UTF-16 without a BOM: in text that is mostly ASCII, every other byte is NUL (the high
# byte of each code unit). Binary data has NULs at both parities.
_UTF16_NUL_SHARE = 0.3
_UTF16_OTHER_SHARE = 0.02


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when the NULs sit at odd or even positions only."""
    sample = data[:65536]
    half = len(sample) // 2
    if half < 2 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for encoding, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= _UTF16_NUL_SHARE * half and others <= _UTF16_OTHER_SHARE * half:
            return encoding
    return None


# The C0 controls that do not appear in text (tab, line ends, form feed and escape do).
_BINARY_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1b")


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many C0 controls (one byte in 20) in the first block mean this is not
    text; a damaged text with a few stray controls is still read (and cleaned)."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    # Counted in C: the length of what is left after deleting every control.
    controls = len(sample) - len(sample.translate(None, _BINARY_CONTROLS))
    return controls > max(8, len(sample) // 20)


def _binary(name: str) -> ReaderError:
    return ReaderError(
        f"{name}: this is binary data, not text; open a text, Markdown, HTML or EPUB file"
    )


def decode_bytes(data: bytes, name: str) -> DecodedText:
    """Decode ``data`` (the contents of ``name``) into NFC text, or refuse it."""
    notices: list[str] = []
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "")
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise ReaderError(
                f"{name}: starts with a {encoding.upper()} byte-order mark but is not "
                f"valid {encoding.upper()}; re-save it as UTF-8"
            ) from None
    elif encoding := _utf16_without_bom(data) or "":
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise _binary(name) from None
        notices.append(f"{name} has no byte-order mark; it was read as {encoding.upper()}")
    else:
        # UTF-8 and Windows-1252 write U+0000 as the byte 0 and nothing else as it, and
        # mojibake repair makes no NUL: the bytes are searched (in C, with memchr) instead
        # of the decoded text below (a character loop: 60 ms for 50 MB).
        if b"\x00" in data or _looks_binary(data):
            raise _binary(name)
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = decode_cp1252(data), "windows-1252"
            notices.append(f"{name} is not UTF-8; it was read as {encoding}")
        else:
            # Every mojibake lead ("Ã", "Â", "â", ...) is U+00C2-U+00F4, encoded C3 xx: a
            # file without that byte is spared a scan of its whole text.
            text, repaired = repair_mojibake(text) if b"\xc3" in data else (text, 0)
            if repaired:
                notices.append(
                    f"{name}: repaired {repaired} characters of UTF-8 that had been read as "
                    'Windows-1252 (mojibake such as "Ã©" for "é")'
                )
    if encoding not in ("utf-8", "windows-1252") and "\x00" in text:
        raise _binary(name)
    text = text.lstrip("\ufeff")
    if not text or text.isspace():  # (not text.strip(): a copy of a 50 MB text)
        raise ReaderError(f"{name}: the file is empty; there is nothing to read")
    return DecodedText(unicodedata.normalize("NFC", text), encoding, tuple(notices))
