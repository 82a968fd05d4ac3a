"""What the command modules share: the one-line argument errors, number parsers, the
``file`` argument and loading the document it names.

Units: ``--max-mb`` megabytes on the command line, bytes in ``args.max_bytes``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from reader.document import Document
from reader.errors import EXIT_BAD_INPUT
from reader.sanitize import for_terminal

Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """Argument errors as one line, like every other error, with names escaped: argparse
    quotes what was typed (``unrecognized arguments: NAME``), and a file name can carry
    escape sequences (an OSC 52 that writes the clipboard) or bytes that are not UTF-8."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: MESSAGE (see prog --help)`` and exit with code 2."""
        prog = for_terminal(self.prog)
        self.exit(EXIT_BAD_INPUT, f"{prog}: error: {for_terminal(message)} (see {prog} --help)\n")


def positive(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None
        if value < low and low == 1:
            raise argparse.ArgumentTypeError(f"{what} {value}: numbers start at 1")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} {value} is out of range ({low} to {high})")
        return value

    return parse


def megabytes(text: str) -> int:
    """An argparse type: ``--max-mb`` as a number of bytes."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("--max-mb must be a number of megabytes") from None
    if not 0 < value <= 4096:
        raise argparse.ArgumentTypeError(f"--max-mb {text} is out of range (up to 4096)")
    return int(value * 1024 * 1024)


def add_file(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """The positional ``file`` argument (optional: the bundled speech when absent)."""
    parser.add_argument(
        "file",
        nargs=None if required else "?",
        help="a .txt or .md file" + ("" if required else " (default: the bundled speech)"),
    )


def load(args: argparse.Namespace, *, stream: bool = False) -> Document:
    """The document named by ``args.file`` (the bundled speech when absent). With
    ``stream`` it may still be loading (see :func:`reader.ingest.open_document`); its
    notices so far are printed, :func:`late_notices` prints the rest."""
    from reader.ingest import bundled_speech_path, load_document, open_document

    path = Path(args.file) if getattr(args, "file", None) else bundled_speech_path()
    document = (open_document if stream else load_document)(path, args.max_bytes)
    for notice in document.notices:
        print(f"reader: note: {for_terminal(notice)}", file=sys.stderr)
    return document


def late_notices(document: Document, printed: tuple[str, ...]) -> None:
    """Print the notices a streamed document found while loading (what cleaning removed),
    once it is complete; ``printed`` are those :func:`load` printed."""
    if document.complete:
        for notice in document.notices[len(printed) :]:
            print(f"reader: note: {for_terminal(notice)}", file=sys.stderr)
