"""The input formats and how a file finds its format.

Each format is a module exposing ``FORMAT`` (see :mod:`reader.formats.base`), imported only
when a file needs it, so reading a text file never loads a zip or HTML parser. A file's
format is chosen by its suffix, then by asking each format to sniff the bytes (an EPUB
saved as ``.txt``, a web page copied into a text file), and plain text is the fallback.
A registered module that is not installed is skipped, as if it were not registered.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from reader.formats.base import InputFormat, Source

# name -> module, in sniffing order: the most specific signatures first.
MODULES: dict[str, str] = {
    "epub": "reader.formats.epub",
    "html": "reader.formats.html",
    "webpage": "reader.formats.webpage",
    "markdown": "reader.formats.markdown",
    "text": "reader.formats.text",
}
FALLBACK = "text"
# The suffixes each format claims, known without importing it: a Markdown file should not
# pay for the EPUB module's zip and XML parsers (lxml). Each module's ``FORMAT.suffixes``
# is the same set (tests/unit/test_formats.py holds them together).
SUFFIXES: dict[str, frozenset[str]] = {
    "epub": frozenset({".epub"}),
    "html": frozenset({".html", ".htm", ".xhtml"}),
    "webpage": frozenset(),
    "markdown": frozenset({".md", ".markdown", ".mdown", ".mkd"}),
    "text": frozenset({".txt", ".text"}),
}

_loaded: dict[str, InputFormat | None] = {}


def get_format(name: str) -> InputFormat | None:
    """The format registered as ``name``, or None when its module is not there (yet)."""
    if name not in _loaded:
        try:
            module = importlib.import_module(MODULES[name])
        except ModuleNotFoundError as error:
            # Only the format's own module may be missing; a missing dependency inside
            # an installed format is a real fault and must surface.
            if error.name != MODULES[name]:
                raise
            _loaded[name] = None
        else:
            _loaded[name] = module.FORMAT
    return _loaded[name]


def available() -> Iterator[tuple[str, InputFormat]]:
    """The registered formats whose modules are installed, in sniffing order."""
    for name in MODULES:
        found = get_format(name)
        if found is not None:
            yield name, found


def choose_format(source: Source) -> InputFormat:
    """The format for ``source``: one that claims its suffix (unless only the fallback
    does), else the first that recognises its bytes, else plain text."""
    suffix = source.path.suffix.lower()
    fallback = get_format(FALLBACK)
    assert fallback is not None, "the plain-text format is part of the package"
    for name, suffixes in SUFFIXES.items():
        if name != FALLBACK and suffix in suffixes:
            claimed = get_format(name)
            if claimed is not None:
                return claimed
    for name, fmt in available():
        if name != FALLBACK and fmt.sniff(source):
            return fmt
    return fallback
