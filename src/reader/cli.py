"""The ``reader`` command. Headless commands never import Textual; ``open`` loads the
terminal UI lazily.

Every failure reaches the user as one line on stderr (exit code 2 for bad input, 1 for
failures of the machine, 130 for Ctrl-C); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from reader.document import Document
from reader.errors import EXIT_BAD_INPUT, EXIT_FAILURE, ReaderError
from reader.sanitize import for_terminal

COMMANDS = ("open", "info", "export", "read", "render", "voices")
Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} {value} is out of range ({low} to {high})")
        return value

    return parse


def _megabytes(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("--max-mb must be a number of megabytes") from None
    if not 0 < value <= 4096:
        raise argparse.ArgumentTypeError(f"--max-mb {text} is out of range (up to 4096)")
    return int(value * 1024 * 1024)


def load(args: argparse.Namespace) -> Document:
    """The document named by ``args.file`` (the bundled speech when absent)."""
    from reader.ingest import bundled_speech_path, load_document

    path = Path(args.file) if getattr(args, "file", None) else bundled_speech_path()
    document = load_document(path, args.max_bytes)
    for notice in document.notices:
        print(f"reader: note: {for_terminal(notice)}", file=sys.stderr)
    return document


def _start_index(document: Document, number: int | None) -> int:
    from reader.selection import parse_number

    return 0 if number is None else parse_number(str(number), len(document.paragraphs))


def run_open(args: argparse.Namespace) -> int:
    """Open a document in the terminal reader (Textual, imported only here)."""
    document = load(args)
    if not sys.stdout.isatty():  # escape sequences in a file, and a UI nobody can see
        raise ReaderError("reader open needs a terminal on stdout; use reader read FILE instead")
    start = _start_index(document, getattr(args, "start", None))
    from reader.tui.app import run

    start_at = None if args.start is None else start
    return run(document, audio=args.audio, start=start_at, quiet=args.quiet_screen)


def run_info(args: argparse.Namespace) -> int:
    """Print metadata and the numbered outline."""
    from reader.outline import outline_json, outline_text

    document = load(args)
    sys.stdout.write(outline_json(document) if args.json else outline_text(document))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write plain text of the chosen paragraphs to stdout or a file."""
    from reader.export import ExportOptions, export_text, write_atomically
    from reader.selection import select_paragraphs

    document = load(args)
    indices = select_paragraphs(document, args.paragraphs, args.section, args.search)
    options = ExportOptions(numbered=args.numbered, ascii=args.ascii, wrap=args.wrap or 0)
    text = export_text(document, indices, options)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_atomically(Path(args.output), text, force=args.force)
        print(
            f"reader: wrote {len(indices)} paragraphs to {for_terminal(args.output)}",
            file=sys.stderr,
        )
    return 0


def run_read(args: argparse.Namespace) -> int:
    """The line-mode reader."""
    from reader.linemode import run_line_reader

    document = load(args)
    start = _start_index(document, getattr(args, "start", None))
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    return run_line_reader(document, start, sys.stdin, sys.stdout, interactive)


def _add_file(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument(
        "file",
        nargs=None if required else "?",
        help="a .txt or .md file" + ("" if required else " (default: the bundled speech)"),
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = _Parser(prog="reader", description="An accessible audio-and-text reader.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "--max-mb",
        dest="max_bytes",
        type=_megabytes,
        default=None,
        metavar="MB",
        help="refuse files larger than this many megabytes (default 50, or READER_MAX_MB)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    handlers: dict[str, Handler] = {}
    paragraph_number = _positive(1, 10**9, "paragraph number")

    opener = commands.add_parser("open", help="open a document in the reader")
    _add_file(opener, required=False)
    opener.add_argument(
        "--from", dest="start", type=paragraph_number, metavar="N", help="start at paragraph N"
    )
    opener.add_argument(
        "--audio",
        choices=("auto", "null"),
        default="auto",
        help="audio output: the default device, or null (silent, in real time)",
    )
    opener.add_argument(
        "--quiet-screen",
        action="store_true",
        help="for screen readers: no ticking clock, no moving word highlight",
    )
    handlers["open"] = run_open

    info = commands.add_parser("info", help="metadata and a numbered outline")
    _add_file(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    handlers["info"] = run_info

    export = commands.add_parser("export", help="plain text for screen readers and braille")
    _add_file(export)
    export.add_argument("--paragraphs", metavar="RANGE", help="for example 3-7,12")
    export.add_argument("--section", metavar="N|TITLE", help="one section by number or title")
    export.add_argument("--search", metavar="WORDS", help="paragraphs containing all WORDS")
    export.add_argument("--numbered", action="store_true", help="number the paragraphs")
    export.add_argument(
        "--ascii",
        action="store_true",
        help="plain ASCII quotes and dashes for older braille tables",
    )
    export.add_argument(
        "--wrap",
        type=_positive(20, 1000, "--wrap"),
        metavar="N",
        help="wrap lines at N characters (default: no wrapping)",
    )
    export.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    export.add_argument("--force", action="store_true", help="replace OUT if it exists")
    handlers["export"] = run_export

    read = commands.add_parser("read", help="the line-mode reader for screen readers")
    _add_file(read, required=False)
    read.add_argument(
        "--from", dest="start", type=paragraph_number, metavar="N", help="start at paragraph N"
    )
    handlers["read"] = run_read

    from reader.narration.command import add_narration_commands

    add_narration_commands(commands, handlers, _add_file)

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
