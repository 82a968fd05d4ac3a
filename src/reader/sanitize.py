"""Terminal safety: no control or escape sequence in a text ever reaches a terminal raw.

Everything read from a file passes through :func:`clean_text` at ingestion, so every later
path (UI, exports, audio, sync files) only ever sees clean text. :func:`for_terminal` is for
strings that do not come from a document, such as file names in error messages.
"""

from __future__ import annotations

import re

# Whole escape sequences first, so that their printable tails ("[31m") go with them:
# CSI (ESC [ ... final byte, or the C1 CSI), OSC/DCS/PM/APC/SOS strings up to their
# terminator, and any other two-character ESC sequence.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x7e]?"
)
# C0 controls except tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates,
# the BOM / zero-width no-break space, and interlinear annotation characters.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u206a-\u206f\ufeff\ufff9-\ufffb]"
)
_LINE_SEPARATORS = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")


def normalise_newlines(text: str) -> str:
    """CRLF, CR and Unicode line/paragraph separators become ``\\n``."""
    return _LINE_SEPARATORS.sub("\n", text)


def clean_text(text: str) -> tuple[str, int]:
    """Remove escape sequences and control characters; return the text and how many
    characters were removed. Newlines and tabs are kept."""
    text = normalise_newlines(text)
    without_sequences = _ESCAPE_SEQUENCE.sub("", text)
    cleaned = _CONTROL.sub("", without_sequences)
    return cleaned, len(text) - len(cleaned)


def for_terminal(text: str) -> str:
    """A single printable line: controls shown as ``\\xNN`` escapes, newlines as ``\\n``.

    File-name bytes that are not UTF-8 (surrogate escapes, as ``os.fsdecode`` gives) are
    shown as the byte they stand for (``\\xe9``), so any name can be printed and told apart.
    """
    out = []
    for char in text:
        code = ord(char)
        if char == "\n":
            out.append("\\n")
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029" or _CONTROL.match(char):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
