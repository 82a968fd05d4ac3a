"""File names that try to talk to the terminal, and names that are not UTF-8.

Every command is run in a real process on files with hostile names, and the raw bytes it
writes to stdout and stderr are checked: no ESC, no C0 control but newline and tab, no C1
control (neither as a raw byte nor UTF-8 encoded), no bidi override or isolate, nothing
that is not UTF-8. Names that cannot be shown must be shown escaped, never dropped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reader.sanitize import for_terminal

HOSTILE = [
    b"x\x1b]52;c;SGVsbG8gZnJvbSBmaWxlbmFtZQ==\x1b\\z.txt",  # OSC 52: writes the clipboard
    b"title\x1b]0;pwned\x07.txt",  # sets the window title
    b"clear\x1b[2J\x1b[H.txt",
    b"reset\x1bc.txt",
    b"dcs\x1bP1$r\x1b\\.txt",
    "c1-csi\u009b31m.txt".encode(),  # C1 CSI, UTF-8 encoded
    "c1-osc\u009d0;pwned\u009c.txt".encode(),
    b"raw-c1\x9b31m.txt",  # C1 CSI as a raw byte: not UTF-8
    "bidi\u202etxt.exe.md".encode(),
    "isolate\u2066x\u2069.txt".encode(),
    b"bell\x07.txt",
    b"new\nline.txt",
    b"carriage\rreturn.txt",
    b"delete\x7f.txt",
    b"backspace\x08\x08\x08.txt",
    b"caf\xe9.txt",  # Latin-1
    b"tab\there.txt",
]
# Everything a terminal could act on, as bytes (stdout/stderr are read undecoded).
_UNSAFE_BYTES = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]"  # C0 (ESC included) and DEL
    rb"|\xc2[\x80-\x9f]"  # C1, UTF-8 encoded
    rb"|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"  # bidi embeddings, overrides, isolates
)


def _assert_terminal_safe(data: bytes, what: str) -> None:
    found = _UNSAFE_BYTES.search(data)
    assert found is None, f"{what}: {found.group()!r} in {data[:400]!r}"
    data.decode("utf-8")  # raises on raw non-UTF-8 bytes such as a bare 0x9b


def _reader(
    tmp_path: Path, *args: bytes | str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return _run(tmp_path, ["-m", "reader", *args], stdin)


def _run(
    tmp_path: Path, args: list[bytes | str], stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "READER_DATA_DIR": str(tmp_path / "data"), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    for name, data in (("stdout", result.stdout), ("stderr", result.stderr)):
        _assert_terminal_safe(data, f"reader {args!r} {name}")
    return result


# Runs many commands in one process (one start-up instead of a dozen); what they write
# still goes straight to the real stdout and stderr. The exit codes go to a file.
_DRIVER = """
import json, sys
from reader.cli import main
name, results = sys.argv[1:]
missing = "missing-" + name
commands = [
    ["info", name],
    ["export", name],
    ["export", name, "-o", name + ".out"],
    ["export", name, "-o", name + ".out"],  # exists now: one error line
    ["info", missing],
    ["info", "a.txt", name],  # argparse: unrecognized arguments
    ["export", name, "--section", name],  # no such section
    ["render", missing],
    ["render", name, "--voice", name],
    ["voices", "--language", name],
    ["read", missing],
]
codes = []
for args in commands:
    try:
        codes.append(main(args))
    except SystemExit as stop:
        codes.append(stop.code)
    sys.stdout.flush()
    sys.stderr.flush()
with open(results, "w") as out:
    json.dump(codes, out)
"""


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[2:14] for n in HOSTILE])
def test_every_command_keeps_hostile_names_off_the_terminal(tmp_path: Path, name: bytes) -> None:
    (tmp_path / os.fsdecode(name)).write_text(
        "# Heading\n\nOne sentence. Two sentences.\n\nAnother paragraph.\n", encoding="utf-8"
    )
    driven = _run(tmp_path, ["-c", _DRIVER, name, "codes.json"])
    codes = json.loads((tmp_path / "codes.json").read_text())
    # Every refusal is bad input (2), --voice with bytes that are not UTF-8 included.
    assert codes == [0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2], driven.stderr
    assert (tmp_path / os.fsdecode(name + b".out")).is_file()
    shown = for_terminal(os.fsdecode(name)).encode()  # escaped, never dropped
    assert b" paragraphs to " + shown + b".out\n" in driven.stderr
    listing = _reader(tmp_path, "info", "--json", name)
    assert json.loads(listing.stdout)["path"] == os.fsdecode(name)  # exact, via \\u escapes
    # Line mode echoes what is typed: a search, an export name, an unknown command.
    typed_name = name.replace(b"\n", b"").replace(b"\r", b"")
    typed = b"/" + typed_name + b"\ne " + typed_name + b".line\nzz" + typed_name + b"\nq\n"
    read = _reader(tmp_path, "read", name, stdin=typed)
    assert read.returncode == 0 and (tmp_path / os.fsdecode(typed_name + b".line")).is_file()


def test_latin1_names_export_and_render(tmp_path: Path) -> None:
    source = tmp_path / os.fsdecode(b"caf\xe9.txt")
    source.write_text("Un caf\u00e9, s'il vous pla\u00eet.\n", encoding="utf-8")
    exported = _reader(tmp_path, "export", source.name, "-o", os.fsdecode(b"sortie-\xe9.txt"))
    assert exported.returncode == 0, exported.stderr
    assert b"sortie-\\xe9.txt" in exported.stderr
    text = (tmp_path / os.fsdecode(b"sortie-\xe9.txt")).read_text(encoding="utf-8")
    assert text.startswith("caf\\xe9\n")  # the title, from the file name, shown escaped
    folder = os.fsdecode(b"dossier-\xe9")
    env_cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    os.environ.update(env_cache)
    try:
        rendered = _reader(tmp_path, "render", source.name, "-o", folder, "--format", "wav")
    finally:
        for key in env_cache:
            os.environ.pop(key)
    assert rendered.returncode == 0, rendered.stderr
    assert b"dossier-\\xe9" in rendered.stderr
    assert (tmp_path / folder / "p001.wav").is_file()
