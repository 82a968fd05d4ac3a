"""Cleaning after parsing: hostile characters, raw or as character references, never reach
an export, `reader info` (text or JSON) or the line-mode reader, whatever the format; and
cleaning never eats text (a damaged file keeps every paragraph)."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.cli import main
from reader.formats.base import Block, Parsed
from reader.ingest import build_document, load_document
from reader.mojibake import decode_cp1252

# Every character that must never come out: C0 controls but tab and newline, ESC, DEL, C1
# controls, bidi embeddings, overrides and isolates, the BOM.
HOSTILE_CODES = [
    *range(0x00, 0x09),
    *range(0x0B, 0x20),
    0x7F,
    *range(0x80, 0xA0),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0xFEFF,
]
BAD = {chr(code) for code in HOSTILE_CODES} - {"\x0b", "\x0c", "\x85", "\r"}


def _hostile_raw() -> str:
    return "".join(chr(c) for c in HOSTILE_CODES if c not in (0x00, 0x0A, 0x0D))


def _references() -> str:
    # CommonMark turns &#0; into U+FFFD and keeps the others; HTML5 names none of these
    # characters, so &Tab; and &NewLine; (harmless) stand in for the named form.
    codes = [c for c in HOSTILE_CODES if c]
    return "".join(f"&#{c};" if c % 2 else f"&#x{c:x};" for c in codes) + "&Tab;&NewLine;"


def _assert_clean(output: str) -> None:
    found = {f"U+{ord(char):04X}" for char in output if char in BAD}
    assert not found, found


def _run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    finally:
        sys.stdin = old
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out, captured.err


def _markdown() -> str:
    raw, refs = _hostile_raw(), _references()
    return (
        f"---\ntitle: Title {raw} {refs}\nauthor: A{raw}\n---\n\n"
        f"# Heading {raw} {refs}\n\n"
        f"Paragraph {raw} and {refs} end.\n\n{FILLER}\n\n"
        f"A [link {raw} {refs}](http://x) and ![alt {refs}](i.png).\n\n"
        f"- item {refs}\n\n> quote {refs}\n\n| a {refs} | b |\n|---|---|\n| {refs} | c |\n"
    )


# Prose around the hostile characters, as in a real file (a file that is mostly controls is
# refused as binary, which is another test's business).
FILLER = "Ordinary words of a long paragraph. " * 40

SOURCES: dict[str, Callable[[], str]] = {
    "hostile.md": _markdown,
    "hostile.txt": lambda: f"Plain {_hostile_raw()} text {_references()}.\n\n{FILLER}\n",
    "page.txt": lambda: (
        f"Skip to main content\n\nTitle {_hostile_raw()}\n\nNashville, TN\n\n"
        f"Body {_hostile_raw()} here.\n\n{FILLER}\n\nUpdated {_references()}\n"
    ),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_no_hostile_character_reaches_any_output(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text(SOURCES[name](), encoding="utf-8")
    document = load_document(path)
    assert len(document.paragraphs) >= 2
    assert any("removed" in notice for notice in document.notices)
    for argv in (["export", str(path)], ["info", str(path)], ["read", str(path)]):
        _assert_clean("".join(_run(argv, capsys, stdin="n\nn\nn\nq\n")))
    out, err = _run(["info", "--json", str(path)], capsys)
    _assert_clean(json.dumps(json.loads(out), ensure_ascii=False) + err)


def test_a_reference_decoded_by_the_parser_is_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "bidi.md"
    path.write_text("# Evil &#8238;title\n\nText &#8238;txt.exe here &#x1b;[31m red.\n")
    document = load_document(path)
    assert document.paragraphs[0].text == "Text txt.exe here red."
    assert document.sections[0].title == "Evil title"


def test_build_document_cleans_whatever_a_format_returns() -> None:
    parsed = Parsed(
        (Block(1, "Head\u202e"), Block(0, "Body \x1b[1mbold\x1b[0m\x9b."), Block(0, "\u2066x")),
        {"title": "T\x07itle", "bad\x1b": "v\u2067"},
    )
    document = build_document(parsed)
    assert [p.text for p in document.paragraphs] == ["Body bold.", "x"]
    assert document.metadata.title == "Title"
    assert document.metadata.extra == (("bad", "v"),)
    assert document.notices == (
        "removed 14 control characters and escape codes (the first in the metadata field 'title')",
    )


def test_a_stray_escape_does_not_eat_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(b"Intro.\n\nLine with stray \x1b] here.\n\nParagraph 3.\n")
    document = load_document(path)
    assert [p.text for p in document.paragraphs] == [
        "Intro.",
        "Line with stray here.",
        "Paragraph 3.",
    ]
    assert document.notices == (
        "removed 2 control characters and escape codes (the first in paragraph 2)",
    )


PROSE = [
    "Première ligne — “quoted” déjà vu, naïve café.",
    "Straße in Zürich; «guillemets» — the end’s near.",
    "Ελληνικά και русский текст, 中文。",
    "Numbers 1–2, 3×4, ½ and €5, it’s “fine”…",
]


def _paragraphs(count: int) -> list[str]:
    return [f"Paragraph {n + 1}. {PROSE[n % len(PROSE)]}" for n in range(count)]


def _damaged_corpus() -> dict[str, tuple[bytes, int]]:
    """Damaged files and how many paragraphs each holds."""
    ten = _paragraphs(10)
    text = "\n\n".join(ten) + "\n"
    latin = [p.encode("cp1252", errors="replace").decode("cp1252") for p in ten]
    stray = [f"{p} \x1b] \x1b[ \x1bP \x9d \x90 \x1b]0;unterminated {'x' * 600}" for p in ten]
    return {
        "utf8.txt": (text.encode(), 10),
        "double-encoded.txt": (decode_cp1252(text.encode()).encode(), 10),
        "triple-encoded.txt": (decode_cp1252(decode_cp1252(text.encode()).encode()).encode(), 10),
        "latin1-mojibake.txt": (text.encode().decode("latin-1").encode(), 10),
        "legacy-c1.txt": ("\n\n".join(latin).encode("cp1252") + b"\x90\x9d\x81\n", 10),
        "stray-escapes.txt": ("\n\n".join(stray).encode(), 10),
        "stray-escapes.md": ("\n\n".join(stray).encode(), 10),
        "escape-lines.txt": ("\n\x1b[0m\n".join(ten).encode(), 10),
        "form-feeds.md": ("\n\x0c\n".join(ten).encode(), 10),
        "bel-lines.md": ("\n \x07\x07 \n".join(ten).encode(), 10),
        "utf16-no-bom.txt": (text.encode("utf-16-le"), 10),
        "utf16be-no-bom.md": (text.encode("utf-16-be"), 10),
    }


@pytest.mark.parametrize("name", sorted(_damaged_corpus()))
def test_damaged_files_keep_every_paragraph(tmp_path: Path, name: str) -> None:
    data, count = _damaged_corpus()[name]
    path = tmp_path / name
    path.write_bytes(data)
    document = load_document(path)
    assert len(document.paragraphs) == count
    for number, paragraph in enumerate(document.paragraphs, 1):
        assert paragraph.text.startswith(f"Paragraph {number}.")
        _assert_clean(paragraph.text)
    if "encoded" in name or "mojibake" in name or "utf" in name:
        assert [p.text for p in document.paragraphs] == _paragraphs(10)
    if "encoded" in name or "mojibake" in name:
        assert any("repaired" in notice for notice in document.notices)


def test_legitimate_latin_text_is_not_repaired(tmp_path: Path) -> None:
    text = "Fuß» und «Gruß» — été\u00a0» à\u00a0« Ö» 3×½ Â propos."
    path = tmp_path / "fr.txt"
    path.write_text(text, encoding="utf-8")
    document = load_document(path)
    assert document.paragraphs[0].text == text.replace("\u00a0", " ")
    assert not document.notices


def _repair_every_pass(text: str) -> tuple[str, int]:
    """repair_mojibake as it was, every pass run while it repairs anything (reference)."""
    from reader.mojibake import _MOJIBAKE, _PASSES, _fixed

    repaired = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal repaired
        fixed = _fixed(match.group())
        if fixed is None:
            return match.group()
        repaired += 1
        return fixed

    for _ in range(_PASSES):
        before = repaired
        text = _MOJIBAKE.sub(fix, text)
        if repaired == before:
            break
    return text, repaired


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["é", "ü", "€", "”", "a", " ", "x", "\u00a0", "Ã", "©", "â", "\u20ac"]),
        max_size=12,
    ).map("".join),
    st.integers(0, 2),
)
def test_a_pass_skipped_would_have_repaired_nothing(original: str, times: int) -> None:
    from reader.mojibake import repair_mojibake

    text = original
    for _ in range(times):  # encoded once, twice or three times
        text = decode_cp1252(text.encode())
    assert repair_mojibake(text) == _repair_every_pass(text)
