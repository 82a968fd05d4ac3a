"""The ``reader`` command: the top-level parser, the error policy and ``main``. Each
command's arguments and handler live in :mod:`reader.commands`. Headless commands never
import Textual; ``open`` loads the terminal UI lazily.

Every failure reaches the user as one line on stderr (exit code 2 for bad input, 1 for
failures of the machine, 130 for Ctrl-C); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from reader.commands.cache import add_cache_command
from reader.commands.common import Handler, Parser, megabytes
from reader.commands.documents import add_document_commands
from reader.commands.render import add_narration_commands
from reader.errors import EXIT_FAILURE, ReaderError
from reader.sanitize import for_terminal

COMMANDS = ("open", "info", "export", "read", "render", "voices", "cache")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = Parser(prog="reader", description="An accessible audio-and-text reader.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "--max-mb",
        dest="max_bytes",
        type=megabytes,
        default=None,
        metavar="MB",
        help="refuse files larger than this many megabytes (default 50, or READER_MAX_MB)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    handlers: dict[str, Handler] = {}
    add_document_commands(commands, handlers)
    add_narration_commands(commands, handlers)
    add_cache_command(commands, handlers)

    parser.set_defaults(handlers=handlers)
    return parser


def _normalise_argv(argv: Sequence[str]) -> list[str]:
    """``reader`` alone opens the speech; ``reader FILE`` means ``reader open FILE``."""
    args = list(argv)
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] == "--max-mb" else 1
    if index >= len(args):
        if not any(a in ("-h", "--help") for a in args):
            args.append("open")
    elif args[index] not in COMMANDS:
        args.insert(index, "open")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``reader`` command."""
    raw = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    parser = build_parser()
    args = parser.parse_args(_normalise_argv(raw))
    handler: Handler = args.handlers[args.command]
    try:
        return handler(args)
    except ReaderError as error:
        if args.debug:
            raise
        print(f"reader: error: {error.line}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("reader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except Exception as error:
        if args.debug:
            raise
        detail = for_terminal(f"{type(error).__name__}: {error}")
        print(f"reader: internal error: {detail} (run with --debug for details)", file=sys.stderr)
        return EXIT_FAILURE


def _silence_stdout() -> None:
    """After a closed pipe (``reader export ... | head``), stop Python's own flush error."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
