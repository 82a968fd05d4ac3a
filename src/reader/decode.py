"""Reading a text file safely: size limit, binary detection, encoding detection.

Accepted: UTF-8 with or without BOM, UTF-16 and UTF-32 with BOM, and legacy 8-bit files
(decoded as Windows-1252, falling back to Latin-1, with a notice). Refused with a
:class:`ReaderError`: a missing path, a directory, binary data, an empty or
whitespace-only file, a file above the size limit.
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reader.errors import ReaderError

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


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many C0 controls in the first block mean this is not text."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\t\n\r\x0c\x1b")
    return controls > max(8, len(sample) // 100)


def decode_bytes(data: bytes, name: str) -> DecodedText:
    """Decode ``data`` (the contents of ``name``) into NFC text, or refuse it."""
    notices: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise ReaderError(
                    f"{name}: starts with a {encoding.upper()} byte-order mark but is not "
                    f"valid {encoding.upper()}; re-save it as UTF-8"
                ) from None
            break
    else:
        if _looks_binary(data):
            raise ReaderError(f"{name}: this is binary data, not text; open a .txt or .md file")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
            notices.append(f"{name} is not UTF-8; it was read as {encoding}")
    if "\x00" in text:
        raise ReaderError(f"{name}: this is binary data, not text; open a .txt or .md file")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ReaderError(f"{name}: the file is empty; there is nothing to read")
    return DecodedText(unicodedata.normalize("NFC", text), encoding, tuple(notices))


def read_text_file(path: str | os.PathLike[str], max_bytes: int | None = None) -> DecodedText:
    """Read and decode a text file, refusing what cannot be read as text."""
    file = Path(path)
    limit = max_bytes_from_env() if max_bytes is None else max_bytes
    name = str(file)
    try:
        if file.is_dir():
            raise ReaderError(f"{name}: is a folder; give the path of a .txt or .md file")
        size = file.stat().st_size
    except FileNotFoundError:
        raise ReaderError(f"{name}: no such file; check the path") from None
    except PermissionError:
        raise ReaderError(f"{name}: permission denied; check the file's permissions") from None
    except OSError as error:
        raise ReaderError(f"{name}: cannot be read ({error.strerror})") from None
    if size > limit:
        raise ReaderError(
            f"{name}: {size / 1048576:.1f} MB is above the {limit / 1048576:.0f} MB limit; "
            f"raise it with --max-mb or {MAX_BYTES_ENV}"
        )
    try:
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
    except PermissionError:
        raise ReaderError(f"{name}: permission denied; check the file's permissions") from None
    except OSError as error:
        raise ReaderError(f"{name}: cannot be read ({error.strerror})") from None
    if len(data) > limit:
        raise ReaderError(f"{name}: above the {limit / 1048576:.0f} MB limit")
    return decode_bytes(data, name)
