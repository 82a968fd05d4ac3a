"""Markdown speed: the parser candidates on a real 1 MB document, `reader info` on it as a
whole process, and pathological inputs that must cost time linear in their size.

The document is built from realistic content, with no network: the README, the bundled
speech and the test Markdown, and an API reference generated from reader's own modules
(headings, code fences, tables of functions, links and images), repeated to 1 MB.

Candidates, each timed on the same text (median of several runs; the machine is shared,
so compare within one run):

- markdown-it-py, the parser reader used before (block extraction as it was, inline text
  parsed only where markup could be);
- pyromark (pulldown-cmark), the parser reader uses now (its full block extraction);
- markdown-it-pyrs and cmarkgfm, parse or render only, when installed.

Targets: `reader info` on the 1 MB document <= 0.5 s; pathological 1 MB inputs (parsed, built
and counted in-process, as `reader info` does after reading the file) within
2.5x of their 0.5 MB halves (linear, allowing noise), each also timed from 1 MB to 2 MB
(pulldown-cmark's cost per byte steps up once near 1 MB of one inline run, then stays).

Then the scale table (issue 14 item 1, :mod:`scale`): generated prose of 1, 10 and 50 MB,
Markdown and plain text; for each, `reader info`, `info --json`, `export --paragraphs
1-5`, `read` (to its prompt, "q" piped in), `open` (a real terminal, to the first paint)
and `render --paragraphs 1-3` as whole processes: wall time and the peak memory of the
process tree, with its ratio to the file's size so that the growth shows. Targets at
50 MB: info <= 10 s, read and open <= 2 s, every peak <= 10x the file and <= 600 MB.
"""

from __future__ import annotations

import ast
import importlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader.formats.markdown import parse_markdown
from reader.ingest import parse_text
from reader.outline import outline_text
from scale import scale_table

ROOT = Path(__file__).resolve().parents[1]
MEGABYTE = 1024 * 1024
RUNS = 5
INFO_TARGET_S = 0.5
LINEAR_SLACK = 2.5


def api_reference() -> str:
    """Markdown reference pages for reader's modules: docstrings, a table of functions with
    their first docstring line, a code fence per signature, links and an image."""
    pages = []
    for path in sorted((ROOT / "src" / "reader").rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        name = ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)
        lines = [f"## `{name}`", "", ast.get_docstring(module) or "No docstring.", ""]
        lines += [f"![Diagram of {name}](img/{name}.png)", ""]
        lines += ["| function | summary |", "|---|---|"]
        functions = [n for n in ast.walk(module) if isinstance(n, ast.FunctionDef)]
        for node in functions:
            summary = (ast.get_docstring(node) or "").split("\n")[0].replace("|", "\\|")
            lines.append(f"| [`{node.name}`](#{node.name}) | {summary} |")
        lines.append("")
        for node in functions:
            lines += [f"### {node.name}", "", "```python", ast.unparse(node.args), "```", ""]
            doc = ast.get_docstring(node)
            if doc:
                lines += [doc, "", f"See [the source]({path.name}#L{node.lineno}).", ""]
        pages.append("\n".join(lines))
    return "\n".join(pages)


def real_document() -> str:
    """About 1 MB of realistic Markdown."""
    parts = [
        (ROOT / "README.md").read_text(encoding="utf-8"),
        (ROOT / "texts" / "sessions-iacp-2018.md").read_text(encoding="utf-8").split("---", 2)[2],
        (ROOT / "tests" / "data" / "addresses.md").read_text(encoding="utf-8").split("---", 2)[2],
        api_reference(),
    ]
    unit = "\n\n".join(parts)
    copies = MEGABYTE // len(unit.encode()) + 1
    return "\n\n".join(f"# Part {n + 1}\n\n{unit}" for n in range(copies))


def markdown_it_blocks(text: str) -> list[tuple[int, str]]:
    """Headings and paragraphs the way reader read Markdown with markdown-it-py."""
    from markdown_it import MarkdownIt

    block = MarkdownIt("commonmark").enable("table").disable("inline")
    inline = MarkdownIt("commonmark")
    markup = re.compile(r"[*_`\[\]!<>\\&~]")
    env: dict[str, Any] = {}
    tokens = block.parse(text, env)
    out: list[tuple[int, str]] = []
    for index, token in enumerate(tokens):
        if token.type != "inline":
            if token.type in ("fence", "code_block"):
                out.append((0, token.content))
            continue
        content = token
        if markup.search(token.content):
            content = inline.parseInline(token.content, env)[0]
        words = "".join(c.content for c in content.children or ()) or token.content
        opening = tokens[index - 1].type
        level = int(tokens[index - 1].tag[1:]) if opening == "heading_open" else 0
        out.append((level, words))
    return out


def candidates() -> dict[str, Callable[[str], object]]:
    """The parsers to time, those installed."""
    found: dict[str, Callable[[str], object]] = {
        "markdown-it-py (before)": markdown_it_blocks,
        "pyromark (now, with blocks)": parse_markdown,
    }
    try:
        pyrs: Any = importlib.import_module("markdown_it_pyrs")
        parser = pyrs.MarkdownIt("commonmark").enable("table")
        found["markdown-it-pyrs (tree only)"] = parser.tree
    except ImportError:
        print("markdown-it-pyrs not installed (pip install markdown-it-pyrs to compare)")
    try:
        cmark: Any = importlib.import_module("cmarkgfm")
        found["cmarkgfm (HTML render)"] = cmark.github_flavored_markdown_to_html
    except ImportError:
        print("cmarkgfm not installed (pip install cmarkgfm to compare)")
    return found


def timed(function: Callable[[str], object], text: str, runs: int = RUNS) -> float:
    """Median seconds of ``function(text)``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pathological(size: int) -> dict[str, str]:
    """Inputs that make careless parsers quadratic, each cut to ``size`` characters (the
    nested ones grow by a marker per line, so they are built line by line to the size)."""

    def fill(unit: str, head: str = "") -> str:
        return (head + unit * (size // len(unit) + 1))[:size]

    def grow(line: Callable[[int], str]) -> str:
        lines, total, depth = [], 0, 0
        while total < size:
            lines.append(line(depth))
            total += len(lines[-1])
            depth += 1
        return "".join(lines)[:size]

    return {
        "images": fill("![alt text](pic.png) "),
        "links": fill("[a link](http://example.com/x) and "),
        "unclosed emphasis": fill("*a _b **c [d `e "),
        "hard breaks": fill("line  \n"),
        "huge table": fill("| 1 | two | [3](x) |\n", "| a | b | c |\n|---|---|---|\n"),
        "nested lists": grow(lambda n: f"{'  ' * n}- level {n}\n"),
        "nested quotes": grow(lambda n: f"{'>' * n} level {n}\n\n"),
    }


def info_in_process(text: str) -> str:
    """What `reader info` does once the file is read (in-process: parse, build, count)."""
    return outline_text(parse_text(text, markdown=True))


def reader_info_seconds(path: Path) -> float:
    """Median wall time of `python -m reader info FILE` as a whole process."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "reader", "info", str(path)],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    """Print the figures and whether the targets hold."""
    text = real_document()
    size = len(text.encode())
    blocks = len(parse_markdown(text).blocks)
    print(f"document: {size / MEGABYTE:.2f} MB of Markdown, {blocks} blocks")
    base = 0.0
    for name, function in candidates().items():
        seconds = timed(function, text)
        base = base or seconds
        print(f"{name:32s} {1000 * seconds:8.1f} ms  ({base / seconds:5.1f}x markdown-it-py)")

    failed = False
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "megabyte.md"
        path.write_text(text, encoding="utf-8")
        info = reader_info_seconds(path)
    verdict = "ok" if info <= INFO_TARGET_S else "OVER TARGET"
    failed |= info > INFO_TARGET_S
    print(
        f"{'reader info, 1 MB, whole process':32s} {1000 * info:8.0f} ms  (target <= 500) {verdict}"
    )

    halves, wholes = pathological(MEGABYTE // 2), pathological(MEGABYTE)
    doubles = pathological(2 * MEGABYTE)
    for name in wholes:
        half, whole = (
            timed(info_in_process, halves[name], 3),
            timed(info_in_process, wholes[name], 3),
        )
        double = timed(info_in_process, doubles[name], 3)
        ratio = whole / half
        verdict = "ok" if ratio <= LINEAR_SLACK else "NOT LINEAR"
        failed |= ratio > LINEAR_SLACK
        print(
            f"{'pathological: ' + name:32s} {1000 * whole:8.1f} ms for 1 MB, "
            f"{ratio:4.2f}x its 0.5 MB half (target <= {LINEAR_SLACK}) {verdict}; "
            f"2 MB {double / whole:4.2f}x 1 MB"
        )
    failed |= not scale_table()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
