"""The line-oriented reader: one paragraph at a time, typed commands, no screen redraws.

It only ever appends lines to its output, never moves the cursor or colours text, so it
works with every screen reader and braille display, and with pipes (scriptable). Commands
are read a line at a time; the end of input ends the session cleanly. Whatever was typed
is echoed only through :func:`reader.sanitize.for_terminal`, so a pasted escape sequence
is shown, never obeyed.

A long book comes still loading (:func:`reader.ingest.open_document`): the reader shows its
first paragraph at once and reads on only when a command needs more, a batch for the next
paragraph, the rest for whatever needs the whole (search, contents, sections, where, export).
Until then the count says "so far".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from reader import sections
from reader.document import Document, Section
from reader.errors import ReaderError
from reader.export import ExportOptions, export_text, write_atomically
from reader.sanitize import for_terminal
from reader.selection import find_section, parse_number, search_indices
from reader.settings import DocumentState, Settings, SettingsStore, document_key
from reader.stale import clamp_state

PROMPT = "reader> "
NO_HEADINGS = "This document has no headings, so no sections; type a number to go to a paragraph\n"
# Said after "Paragraph N of M" for blocks that are not running text.
KIND_WORDS = {
    "code": ", code",
    "quote": ", quotation",
    "table-row": ", table row",
    "note": ", note",
}
HELP = """Commands (type one, then Enter):
  Enter or n   next paragraph
  p            previous paragraph
  r            repeat this paragraph
  NUMBER       go to that paragraph
  /WORDS       search forward for a paragraph with these words (/ alone repeats)
  s            this paragraph split into numbered sentences
  t            the contents: every section, numbered; t N (or t TITLE) goes to a section
  } or {       next section / previous section (the start of this one first)
  e FILE       export this paragraph to FILE as plain text (e! FILE replaces a file)
  m            bookmark this paragraph (m again removes the bookmark)
  '            list the bookmarks; 'N goes to bookmark N
  i            where you are
  h or ?       this help
  q            quit"""


@dataclass
class LineReader:
    """The state of a line-mode session over one document."""

    document: Document
    write: Callable[[str], None]
    current: int = 0
    last_search: str = ""
    bookmarks: list[int] = field(default_factory=list)  # 0-based paragraph indices

    @property
    def count(self) -> int:
        """How many paragraphs the document has (has so far, while it is loading)."""
        return len(self.document.paragraphs)

    @property
    def of_count(self) -> str:
        """ "of 60", or "of 60 so far" while the document is loading."""
        return f"of {self.count}" + ("" if self.document.complete else " so far")

    def whole(self) -> Document:
        """The document, loaded to its end."""
        return self.document.finish()

    def show(self) -> None:
        """Print the current paragraph under its number."""
        paragraph = self.document.paragraphs[self.current]
        headings = "".join(
            f"{line}\n" for line in sections.heading_lines(self.document, paragraph.index)
        )
        kind = KIND_WORDS.get(paragraph.kind, "")
        text = f"{paragraph.marker} {paragraph.text}" if paragraph.marker else paragraph.text
        self.write(f"{headings}Paragraph {paragraph.number} {self.of_count}{kind}\n{text}\n")

    def handle(self, line: str) -> bool:
        """Carry out one command; return False when the session should end."""
        command = line.strip()
        try:
            return self._dispatch(command)
        except ReaderError as error:
            self.write(f"{error.line}\n")
            return True

    def _dispatch(self, command: str) -> bool:
        lowered = command.lower()
        if lowered in ("q", "quit", "exit"):
            return False
        if lowered in ("", "n", "next"):
            self._move(self.current + 1)
        elif lowered in ("p", "prev", "previous"):
            self._move(self.current - 1)
        elif lowered in ("r", "repeat"):
            self.show()
        elif command.isdigit():
            self.document.ensure(int(command) - 1)
            self.current = parse_number(command, self.count)
            self.show()
        elif command.startswith("/"):
            self._search(command[1:].strip())
        elif lowered in ("s", "sentences"):
            self._sentences()
        elif lowered.startswith(("e ", "e! ")) or lowered in ("e", "e!"):
            force = lowered.startswith("e!")
            self._export(command[2 if force else 1 :].strip(), force)
        elif lowered == "t" or (lowered.startswith("t ") and lowered[2:].strip()):
            self._contents(command[1:].strip())
        elif command in ("}", "{"):
            self._next_section(command == "}")
        elif lowered in ("m", "mark"):
            self._toggle_bookmark()
        elif command.startswith("'"):
            self._bookmarks(command[1:].strip())
        elif lowered in ("i", "where"):
            self._where()
        elif lowered in ("h", "?", "help"):
            self.write(HELP + "\n")
        else:
            self.write(f"Unknown command {for_terminal(repr(command))}; type h for help\n")
        return True

    def _where(self) -> None:
        self.whole()
        where = f"Paragraph {self.current + 1} of {self.count}"
        if sections.has_headings(self.document):
            section = self.document.section_of(self.document.paragraphs[self.current])
            total = len(self.document.sections)
            label = for_terminal(sections.label(section))
            where += f", section {section.number} of {total}: {label}"
        self.write(f"{where}, {self.document.title}\n")

    def _contents(self, choice: str) -> None:
        self.whole()
        if not sections.has_headings(self.document):
            self.write(NO_HEADINGS)
            return
        if not choice:
            count = len(self.document.sections)
            noun = "section" if count == 1 else "sections"
            lines = [f"Contents, {count} {noun} (t N or t TITLE goes to a section):"]
            lines += [for_terminal(line) for line in sections.contents_lines(self.document)]
            self.write("\n".join(lines) + "\n")
            return
        self._go_to_section(find_section(self.document, choice))

    def _next_section(self, forward: bool) -> None:
        self.whole()
        if not sections.has_headings(self.document):
            self.write(NO_HEADINGS)
            return
        if forward:
            found = sections.next_start(self.document, self.current)
            total = len(self.document.sections)
            refusal = f"Already in the last section ({total} of {total})\n"
        else:
            found = sections.previous_start(self.document, self.current)
            refusal = "Already at the start of the first section\n"
        if found is None:
            self.write(refusal)
        else:
            self._go_to_section(found)

    def _go_to_section(self, section: Section) -> None:
        self.current = sections.target(self.document, section)
        self.show()

    def _toggle_bookmark(self) -> None:
        number = self.current + 1
        if self.current in self.bookmarks:
            self.bookmarks.remove(self.current)
            self.write(f"Bookmark on paragraph {number} removed\n")
        else:
            self.bookmarks = sorted([*self.bookmarks, self.current])
            self.write(f"Paragraph {number} bookmarked\n")

    def _bookmarks(self, choice: str) -> None:
        if not self.bookmarks:
            self.write("No bookmarks yet: m bookmarks this paragraph\n")
            return
        if not choice:
            lines = [f"{len(self.bookmarks)} bookmark{'s' if len(self.bookmarks) > 1 else ''}:"]
            for number, index in enumerate(self.bookmarks, 1):
                opening = " ".join(self.document.paragraphs[index].text.split()[:8])
                lines.append(f"  '{number}  paragraph {index + 1}: {opening}")
            self.write("\n".join(lines) + "\n")
            return
        chosen = parse_number(choice, len(self.bookmarks))
        self.current = self.bookmarks[chosen]
        self.show()

    def _move(self, target: int) -> None:
        if target < 0:
            self.write(f"Start of text: paragraph 1 {self.of_count} is the first\n")
        elif not self.document.ensure(target):
            self.write(f"End of text: paragraph {self.count} of {self.count} is the last\n")
        else:
            self.current = target
            self.show()

    def _search(self, words: str) -> None:
        words = words or self.last_search
        if not words:
            self.write("Type / and the words to find, for example /police chiefs\n")
            return
        self.last_search = words
        self.whole()
        start = (self.current + 1) % self.count
        found = next(iter(search_indices(self.document, words, start)), None)
        if found is None:
            self.write(f"Not found: {for_terminal(words)}\n")
            return
        if found <= self.current:
            self.write("Search wrapped to the start\n")
        self.current = found
        self.show()

    def _sentences(self) -> None:
        paragraph = self.document.paragraphs[self.current]
        total = len(paragraph.sentences)
        noun = "sentence" if total == 1 else "sentences"
        lines = [f"Paragraph {paragraph.number}: {total} {noun}"]
        lines += [
            f"Sentence {i} of {total}: {s.text}" for i, s in enumerate(paragraph.sentences, 1)
        ]
        self.write("\n".join(lines) + "\n")

    def _export(self, target: str, force: bool) -> None:
        if not target:
            self.write("Give a file name: e FILE\n")
            return
        path = Path(target).expanduser()
        if path.exists() and not force:
            # The export module's message names --force, which line mode does not have.
            self.write(f"{path} already exists; e! {target} replaces it\n")
            return
        write_atomically(
            path, export_text(self.whole(), [self.current], ExportOptions()), force=force
        )
        self.write(f"Paragraph {self.current + 1} written to {for_terminal(str(path))}\n")


def run_line_reader(
    document: Document,
    start: int | None,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    *,
    store: SettingsStore | None = None,
) -> int:
    """Run a session until ``q`` or the end of input. It starts at paragraph index
    ``start``, else where this document was left (in the UI or here), and remembers the
    place and bookmarks in ``store`` when it ends."""

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

    settings = store.load() if store is not None else None
    key = document_key(document.path)
    remembered = settings.document(key) if settings is not None else None
    if remembered is not None:  # loaded as far as the place and bookmarks, to check them
        document.ensure(max((remembered.paragraph, *remembered.bookmarks)))
    state, notices = clamp_state(remembered or DocumentState(), len(document.paragraphs))
    reader = LineReader(
        document,
        write,
        current=state.paragraph if start is None else start,
        bookmarks=list(state.bookmarks),
    )
    count = f"{reader.count} paragraphs"
    if not document.complete:
        count += " so far (the rest loads as you read)"
    write(f"{document.title}\n{count}. Type h for help, q to quit.\n")
    for notice in [*(store.notices if store is not None else []), *notices]:
        write(f"{for_terminal(notice)}\n")
    if start is None and remembered is not None and reader.current > 0:
        write(f"Resuming at paragraph {reader.current + 1}, where you left off.\n")
    write("\n")
    reader.show()
    try:
        _session(reader, stdin, write, interactive)
    finally:
        if store is not None and settings is not None:
            _remember(store, settings, key, remembered, reader=reader, write=write)
    return 0


def _session(
    reader: LineReader, stdin: TextIO, write: Callable[[str], None], interactive: bool
) -> None:
    while True:
        if interactive:
            try:
                line = input(PROMPT)
            except EOFError:
                write("\n")
                break
        else:
            write(PROMPT)
            line = stdin.readline()
            if not line:
                write("\n")
                break
            write("\n")
        if not reader.handle(line):
            break


def _remember(
    store: SettingsStore,
    settings: Settings,
    key: str,
    remembered: DocumentState | None,
    *,
    reader: LineReader,
    write: Callable[[str], None],
) -> None:
    """Save the place and bookmarks; the UI's size, theme, voice and rate stay as they were."""
    base = remembered or settings.fresh_state()
    same_place = remembered is not None and remembered.paragraph == reader.current
    settings.documents[key] = replace(
        base,
        paragraph=reader.current,
        offset=base.offset if same_place else 0,
        bookmarks=tuple(reader.bookmarks),
    )
    store.save(settings)
    if store.save_error:
        write(f"{for_terminal(store.save_error)}\n")
