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
from typing import TYPE_CHECKING, Any

from reader.commands.common import Handler, load
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.outputs import BOOK_FORMATS, GRANULARITIES, parse_formats, slug
from reader.sanitize import for_terminal

if TYPE_CHECKING:
    from reader.document import Document
    from reader.narration.batch import BatchItem


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

    render = commands.add_parser(
        "render", help="narrate documents to audio with sync files (files, folders, globs)"
    )
    render.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a document; or several, folders (every document below) and glob patterns, "
        "each rendered into its own folder under -o",
    )
    render.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="default audio/<document-slug>/ (several documents: audio/, one folder each)",
    )
    render.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="synthesise on a Dask cluster (tcp://host:8786; default READER_CLUSTER, else here)",
    )
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
        help="for example 3-7,12: the folder then holds those paragraphs and full-length "
        "files made of them; files of an earlier render they do not cover (other paragraphs, "
        "a book, other formats) are removed, with a note (not with --format epub: a book "
        "needs every paragraph)",
    )  # fmt: skip
    render.add_argument(
        "--jobs", type=_number(1, MAX_JOBS, "--jobs"), default=os.cpu_count() or 1, metavar="N",
        help="worker processes (default: the number of cores)",
    )  # fmt: skip
    render.add_argument("--quiet", action="store_true", help="no progress or summary")
    _add_output_options(render)
    _add_profile_option(render)
    _add_spoken_options(render)
    handlers["render"] = run_render

    voices = commands.add_parser("voices", help="list the installed voices of every engine")
    voices.add_argument("--language", metavar="CODE", help="only voices for this language")
    voices.add_argument(
        "--engine", metavar="NAME", help="only this engine's voices (espeak, piper)"
    )
    handlers["voices"] = run_voices


# --- Loudness and delivery (issue 12 items 7 and 10) ---------------------------------------


def _add_output_options(render: argparse.ArgumentParser) -> None:
    """``--loudness``: how the narration's level is set (see reader.audio.loudness)."""
    from reader.audio.presets import DEFAULT_LOUDNESS, LOUDNESS_CHOICES

    render.add_argument(
        "--loudness", choices=LOUDNESS_CHOICES, default=DEFAULT_LOUDNESS,
        help="level of the narration, measured (EBU R128) and set with one gain for the "
        "whole document and a true-peak limiter: speech -18 LUFS, podcast -16 LUFS (both "
        "true peak at most -1.5 dBTP), acx (RMS -20 dB, peaks at most -3 dB, room tone at "
        "head and tail), off (the engine's level; --volume applies only then) "
        "(default speech)",
    )  # fmt: skip
    render.add_argument(
        "--cover", metavar="FILE", type=Path,
        help="cover art (PNG or JPEG) for the MP3, M4B and OGG files; default the EPUB's "
        "own cover when reading an EPUB, else a title card with the title and author; "
        "written beside them as cover.jpg/cover.png",
    )  # fmt: skip


def _add_profile_option(render: argparse.ArgumentParser) -> None:
    from reader.audio.formats import DEFAULT_PROFILE, PROFILES

    render.add_argument(
        "--profile", choices=tuple(PROFILES), default=DEFAULT_PROFILE,
        help="encoded audio: standard (the voice's 22.05 kHz; MP3 and AAC 48 kbit/s) or high "
        "(44.1 kHz; MP3 128 kbit/s, AAC 64 kbit/s, Vorbis quality 5) (default standard)",
    )  # fmt: skip


def _checked_cover(args: argparse.Namespace) -> Path | None:
    """``--cover``, refused in one line unless it is a real PNG or JPEG."""
    if args.cover is None:
        return None
    from reader.audio.cover import read_cover

    read_cover(args.cover)
    return Path(args.cover)


def _engine_volume(args: argparse.Namespace) -> float:
    """The engine's volume: ``--volume`` with ``--loudness off``; else 1.0 (the engine's
    clean level, which never clips), since the preset sets the level."""
    if args.loudness == "off":
        return float(args.volume)
    if args.volume != 1.0 and not args.quiet:
        print(
            f"reader: note: --volume is left out with --loudness {args.loudness}, which sets "
            "the level; add --loudness off to use it",
            file=sys.stderr,
        )
    return 1.0


# What is spoken besides the paragraphs (issue 12 item 9); kept apart from the other
# options so that options added elsewhere merge cleanly.
def _add_spoken_options(render: argparse.ArgumentParser) -> None:
    render.add_argument(
        "--credits",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="opening credits ('<title>. By <author>.') and closing ('End of <title>.'), "
        "as audiobooks have them (default on; never for --paragraphs)",
    )
    render.add_argument(
        "--headings",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="speak each section's heading, with a pause, where its chapter starts (default on)",
    )


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
        if not voices:
            raise ReaderError(
                f"no installed voice speaks {for_terminal(args.language)!r}; "
                "run `reader voices` to list them"
            )
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
    """``reader render``: one document, or a batch of documents each into its own folder."""
    from reader.narration.batch import expand_inputs
    from reader.narration.cluster import cluster_address, connect_early
    from reader.narration.worker import prestart

    address = cluster_address(args.cluster)
    if address is None:
        # Synthesisers start (and load the voice) while this one parses the document.
        prestart(_settings(args), args.jobs)
    else:
        connect_early(address, args.voice)  # Dask loads and connects meanwhile, likewise

    paths, problems = expand_inputs(args.files)
    if len(args.files) == 1 and len(paths) <= 1 and not Path(args.files[0]).is_dir():
        # One file (or a pattern naming one, or nothing: then the loader says what is wrong,
        # with exit code 2) renders exactly as before, into -o itself.
        args.file = str(paths[0]) if len(paths) == 1 else args.files[0]
        return _render_one(args)
    return _render_many(args, paths, problems)


def _settings(args: argparse.Namespace) -> Any:
    from reader.narration.synthesis import NarrationSettings

    return NarrationSettings(args.voice, args.rate, args.pitch, _engine_volume(args))


def _render_one(args: argparse.Namespace) -> int:
    """One document: paragraphs, sync maps, full-length audio and sync files."""
    from reader.narration.cluster import cluster_address
    from reader.narration.pipeline import RenderRequest, render_document
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
    request = RenderRequest(
        document=document,
        indices=indices,
        out_dir=out_dir,
        base=base,
        formats=formats,
        settings=_settings(args),
        gap_ms=args.gap,
        chapter_minutes=args.chapter_minutes,
        jobs=args.jobs,
        progress=_ProgressBar(not args.quiet),
        granularity=args.epub_granularity,
        credits=args.credits,
        headings=args.headings,
        cluster=cluster_address(args.cluster),
        loudness=args.loudness,
        cover=_checked_cover(args),
        profile=args.profile,
    )
    summary = render_document(request)
    for notice in summary.notices:  # files removed from the folder: said even with --quiet
        print(f"reader: note: {for_terminal(notice)}", file=sys.stderr)
    if not args.quiet:
        print(f"reader: {for_terminal(summary.line)}", file=sys.stderr)
    return 0


def _render_many(
    args: argparse.Namespace, paths: list[Path], problems: list[tuple[str, str]]
) -> int:
    """Several documents, each into its own folder under ``-o``; the others carry on past
    one that fails, and the exit code says whether any did."""
    from reader.commands.batchview import BatchDisplay
    from reader.ingest import load_document
    from reader.narration.batch import plan, render_documents, summary_table
    from reader.narration.cluster import cluster_address
    from reader.narration.pipeline import RenderRequest

    if args.paragraphs:
        raise ReaderError("--paragraphs takes one document; render a batch whole")
    formats = parse_formats(args.format)
    settings = _settings(args)
    cover = _checked_cover(args)
    cluster = cluster_address(args.cluster)
    items = plan(paths, Path(args.output) if args.output else Path("audio"))
    display = BatchDisplay(items, enabled=not args.quiet)

    def load_one(path: Path) -> Document:
        document = load_document(path, args.max_bytes)
        for notice in document.notices:
            display.note(f"{for_terminal(str(path))}: {for_terminal(notice)}")
        return document

    def request_for(document: Document, item: BatchItem) -> RenderRequest:
        return RenderRequest(
            document=document,
            indices=range(len(document.paragraphs)),
            out_dir=item.out_dir,
            base=item.base,
            formats=formats,
            settings=settings,
            gap_ms=args.gap,
            jobs=args.jobs,
            progress=display.paragraphs_done,
            granularity=args.epub_granularity,
            credits=args.credits,
            headings=args.headings,
            cluster=cluster,
            loudness=args.loudness,
            cover=cover,
            profile=args.profile,
        )

    outcomes = render_documents(items, load_one, request_for, display)
    display.close()
    sys.stdout.write(summary_table(outcomes))
    for outcome in outcomes:  # files removed, voices chosen: said whatever --quiet says
        for notice in outcome.summary.notices if outcome.summary else ():
            where = for_terminal(str(outcome.item.path))
            print(f"reader: note: {where}: {for_terminal(notice)}", file=sys.stderr)
    failed = [for_terminal(text) for text, _ in problems]
    failed += [for_terminal(str(o.item.path)) for o in outcomes if o.error is not None]
    for text, reason in problems:
        print(f"reader: error: {for_terminal(text)}: {for_terminal(reason)}", file=sys.stderr)
    if failed:
        total = len(outcomes) + len(problems)
        print(
            f"reader: error: {len(failed)} of {total} documents failed: {', '.join(failed)}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return 0
