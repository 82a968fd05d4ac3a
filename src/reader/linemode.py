"""The line-oriented reader: one paragraph at a time, typed commands, no screen redraws.

It only ever appends lines to its output, never moves the cursor or colours text, so it
works with every screen reader and braille display, and with pipes (scriptable). Commands
are read a line at a time; the end of input ends the session cleanly. Whatever was typed
is echoed only through :func:`reader.sanitize.for_terminal`, so a pasted escape sequence
is shown, never obeyed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from reader.document import Document
from reader.errors import ReaderError
from reader.export import ExportOptions, export_text, write_atomically
from reader.sanitize import for_terminal
from reader.selection import parse_number, search_indices

PROMPT = "reader> "
HELP = """Commands (type one, then Enter):
  Enter or n   next paragraph
  p            previous paragraph
  r            repeat this paragraph
  NUMBER       go to that paragraph
  /WORDS       search forward for a paragraph with these words (/ alone repeats)
  s            this paragraph split into numbered sentences
  e FILE       export this paragraph to FILE as plain text (e! FILE replaces a file)
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

    @property
    def count(self) -> int:
        """How many paragraphs the document has."""
        return len(self.document.paragraphs)

    def show(self) -> None:
        """Print the current paragraph under its number."""
        paragraph = self.document.paragraphs[self.current]
        section = self.document.section_of(paragraph)
        heading = ""
        if section.title and paragraph.index == section.first:
            heading = f"Section {section.number}: {section.title}\n"
        self.write(f"{heading}Paragraph {paragraph.number} of {self.count}\n{paragraph.text}\n")

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
            self.current = parse_number(command, self.count)
            self.show()
        elif command.startswith("/"):
            self._search(command[1:].strip())
        elif lowered in ("s", "sentences"):
            self._sentences()
        elif lowered.startswith(("e ", "e! ")) or lowered in ("e", "e!"):
            force = lowered.startswith("e!")
            self._export(command[2 if force else 1 :].strip(), force)
        elif lowered in ("i", "where"):
            self.write(f"Paragraph {self.current + 1} of {self.count}, {self.document.title}\n")
        elif lowered in ("h", "?", "help"):
            self.write(HELP + "\n")
        else:
            self.write(f"Unknown command {for_terminal(repr(command))}; type h for help\n")
        return True

    def _move(self, target: int) -> None:
        if target >= self.count:
            self.write(f"End of text: paragraph {self.count} of {self.count} is the last\n")
        elif target < 0:
            self.write(f"Start of text: paragraph 1 of {self.count} is the first\n")
        else:
            self.current = target
            self.show()

    def _search(self, words: str) -> None:
        words = words or self.last_search
        if not words:
            self.write("Type / and the words to find, for example /police chiefs\n")
            return
        self.last_search = words
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
            path, export_text(self.document, [self.current], ExportOptions()), force=force
        )
        self.write(f"Paragraph {self.current + 1} written to {for_terminal(str(path))}\n")


def run_line_reader(
    document: Document, start: int, stdin: TextIO, stdout: TextIO, interactive: bool
) -> int:
    """Run a session from paragraph index ``start`` until ``q`` or the end of input."""

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

    reader = LineReader(document, write, current=start)
    write(f"{document.title}\n{reader.count} paragraphs. Type h for help, q to quit.\n\n")
    reader.show()
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
    return 0
