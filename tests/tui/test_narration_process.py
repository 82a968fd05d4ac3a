"""The reader with the real renderer, seen from outside its process: nothing but the UI
may write to the terminal (a stray line from eSpeak or pyttsx3 would corrupt the screen),
and quitting while a paragraph renders exits at once, leaving no process behind."""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.document import Document

SCRIPT = Path(__file__).resolve().parent / "scripts" / "narrate_headless.py"
HANG_GUARD = 120  # seconds; generous, only so a hang fails instead of blocking the run


def _mixed(speech: Document, folder: Path) -> Path:
    """Two paragraphs of the speech, one very long paragraph, one more of the speech. The
    long one opens with 200 fifteen-digit numbers, so even its first piece (the reader
    speaks long paragraphs in pieces) is many minutes of audio: seconds of synthesis."""
    numbers = " ".join(f"{123_456_789_012_345 + 7_654_321 * n:,}" for n in range(200))
    long_paragraph = f"{numbers}. " + " ".join(p.text for p in speech.paragraphs) * 20
    parts = [speech.paragraphs[0].text, speech.paragraphs[1].text, long_paragraph]
    parts.append(speech.paragraphs[2].text)
    path = folder / "mixed.md"
    path.write_text("# Mixed\n\n" + "\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_CACHE_HOME": str(folder / "xdg-cache"),
        "READER_DATA_DIR": str(folder / "data"),
    }


@pytest.mark.slow
def test_no_stray_output_and_quit_does_not_wait_for_a_render(
    speech: Document, tmp_path: Path
) -> None:
    document = _mixed(speech, tmp_path)
    result = tmp_path / "result.json"
    args = [str(document), str(tmp_path / "cache"), str(tmp_path / "data"), str(result)]
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        env=_env(tmp_path),
        timeout=HANG_GUARD,
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert run.stdout == b"", run.stdout[:500]
    assert run.stderr == b"", run.stderr[:500]
    outcome = json.loads(result.read_text(encoding="utf-8"))
    assert outcome["played"] == 1
    # The long paragraph was still rendering when the app had already closed: quitting
    # did not wait for it.
    assert outcome["rendering_before_quit"] is True
    assert outcome["rendering_after_quit"] is True


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _read_until(master: int, wanted: bytes, seen: bytearray, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        assert time.monotonic() < deadline, f"{wanted!r} never appeared on the terminal"
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break


@pytest.mark.slow
def test_quit_in_a_terminal_while_rendering(speech: Document, tmp_path: Path) -> None:
    import fcntl
    import termios

    document = _mixed(speech, tmp_path)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**_env(tmp_path), "TERM": "xterm-256color"}
    command = [sys.executable, "-m", "reader", "open", str(document), "--audio", "null"]
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = bytearray()
    try:
        _read_until(master, b"Paragraph 1 of 4", seen)
        os.write(master, b" ")
        _read_until(master, b"Playing", seen)
        os.write(master, b"j")  # the second paragraph plays; the long third one renders
        _read_until(master, b"Paragraph 2 of 4", seen)
        time.sleep(0.5)
        children = _children(process.pid)
        os.write(master, b"q")
        deadline = time.monotonic() + HANG_GUARD
        while process.poll() is None and time.monotonic() < deadline:
            select.select([master], [], [], 0.1)
            try:
                seen += os.read(master, 65536)
            except OSError:
                time.sleep(0.05)
        assert process.poll() == 0, bytes(seen[-2000:]).decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert b"Traceback" not in seen
    # The narration cache holds the two paragraphs played, not the long one: the reader
    # quit without waiting for its render (an entry is complete when its JSON exists).
    entries = list((tmp_path / "xdg-cache").rglob("*.json"))
    assert len(entries) == 2, entries
    for child in children:
        assert not Path(f"/proc/{child}").exists(), f"process {child} outlived the reader"
