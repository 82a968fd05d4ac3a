"""``reader render`` and ``reader voices``: argument parsing and the command handlers.

Importing this module is cheap (no engine, no ffmpeg): ``reader.cli`` adds the parsers
from here, and the heavy modules load only when a command runs. What a render produces
(formats, book jobs, slugs, writability) is domain code in ``reader.narration.outputs``.

Units: ``--rate`` words per minute, ``--pitch`` 0-100, ``--volume`` a factor (1.0 normal),
``--gap`` milliseconds of silence between paragraphs in the full-length audio.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader.commands.common import Handler, load
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.outputs import BOOK_FORMATS, GRANULARITIES, parse_formats, slug
from reader.sanitize import for_terminal


def _number(
    low: float, high: float, what: str, kind: Callable[[str], float] = int
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            noun = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{what} must be a {noun}, not {text!r}") from None
        if not low <= value <= high or (kind is float and value == 0 and low == 0):
            shown = f"above {low}" if kind is float and low == 0 else f"{low}"
            raise argparse.ArgumentTypeError(f"{what} {text} is out of range ({shown} to {high})")
        return value

    return parse


def add_narration_commands(
    commands: argparse._SubParsersAction[Any],
    handlers: dict[str, Handler],
    add_file: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add ``render`` and ``voices`` to the ``reader`` command line."""
    from reader.narration.limits import (
        DEFAULT_RATE_WPM,
        MAX_JOBS,
        MAX_PITCH,
        MAX_RATE_WPM,
        MAX_VOLUME,
        MIN_RATE_WPM,
    )

    render = commands.add_parser("render", help="narrate a document to audio with sync files")
    add_file(render)
    render.add_argument("-o", "--output", metavar="DIR", help="default audio/<document-slug>/")
    render.add_argument(
        "--format",
        default="wav,mp3",
        metavar="LIST",
        help="any of wav,mp3,ogg,m4b,epub (default wav,mp3); epub is a read-along EPUB 3 "
        "book with Media Overlays, <slug>.epub, and needs the whole document (not with "
        "--paragraphs)",
    )
    render.add_argument(
        "--epub-granularity",
        choices=GRANULARITIES,
        default="sentence",
        help="what the EPUB highlights as it plays: each sentence or each word (default sentence)",
    )
    render.add_argument(
        "--voice", metavar="ID",
        help="a voice from `reader voices`: engine:id (espeak:gmw/en), or a bare eSpeak id",
    )  # fmt: skip
    render.add_argument(
        "--rate", type=_number(MIN_RATE_WPM, MAX_RATE_WPM, "--rate"), default=DEFAULT_RATE_WPM,
        metavar="WPM",
        help=f"words per minute, {MIN_RATE_WPM} to {MAX_RATE_WPM} (default {DEFAULT_RATE_WPM}; "
        "beyond the engine's exact range the audio is time-stretched)",
    )  # fmt: skip
    render.add_argument(
        "--pitch", type=_number(0, MAX_PITCH, "--pitch"), default=50, metavar="N",
        help="0 to 100 (default 50)",
    )  # fmt: skip
    render.add_argument(
        "--volume", type=_number(0, MAX_VOLUME, "--volume", float), default=1.0, metavar="X",
        help=f"loudness factor, above 0 up to {MAX_VOLUME} (default 1.0)",
    )  # fmt: skip
    render.add_argument(
        "--gap", type=_number(0, 10_000, "--gap"), default=600, metavar="MS",
        help="silence between paragraphs in ms, doubled before a heading (default 600)",
    )  # fmt: skip
    render.add_argument(
        "--chapter-minutes", type=_number(0.1, 600, "--chapter-minutes", float), default=10.0,
        metavar="MIN",
        help="chapter length for documents without sections (default 10); a document with "
        "sections gets one chapter per section; at most 255 chapters either way",
    )  # fmt: skip
    render.add_argument(
        "--paragraphs", metavar="RANGE",
        help="for example 3-7,12 (not with --format epub: a book needs every paragraph)",
    )  # fmt: skip
    render.add_argument(
        "--jobs", type=_number(1, MAX_JOBS, "--jobs"), default=os.cpu_count() or 1, metavar="N",
        help="worker processes (default: the number of cores)",
    )  # fmt: skip
    render.add_argument("--quiet", action="store_true", help="no progress or summary")
    handlers["render"] = run_render

    voices = commands.add_parser("voices", help="list the installed voices of every engine")
    voices.add_argument("--language", metavar="CODE", help="only voices for this language")
    voices.add_argument(
        "--engine", metavar="NAME", help="only this engine's voices (espeak, piper)"
    )
    handlers["voices"] = run_voices


def run_voices(args: argparse.Namespace) -> int:
    """Print every available engine's voices: id (what ``--voice`` takes), engine,
    language, quality and name; an engine that is not installed gets one line on stderr."""
    from reader.narration.engines import DEFAULT_ENGINE, all_voices

    voices, problems = all_voices([args.engine] if args.engine else [])
    if not voices and problems:  # nothing can speak here: say why, and fail
        raise ReaderError(
            problems.get(DEFAULT_ENGINE) or next(iter(problems.values())), EXIT_FAILURE
        )
    if args.language:
        wanted = args.language.lower()
        voices = [v for v in voices if v.language.lower().startswith(wanted)]
    width = max((len(v.qualified_id) for v in voices), default=2)
    quality = max((len(v.quality) for v in voices), default=7)
    lines = [f"{'ID':<{width}}  {'ENGINE':<7}  {'LANGUAGE':<16}  {'QUALITY':<{quality}}  NAME"]
    lines += [
        f"{v.qualified_id:<{width}}  {v.engine:<7}  {v.language:<16}  {v.quality:<{quality}}  "
        f"{v.name}"
        for v in voices
    ]
    sys.stdout.write("".join(for_terminal(line) + "\n" for line in lines))
    for problem in problems.values():
        print(f"reader: note: {for_terminal(problem)}", file=sys.stderr)
    return 0


class _ProgressBar:
    """A one-line bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        filled = 30 * done // total
        bar = "#" * filled + "-" * (30 - filled)
        sys.stderr.write(f"\rreader: rendering [{bar}] {done}/{total} paragraphs")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run_render(args: argparse.Namespace) -> int:
    """``reader render``: paragraphs, sync maps, full-length audio and sync files."""
    from reader.narration.worker import prestart

    # Worker processes start (and load eSpeak) while this one parses the document.
    prestart(args.voice, args.jobs)
    from reader.narration.pipeline import RenderRequest, render_document
    from reader.narration.renderer import NarrationSettings
    from reader.selection import parse_ranges

    formats = parse_formats(args.format)
    document = load(args)
    count = len(document.paragraphs)
    if count == 0:
        raise ReaderError(f"{for_terminal(args.file)} has no paragraphs to narrate")
    indices = parse_ranges(args.paragraphs, count) if args.paragraphs else list(range(count))
    books = [name for name in formats if name in BOOK_FORMATS]
    if books and indices != list(range(count)):
        # A book holds every paragraph (the EPUB packager checks one clip per paragraph);
        # building one from a partial render would need a second, hidden render.
        raise ReaderError(
            f"--format {books[0]} needs every paragraph of {for_terminal(args.file)}; "
            "leave out --paragraphs, or render the book in a separate run"
        )
    base = slug(Path(document.path).stem if document.path else document.title)
    out_dir = Path(args.output) if args.output else Path("audio") / base
    settings = NarrationSettings(args.voice, args.rate, args.pitch, args.volume)
    request = RenderRequest(
        document=document,
        indices=indices,
        out_dir=out_dir,
        base=base,
        formats=formats,
        settings=settings,
        gap_ms=args.gap,
        chapter_minutes=args.chapter_minutes,
        jobs=args.jobs,
        progress=_ProgressBar(not args.quiet),
        granularity=args.epub_granularity,
    )
    summary = render_document(request)
    if not args.quiet:
        print(f"reader: {for_terminal(summary)}", file=sys.stderr)
    return 0
