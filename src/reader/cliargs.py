"""The argument parser of the ``reader`` command: its errors are one terminal-safe line.

argparse quotes what was typed in its messages (``unrecognized arguments: NAME``,
``invalid choice: 'NAME'``); a file name can carry escape sequences (an OSC 52 that
writes the clipboard, a title change) or bytes that are not UTF-8, so every message
passes through :func:`reader.sanitize.for_terminal` before it reaches stderr.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from reader.errors import EXIT_BAD_INPUT
from reader.sanitize import for_terminal


class ArgumentParser(argparse.ArgumentParser):
    """Argument errors as one line, like every other error, with names escaped."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: MESSAGE (see prog --help)`` and exit with code 2."""
        prog = for_terminal(self.prog)
        self.exit(EXIT_BAD_INPUT, f"{prog}: error: {for_terminal(message)} (see {prog} --help)\n")
