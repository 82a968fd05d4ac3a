"""The one exception type that reaches people as a single clear line."""

from __future__ import annotations

from reader.sanitize import for_terminal

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


class ReaderError(Exception):
    """An error meant for the user: what went wrong, which file, what to do.

    ``exit_code`` is 2 for bad input (the default) and 1 for failures of the machine
    (a missing program, a full disk).
    """

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @property
    def line(self) -> str:
        """The message as one terminal-safe line."""
        return for_terminal(str(self))
