"""The shortcuts that load a 50 MB book faster give exactly what the full paths give:
the byte test that skips the search for lines of controls, and the printable test that
skips cleaning and re-spacing a block. Checked for every character of the Basic
Multilingual Plane (surrogates aside) in several places of a text."""

from __future__ import annotations

from pathlib import Path

from reader.decode import decode_bytes
from reader.formats.base import Source
from reader.formats.text import _may_hold_controls, read_text
from reader.ingest import _Cleaner, normalise_space
from reader.sanitize import _CONTROL, blank_control_lines, normalise_newlines

CHARACTERS = [chr(code) for code in range(1, 0x10000) if not 0xD800 <= code <= 0xDFFF]


def _slow_read_text(source: Source) -> tuple[str, tuple[str, ...], int]:
    decoded = decode_bytes(source.data, str(source.path))
    text, removed = blank_control_lines(normalise_newlines(decoded.text))
    return text, decoded.notices, removed


def test_the_byte_test_finds_every_control_and_only_them() -> None:
    for char in CHARACTERS:
        data = f"One {char} two".encode()
        assert _may_hold_controls(data) == bool(_CONTROL.search(char)), hex(ord(char))


def test_read_text_equals_the_full_path_for_every_character() -> None:
    for char in CHARACTERS:
        text = f"Para one{char}.\n\n{char}\n\n  {char}{char}  \nPara two {char}"
        source = Source(Path("x.txt"), text.encode())
        assert read_text(source) == _slow_read_text(source), hex(ord(char))


def test_a_clean_block_equals_cleaning_then_spacing_for_every_character() -> None:
    for char in CHARACTERS:
        for text in (f"a{char}b c", f"{char}a  b{char}", f" a b {char}"):
            fast, slow = _Cleaner(0), _Cleaner(0)
            assert fast.clean_block(text, "p") == normalise_space(slow.clean(text, "p"))
            assert fast.notice() == slow.notice(), hex(ord(char))
