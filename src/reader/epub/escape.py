"""Text and attribute escaping for the XML files of an EPUB (XHTML, SMIL, OPF, nav).

Units: none; every function maps one string to another. :func:`xml_safe` keeps the length
of its input (one character in, one character out), so character offsets computed on the
document text stay valid on the cleaned text.
"""

from __future__ import annotations

import re

# Characters XML 1.0 cannot carry at all (C0 controls but tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF) and the noncharacters HTML asks validators to flag. Ingestion already
# removed controls; this is the last line of defence for text from elsewhere.
_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
    "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
    "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff"
    "\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)
REPLACEMENT = "\ufffd"


def xml_safe(text: str) -> str:
    """Replace characters XML cannot hold with U+FFFD, one for one (offsets survive)."""
    return _NOT_XML.sub(REPLACEMENT, text)


def text(value: str) -> str:
    """Escape character data: ``&``, ``<`` and ``>`` (the last for ``]]>``)."""
    return xml_safe(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: str) -> str:
    """Escape an attribute value for double quotes; white space kept as character refs so
    attribute-value normalisation cannot fold it."""
    return (
        text(value)
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )
