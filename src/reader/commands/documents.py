"""``reader open``, ``info``, ``export`` and ``read``: their arguments and handlers.

``open`` is the only one that loads the terminal UI (Textual), and only when it runs.
Units: paragraph numbers are 1-based on the command line, indices 0-based inside.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reader.commands.common import Handler, add_file, late_notices, load, positive
from reader.document import Document
from reader.errors import ReaderError
from reader.sanitize import for_terminal


def _start_index(document: Document, number: int | None) -> int:
    from reader.selection import parse_number

    if number is None:
        return 0
    document.ensure(number - 1)  # a document still loading: as far as --from
    return parse_number(str(number), len(document.paragraphs))


def run_open(args: argparse.Namespace) -> int:
    """Open a document in the terminal reader (Textual, imported only here). A long one
    opens still loading; the UI loads the rest after its first paint. A voice slow to
    load (Piper) starts loading first, while the document is parsed and the UI imported."""
    from reader.ingest import bundled_speech_path
    from reader.settings import SettingsStore

    voice = None
    if args.voice is not None:
        from reader.narration.engines import checked_voice

        voice = checked_voice(args.voice)
    store = SettingsStore()
    terminal = sys.stdout.isatty()
    if terminal:
        from reader.tui.renderers import start_ahead

        start_ahead(Path(args.file) if args.file else bundled_speech_path(), store, voice)
    document = load(args, stream=True)
    if not terminal:  # escape sequences in a file, and a UI nobody can see
        raise ReaderError("reader open needs a terminal on stdout; use reader read FILE instead")
    start = _start_index(document, getattr(args, "start", None))
    from reader.tui.app import run

    start_at = None if args.start is None else start
    return run(
        document,
        audio=args.audio,
        start=start_at,
        store=store,
        voice=voice,
        quiet=args.quiet_screen,
    )


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
            f"reader: wrote {len(indices)} paragraph{'' if len(indices) == 1 else 's'} "
            f"to {for_terminal(args.output)}",
            file=sys.stderr,
        )
    return 0


def run_read(args: argparse.Namespace) -> int:
    """The line-mode reader."""
    from reader.linemode import run_line_reader
    from reader.settings import SettingsStore

    document = load(args, stream=True)
    printed = document.notices
    number = getattr(args, "start", None)
    start = None if number is None else _start_index(document, number)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    # A person at a terminal resumes where they left off and keeps their bookmarks; a
    # script piping commands always starts at paragraph 1 (or --from) and changes nothing.
    store = SettingsStore() if interactive else None
    try:
        return run_line_reader(document, start, sys.stdin, sys.stdout, interactive, store=store)
    finally:
        late_notices(document, printed)


def add_document_commands(
    commands: argparse._SubParsersAction[Any], handlers: dict[str, Handler]
) -> None:
    """Add ``open``, ``info``, ``export`` and ``read`` to the ``reader`` command line."""
    paragraph_number = positive(1, 10**9, "paragraph number")

    opener = commands.add_parser("open", help="open a document in the reader")
    add_file(opener, required=False)
    opener.add_argument(
        "--from", dest="start", type=paragraph_number, metavar="N", help="start at paragraph N"
    )
    opener.add_argument(
        "--voice",
        metavar="ID",
        help="narrate with this voice from `reader voices` (engine:id, e.g. "
        "piper:en_US-joe-medium); kept for the document, as if chosen with v",
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
    add_file(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    handlers["info"] = run_info

    export = commands.add_parser("export", help="plain text for screen readers and braille")
    add_file(export)
    export.add_argument("--paragraphs", metavar="RANGE", help="for example 3-7,12")
    export.add_argument(
        "--section",
        metavar="N|TITLE",
        help="one section (with the sections under it) by number or title",
    )
    export.add_argument("--search", metavar="WORDS", help="paragraphs containing all WORDS")
    export.add_argument("--numbered", action="store_true", help="number the paragraphs")
    export.add_argument(
        "--ascii",
        action="store_true",
        help="plain ASCII quotes and dashes for older braille tables",
    )
    export.add_argument(
        "--wrap",
        type=positive(20, 1000, "--wrap"),
        metavar="N",
        help="wrap lines at N characters (default: no wrapping)",
    )
    export.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    export.add_argument("--force", action="store_true", help="replace OUT if it exists")
    handlers["export"] = run_export

    read = commands.add_parser("read", help="the line-mode reader for screen readers")
    add_file(read, required=False)
    read.add_argument(
        "--from", dest="start", type=paragraph_number, metavar="N", help="start at paragraph N"
    )
    handlers["read"] = run_read
