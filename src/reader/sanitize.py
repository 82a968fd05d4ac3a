"""Terminal safety: no control or escape sequence in a text ever reaches a terminal raw.

Every block and metadata field a format produces passes through :func:`clean_text` when
the document is built (after parsing, so characters a parser decodes from character
references are cleaned too); every later path (UI, exports, audio, sync files) only ever
sees clean text. :func:`for_terminal` is for strings that do not come from a document,
such as file names in error messages.

Cleaning never eats text: an escape sequence is removed whole only when it is complete,
short and on one line; a lone introducer (``ESC ]`` with no terminator on its line) or a
stray C1 byte is removed alone, so the words after it stay.
"""

from __future__ import annotations

import re

# The longest escape sequence removed whole. Real ones are far shorter (a colour is
# "\x1b[38;2;255;255;255m", a window title a few dozen characters); an OSC 8 hyperlink
# with a long URL is left as text after its introducer is removed, which loses nothing.
MAX_CSI = 32
MAX_STRING = 512

# Whole escape sequences first, so that their printable tails ("[31m") go with them:
# CSI (ESC [ or the C1 CSI, parameters, intermediates, a final byte), then OSC/DCS/PM/APC/SOS
# strings with their terminator (BEL, ESC \ or the C1 ST), then any two-character ESC
# sequence. None of them may span a line end, and the string and parameter parts are
# bounded, so an unterminated introducer matches only the last alternative (or nothing)
# and never swallows the paragraphs after it.
_ESCAPE_SEQUENCE = re.compile(
    rf"(?:\x1b\[|\x9b)[\x30-\x3f]{{0,{MAX_CSI}}}[\x20-\x2f]{{0,4}}[\x40-\x7e]"
    rf"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]{{0,{MAX_STRING}}}"
    r"(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x7e]?"
)
# C0 controls except tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates,
# the BOM / zero-width no-break space, and interlinear annotation characters.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u206a-\u206f\ufeff\ufff9-\ufffb]"
)
_SEPARATOR_CHARS = "\r\u2028\u2029\x85\x0b\x0c"
_LINE_SEPARATORS = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")


def normalise_newlines(text: str) -> str:
    """CRLF, CR and Unicode line/paragraph separators become ``\\n``."""
    # ``in`` tests are a fraction of the regex's cost, and most texts have none of these.
    if any(char in text for char in _SEPARATOR_CHARS):
        return _LINE_SEPARATORS.sub("\n", text)
    return text


def blank_control_lines(text: str) -> tuple[str, int]:
    """Empty the lines that hold only white space, controls and escape sequences (a form
    feed or a colour reset between two paragraphs) so that a parser sees the paragraph
    break a reader sees; return the text and how many characters went.

    Only lines with a control in them are looked at, each once: linear in the text."""
    removed = 0
    parts: list[str] = []
    done = 0  # everything before this offset is in parts
    position = 0
    while match := _CONTROL.search(text, position):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end]
        if not clean_text(line)[0].strip():
            parts.append(text[done:line_start])
            removed += len(line.strip(" \t\u00a0"))
            done = line_end
        position = line_end
    if not parts:
        return text, 0
    parts.append(text[done:])
    return "".join(parts), removed


def clean_text(text: str) -> tuple[str, int]:
    """Remove escape sequences and control characters; return the text and how many
    characters were removed. Newlines and tabs are kept."""
    text = normalise_newlines(text)
    if not _CONTROL.search(text):
        return text, 0  # the common case: prose with nothing to remove
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
