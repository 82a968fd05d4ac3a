"""The format port: choosing a format, reading only regular files, bytes for zip books,
UTF-16 without a BOM, Markdown nesting of any depth, and no import cycle."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reader.errors import ReaderError
from reader.formats import MODULES, SUFFIXES, choose_format, get_format
from reader.formats.base import InputFormat, Source
from reader.formats.files import read_source
from reader.ingest import load_document


@pytest.mark.parametrize(
    ("name", "data", "chosen"),
    [
        ("a.md", b"# Skip to main content\n", "Markdown"),
        ("a.MARKDOWN", b"text", "Markdown"),
        ("a.txt", b"Skip to main content\n\nTitle\n\nBody.", "web page"),
        ("a", b"Skip to main content\n\nTitle\n\nBody.", "web page"),
        ("a.txt", b"Just text.", "plain text"),
        ("a.unknown", b"Just text.", "plain text"),
    ],
)
def test_choice_by_suffix_then_sniffing(name: str, data: bytes, chosen: str) -> None:
    assert choose_format(Source(Path(name), data)).name == chosen


def test_registered_formats_satisfy_the_port() -> None:
    assert {"epub", "html", "text", "markdown", "webpage"} <= set(MODULES)
    for name in ("text", "markdown", "webpage"):
        found = get_format(name)
        assert isinstance(found, InputFormat), name


def test_a_missing_format_module_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MODULES, "ghost", "reader.formats.ghost_not_there")
    assert get_format("ghost") is None
    assert choose_format(Source(Path("x.ghost"), b"Text.")).name == "plain text"


def test_zip_bytes_reach_the_format(tmp_path: Path) -> None:
    # A zip-based book must get past reading (the text formats refuse it, not the reader).
    path = tmp_path / "book.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    assert read_source(path).data.startswith(b"PK")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(ReaderError, match="named pipe"):
        read_source(fifo)
    reader = Path(sys.executable).with_name("reader")
    result = subprocess.run(
        [str(reader), "export", str(fifo)], check=False, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "named pipe" in result.stderr


def test_a_device_is_refused() -> None:
    with pytest.raises(ReaderError, match="character device"):
        read_source("/dev/null")


def test_utf16_without_bom(tmp_path: Path) -> None:
    text = "Première ligne — “quoted”.\n\nSecond paragraph here, 中文。"
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        document = load_document(path)
        assert [p.text for p in document.paragraphs] == text.split("\n\n")
        assert encoding.upper() in document.notices[0]


def _nested_lists(depth: int) -> str:
    return "".join(f"{'  ' * n}- level {n}\n" for n in range(depth))


def _nested_quotes(depth: int) -> str:
    return "".join(f"{'>' * (n + 1)} level {n}\n\n" for n in range(depth))


@pytest.mark.parametrize("depth", [10, 50, 3000])
@pytest.mark.parametrize("nest", [_nested_lists, _nested_quotes], ids=["lists", "quotes"])
def test_nesting_of_any_depth_keeps_its_text(tmp_path: Path, depth: int, nest: object) -> None:
    body = nest(depth)  # type: ignore[operator]
    path = tmp_path / "deep.md"
    path.write_text(f"# One\n\nFirst.\n\n{body}\n# Two\n\nLater chapter.\n\n# Three\n\nEnd.\n")
    document = load_document(path)
    texts = [p.text for p in document.paragraphs]
    assert [s.title for s in document.sections] == ["One", "Two", "Three"]
    assert texts[0] == "First." and texts[-2:] == ["Later chapter.", "End."]
    levels = [t for t in texts if t.startswith("level")]
    assert levels[0] == "level 0" and levels[-1] == f"level {depth - 1}"
    assert len(levels) == depth


def test_segment_does_not_import_document() -> None:
    code = "import sys, reader.segment; print('reader.document' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("name", list(MODULES))
def test_the_suffix_table_matches_each_format(name: str) -> None:
    found = get_format(name)
    assert found is not None
    assert found.suffixes == SUFFIXES[name]


def test_a_markdown_file_loads_no_epub_or_html_parser(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Title\n\nWords.\n", encoding="utf-8")
    code = (
        "import sys; from reader.ingest import load_document; "
        f"load_document({str(path)!r}); "
        "print(sorted(m for m in sys.modules if m.startswith(('lxml', 'reader.formats.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (
        out.stdout.strip() == "['reader.formats.base', 'reader.formats.files', "
        "'reader.formats.markdown', 'reader.formats.text']"
    )
