"""Pronunciation dictionaries: how the reader should say a word, per user and per document.

A dictionary is a plain UTF-8 file, one entry a line, ``#`` starting a comment::

    IACP = I A C P          # a word: whole words only; all lower case matches any case
    /\\bSessions'\\b/ = Sessions's   # a regular expression between slashes

The user's file is ``pronunciations.txt`` in the user config folder (platformdirs); a
document's is ``<document name>.pronunciations.txt`` beside it (``speech.md`` ->
``speech.pronunciations.txt``), plus a ``pronunciations:`` front-matter field holding
entries separated by ``;``. Document entries win over the user's for the same word, and
every entry wins over the built-in rules of ``spoken``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reader.errors import ReaderError
from reader.sanitize import for_terminal

FILE_NAME = "pronunciations.txt"
SUFFIX = ".pronunciations.txt"
FRONT_MATTER_KEY = "pronunciations"

Rule = tuple[str, Callable[[re.Match[str]], str]]
"""A pattern and what to say for each of its matches."""


def say(words: str) -> Callable[[re.Match[str]], str]:
    """A rule action that says ``words`` whatever matched."""

    def action(_match: re.Match[str]) -> str:
        return words

    return action


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry: ``key`` as written (a word or ``/regex/``) and its ``pattern``."""

    key: str
    pattern: str
    spoken: str


@dataclass(frozen=True, slots=True)
class Dictionary:
    """Entries in priority order (the first that matches at a place wins)."""

    entries: tuple[Entry, ...] = ()

    def rules(self) -> list[Rule]:
        """The entries as ``spoken`` rules: a pattern and what to say for a match."""
        return [(e.pattern, say(e.spoken)) for e in self.entries]

    def over(self, other: Dictionary) -> Dictionary:
        """This dictionary's entries, then those of ``other`` whose key it lacks."""
        keys = {e.key.casefold() for e in self.entries}
        kept = tuple(e for e in other.entries if e.key.casefold() not in keys)
        return Dictionary(self.entries + kept)


def parse_dictionary(text: str, source: str) -> Dictionary:
    """Read dictionary ``text``; ``source`` names it in errors (a file, front matter)."""
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        entries.append(_entry(line, f"{source} line {number}"))
    return Dictionary(tuple(entries))


def _strip_comment(line: str) -> str:
    # A "#" inside a /regex/ is part of it; elsewhere it starts a comment.
    if line.lstrip().startswith("/"):
        closing = line.find("/ =", line.find("/") + 1)
        if closing == -1:
            closing = line.rfind("/")
        head, rest = line[: closing + 1], line[closing + 1 :]
        return head + rest.split("#", 1)[0]
    return line.split("#", 1)[0]


def _entry(line: str, where: str) -> Entry:
    if line.startswith("/"):
        closing = line.rfind("/", 1)
        key, rest = line[: closing + 1], line[closing + 1 :].strip()
        if closing <= 1 or not rest.startswith("="):
            raise _bad(where, "expected '/regular expression/ = spoken form'")
        pattern, spoken = key[1:-1], rest[1:].strip()
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise _bad(where, f"the regular expression {key} is invalid ({error})") from None
        if compiled.groupindex:
            raise _bad(where, "named groups are not allowed in a pronunciation")
        if compiled.fullmatch(""):
            raise _bad(where, f"{key} matches empty text")
    else:
        key, equals, spoken = (part.strip() for part in line.partition("="))
        if not equals or not key:
            raise _bad(where, "expected 'word = spoken form'")
        word = re.escape(key)
        # All lower case matches any case ("iacp" covers IACP); otherwise exactly.
        pattern = rf"(?<!\w){word}(?!\w)" if key != key.lower() else rf"(?i:(?<!\w){word}(?!\w))"
    if not spoken:
        raise _bad(where, f"no spoken form for {key}")
    return Entry(key, pattern, spoken)


def _bad(where: str, what: str) -> ReaderError:
    return ReaderError(f"pronunciations in {for_terminal(where)}: {what}; fix or remove that line")


def user_dictionary_path() -> Path:
    """The user's dictionary file (it need not exist)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("reader")) / FILE_NAME


def document_dictionary_path(document: Path) -> Path:
    """A document's own dictionary file beside it (it need not exist)."""
    return document.with_name(document.stem + SUFFIX)


def load_dictionary(
    document: Path | None = None,
    front_matter: str = "",
    user_file: Path | None = None,
) -> Dictionary:
    """The dictionary for a document: its front-matter entries, its file's, then the
    user's (``user_file``, default ``user_dictionary_path()``). Missing files are empty;
    an unreadable or bad one is a ``ReaderError`` naming the file and line."""
    layers: list[Dictionary] = []
    if front_matter:
        layers.append(parse_dictionary(front_matter.replace(";", "\n"), "the front matter"))
    if document is not None:
        layers.append(_read(document_dictionary_path(document)))
    layers.append(_read(user_file or user_dictionary_path()))
    return _stack(layers)


def _stack(layers: Sequence[Dictionary]) -> Dictionary:
    result = Dictionary()
    for layer in layers:
        result = result.over(layer)
    return result


def _read(path: Path) -> Dictionary:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Dictionary()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ReaderError(
            f"cannot read the pronunciations in {for_terminal(str(path))}: {reason}"
        ) from None
    return parse_dictionary(text, str(path))
