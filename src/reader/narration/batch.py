"""Rendering many documents in one command: which files the inputs name, where each one's
output goes, and the loop that renders them one after another, reporting through a
:class:`BatchProgress` (the command line draws it) and carrying on past a failed document.

Inputs are files, folders (every document below them, by suffix) and glob patterns
(``books/**/*.epub``). Each document gets its own folder under the output root, named by its
file name's slug (``-2``, ``-3`` for documents whose names collide). Interrupted batches
resume by running the same command: paragraphs already synthesised come from the cache and
finished documents are up to date.

Units: sizes in bytes (for the time estimate), durations in seconds.
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reader.document import Document
from reader.errors import ReaderError
from reader.narration.outputs import slug
from reader.sanitize import for_terminal

if TYPE_CHECKING:  # the pipeline loads only when a render runs, after workers are started
    from reader.narration.pipeline import RenderRequest, RenderSummary

# The suffixes a folder is searched for (the input formats' own suffixes).
DOCUMENT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".mdown", ".mkd", ".html", ".htm", ".xhtml", ".epub"}
)
_GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One document of a batch and the folder its outputs go to."""

    path: Path
    out_dir: Path
    base: str
    size: int  # bytes on disk, for the time estimate


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    """How one document went: its summary, or the one-line reason it failed."""

    item: BatchItem
    summary: RenderSummary | None
    error: str | None


class BatchProgress(Protocol):
    """What the batch reports as it goes (called on the rendering thread)."""

    def document_started(self, index: int, item: BatchItem) -> None:
        """Document ``index`` (0-based) starts."""

    def paragraphs_done(self, done: int, total: int) -> None:
        """Paragraphs of the current document rendered so far."""

    def document_finished(self, index: int, outcome: DocumentOutcome) -> None:
        """Document ``index`` finished (or failed)."""

    def stopped(self) -> None:
        """The whole batch stops early (Ctrl-C, the cluster lost): end the display."""


def expand_inputs(inputs: Sequence[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The document files the inputs name, in order and without repeats, and the inputs
    that name none (with the reason), which count as failed documents."""
    found: dict[Path, Path] = {}
    problems: list[tuple[str, str]] = []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file()
            )
            reason = "a folder with no documents (.txt, .md, .html, .epub)"
        elif not path.exists() and _GLOB_CHARACTERS & set(text):
            # Path.glob takes no absolute patterns; the shell-like glob.glob does.
            matches = glob.glob(text, recursive=True)  # noqa: PTH207
            files = sorted(Path(p) for p in matches if Path(p).is_file())
            reason = "no file matches this pattern"
        else:
            files = [path]  # a missing file fails later, with the loader's own words
            reason = ""
        if not files:
            problems.append((text, reason))
        for file in files:
            # The same document named twice (a file and its folder) is rendered once, and
            # shown by the name it was given.
            found.setdefault(file.resolve() if file.exists() else file, file)
    return list(found.values()), problems


def plan(paths: Sequence[Path], out_root: Path) -> list[BatchItem]:
    """One output folder per document under ``out_root``, named by the file's slug."""
    used: dict[str, int] = {}
    items = []
    for path in paths:
        base = slug(path.stem)
        count = used.get(base, 0) + 1
        used[base] = count
        folder_name = base if count == 1 else f"{base}-{count}"
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        items.append(BatchItem(path, out_root / folder_name, base, size))
    return items


def render_documents(
    items: Sequence[BatchItem],
    load: Callable[[Path], Document],
    request_for: Callable[[Document, BatchItem], RenderRequest],
    progress: BatchProgress,
) -> list[DocumentOutcome]:
    """Render every document in turn; a document that fails (bad input, a paragraph the
    engine refused) is reported and the others still run. Ctrl-C stops the batch, and so
    does a cluster that cannot be reached or is lost (every other document would fail the
    same way): their one line then ends the command."""
    from reader.narration.cluster import ClusterUnavailable
    from reader.narration.pipeline import render_document

    outcomes = []
    for index, item in enumerate(items):
        progress.document_started(index, item)
        try:
            document = load(item.path)
            request = request_for(document, item)
            summary = render_document(request)
        except ClusterUnavailable:
            progress.stopped()
            raise
        except ReaderError as error:
            outcome = DocumentOutcome(item, None, error.line)
        except BaseException:
            progress.stopped()
            raise
        else:
            outcome = DocumentOutcome(item, summary, None)
        outcomes.append(outcome)
        progress.document_finished(index, outcome)
    return outcomes


@dataclass
class Estimate:
    """Elapsed time and an estimate of the time left, from the share of input bytes done
    (documents finished plus the finished share of the current one)."""

    total_bytes: int
    started: float = 0.0
    done_bytes: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the batch started."""
        return time.monotonic() - self.started

    def left(self) -> float | None:
        """Seconds probably left (None until something is done)."""
        if self.done_bytes <= 0 or self.total_bytes <= 0:
            return None
        share = min(1.0, self.done_bytes / self.total_bytes)
        return self.elapsed() * (1 - share) / share


def clock(seconds: float) -> str:
    """``H:MM:SS`` or ``M:SS``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def summary_table(outcomes: Sequence[DocumentOutcome]) -> str:
    """A plain-text table: document, paragraphs, audio, loudness, result."""
    rows = [("DOCUMENT", "PARAGRAPHS", "AUDIO", "LOUDNESS", "RESULT")]
    for outcome in outcomes:
        name = for_terminal(str(outcome.item.path))
        if outcome.summary is None:
            rows.append((name, "-", "-", "-", f"failed: {outcome.error}"))
            continue
        seconds = outcome.summary.seconds
        rows.append(
            (
                name,
                str(outcome.summary.paragraphs),
                "-" if seconds is None else clock(seconds),
                outcome.summary.loudness or "-",
                f"ok: {for_terminal(str(outcome.item.out_dir))}",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return "".join(
        f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  "
        f"{row[3]:>{widths[3]}}  {row[4]}\n"
        for row in rows
    )
