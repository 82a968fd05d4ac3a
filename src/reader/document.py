"""The document model: Document -> Section -> Paragraph -> Sentence -> Word.

Units: every ``start``/``end`` is a character offset (Python ``str`` index, i.e. a
Unicode code point) into ``Document.text``, half-open, so ``document.text[u.start:u.end]``
is exactly the unit's text. ``Document.text`` holds the paragraphs joined by a blank line;
section titles live on their ``Section`` and are not part of the paragraph text.

``Paragraph.kind`` is what the block was in the source (``paragraph``, ``code``,
``list-item``, ``quote``, ``table-row``, ``note``): a code block keeps its line breaks and
indentation in its text; every other kind has its white space folded to single spaces.

Indices (``Paragraph.index``, ``Section.index``) are 0-based and stable for a given input;
everything shown to people uses the 1-based ``number``.

A long book can be opened before it is all read (:func:`reader.ingest.open_document`): its
``paragraphs`` and ``sections`` then grow, batch by batch, as its :class:`Loader` reads on
(:meth:`Document.load_more`, :meth:`Document.ensure`, :meth:`Document.finish`); the last
section is provisional (it ends at the last paragraph so far) until the next heading or the
end. Paragraphs already there never change. Once complete, ``loader`` is None and both are
tuples, exactly what reading the whole file at once gives. Whatever needs the whole text
(its words, its sentences, ``text``) finishes the loading first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath
from typing import Protocol

from reader.counts import count_sentences, count_words
from reader.sanitize import clean_text, for_terminal
from reader.segment import split_sentences
from reader.units import Sentence, Word

__all__ = [
    "BULLET",
    "PARAGRAPH_SEPARATOR",
    "Document",
    "Loader",
    "Metadata",
    "Paragraph",
    "Section",
    "Sentence",
    "Word",
]

PARAGRAPH_SEPARATOR = "\n\n"
BULLET = "\u2022"
# A numbered list item's own marker: "3. ", "iv) ", "b. ".
_NUMBERED = re.compile(r"(?:\d{1,9}|[a-zA-Z]|[ivxlcdm]{1,8})[.)]\s")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph. ``index`` is 0-based over the whole document.

    Sentences and words are split on first use, so opening a long book costs only the
    paragraph split; the result is the same whenever it is computed. Their numbers
    (:attr:`sentence_count`, :attr:`word_count`) are counted without building them, so a
    count over a whole book keeps no sentence or word objects.
    """

    index: int
    section_index: int
    start: int
    end: int
    text: str
    language: str = ""  # a BCP 47 tag when the paragraph's language is not the document's
    kind: str = "paragraph"

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """The sentences with their words, in order (document offsets)."""
        return split_sentences(self.text, self.start)

    @property
    def number(self) -> int:
        """The 1-based number shown to people."""
        return self.index + 1

    @property
    def words(self) -> tuple[Word, ...]:
        """All words of the paragraph, in order."""
        return tuple(word for sentence in self.sentences for word in sentence.words)

    @property
    def sentence_count(self) -> int:
        """``len(self.sentences)``, without splitting them when they are not split yet."""
        split: tuple[Sentence, ...] | None = self.__dict__.get("sentences")
        return count_sentences(self.text) if split is None else len(split)

    @property
    def word_count(self) -> int:
        """``len(self.words)``, without splitting them when they are not split yet."""
        split: tuple[Sentence, ...] | None = self.__dict__.get("sentences")
        if split is None:
            return count_words(self.text)
        return sum(len(sentence.words) for sentence in split)

    def local(self, offset: int) -> int:
        """Turn a document offset into an offset inside ``self.text``."""
        return offset - self.start

    @property
    def marker(self) -> str:
        """The list marker shown before the text and not part of it: a bullet for an
        item of an unordered list ("" for everything else; a numbered item's number is
        in its text, as the source wrote it)."""
        if self.kind == "list-item" and not _NUMBERED.match(self.text):
            return BULLET
        return ""


@dataclass(frozen=True, slots=True)
class Section:
    """A run of paragraphs under one heading (or the whole of a plain text).

    ``title`` is empty for text before the first heading; ``level`` is the Markdown
    heading level (0 for no heading). ``first``/``stop`` are paragraph indices, half-open.
    """

    index: int
    title: str
    level: int
    first: int
    stop: int

    @property
    def number(self) -> int:
        """The 1-based number shown to people."""
        return self.index + 1

    @property
    def paragraph_indices(self) -> range:
        """The 0-based indices of this section's paragraphs."""
        return range(self.first, self.stop)

    def __len__(self) -> int:
        return self.stop - self.first


@dataclass(frozen=True, slots=True)
class Metadata:
    """What is known about a document besides its text."""

    title: str = ""
    speaker: str = ""
    place: str = ""
    note: str = ""
    date: str = ""
    source: str = ""
    language: str = "en"
    extra: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        """The non-empty fields as a plain mapping (extra keys included)."""
        fields = {
            "title": self.title,
            "speaker": self.speaker,
            "place": self.place,
            "note": self.note,
            "date": self.date,
            "source": self.source,
            "language": self.language,
        }
        fields.update(dict(self.extra))
        return {key: value for key, value in fields.items() if value}


class Loader(Protocol):
    """The part of a document still to be read (made by :mod:`reader.ingest`)."""

    def step(self) -> bool:
        """Add the next batch of paragraphs to the document (completing it after the last);
        False when nothing was left. Safe to call from several threads."""
        ...


@dataclass(frozen=True, slots=True)
class Document:
    """A whole text, ready to show, export and narrate (or one still loading: see the
    module docstring).

    ``text`` (the paragraphs joined by a blank line) is joined on first use: each
    paragraph holds its own text, and a second copy of a 50 MB book is only made for the
    few callers that want the whole.
    """

    metadata: Metadata
    sections: Sequence[Section]
    paragraphs: Sequence[Paragraph]
    path: str = ""
    notices: tuple[str, ...] = field(default=(), compare=False)
    loader: Loader | None = field(default=None, compare=False, repr=False)
    _text: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def complete(self) -> bool:
        """Whether every paragraph is there (counts and sections are final)."""
        return self.loader is None

    def load_more(self) -> bool:
        """Read the next batch of a document still loading; False once it is complete."""
        loader = self.loader
        return loader is not None and loader.step()

    def ensure(self, index: int) -> bool:
        """Load until paragraph ``index`` (0-based) is there or the document is complete;
        whether it is there."""
        while index >= len(self.paragraphs) and self.load_more():
            pass
        return 0 <= index < len(self.paragraphs)

    def finish(self) -> Document:
        """Load the rest; the document itself, now complete."""
        while self.load_more():
            pass
        return self

    def completed(
        self,
        metadata: Metadata,
        sections: tuple[Section, ...],
        paragraphs: tuple[Paragraph, ...],
        notices: tuple[str, ...],
    ) -> None:
        """Called by the loader once the last batch is read: the final metadata (a title
        from a heading found late), sections, paragraphs (the same objects, as tuples)
        and notices (what cleaning removed is only known at the end)."""
        # Frozen for everyone else: only the loader completes a document, once.
        for name, value in (("metadata", metadata), ("sections", sections),
                            ("paragraphs", paragraphs), ("notices", notices)):  # fmt: skip
            object.__setattr__(self, name, value)
        object.__setattr__(self, "loader", None)

    @property
    def text(self) -> str:
        """The paragraphs joined by :data:`PARAGRAPH_SEPARATOR` (offsets index into it)."""
        self.finish()
        if not self._text:
            self._text.append(PARAGRAPH_SEPARATOR.join(p.text for p in self.paragraphs))
        return self._text[0]

    @property
    def title(self) -> str:
        """The title, falling back to the file name."""
        if self.metadata.title:
            return self.metadata.title
        if self.path:
            # for_terminal: the undecodable bytes of a file name are shown as \xNN.
            stem = for_terminal(clean_text(PurePath(self.path).stem)[0].replace("\n", " ").strip())
            return stem or "Untitled"
        return "Untitled"

    def __len__(self) -> int:
        return len(self.paragraphs)

    def paragraph(self, number: int) -> Paragraph:
        """The paragraph with this 1-based number; ``IndexError`` when out of range."""
        if not 1 <= number <= len(self.paragraphs):
            raise IndexError(number)
        return self.paragraphs[number - 1]

    def section_of(self, paragraph: Paragraph) -> Section:
        """The section that holds ``paragraph``."""
        return self.sections[paragraph.section_index]

    def iter_words(self) -> Iterator[Word]:
        """Every word of the document in order."""
        self.finish()
        for paragraph in self.paragraphs:
            yield from paragraph.words

    @property
    def word_count(self) -> int:
        """How many words the document has (counted, no word objects kept)."""
        self.finish()
        return sum(paragraph.word_count for paragraph in self.paragraphs)

    @property
    def sentence_count(self) -> int:
        """How many sentences the document has (counted, no sentence objects kept)."""
        self.finish()
        return sum(paragraph.sentence_count for paragraph in self.paragraphs)

    def select(self, indices: Sequence[int]) -> tuple[Paragraph, ...]:
        """The paragraphs at these 0-based indices, in the order given."""
        return tuple(self.paragraphs[i] for i in indices)
