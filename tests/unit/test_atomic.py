"""Atomic writes: the old file survives any failure and no temporary file is left."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.atomic import (
    STALE_SECONDS,
    TEMP_MARK,
    NotARegularFile,
    atomic_file,
    clone_or_copy,
    remove_stale_temporaries,
)


def test_new_file_gets_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    old_mask = os.umask(0o027)
    try:
        with atomic_file(target) as handle:
            handle.write(b"new")
    finally:
        os.umask(old_mask)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "secret.txt"
    target.write_bytes(b"old")
    target.chmod(0o600)
    with atomic_file(target) as handle:
        handle.write(b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o7777 == 0o600


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_keeps_old_file(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(type(error)), atomic_file(target) as handle:
        handle.write(b"half")
        raise error
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_before_replace_can_refuse(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"

    def refuse() -> None:
        raise FileExistsError(str(target))

    with pytest.raises(FileExistsError), atomic_file(target, before_replace=refuse) as handle:
        handle.write(b"data")
    assert list(tmp_path.iterdir()) == []


def _special_targets(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link_to_fifo = tmp_path / "to-fifo"
    link_to_fifo.symlink_to(fifo)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nothing")
    stdout_link = tmp_path / "stdout"
    stdout_link.symlink_to("/proc/self/fd/1")
    sock = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    server.close()
    return {
        "fifo": fifo,
        "link to fifo": link_to_fifo,
        "dangling link": dangling,
        "link to /proc/self/fd/1": stdout_link,
        "socket": sock,
        "folder": tmp_path,
        "/dev/null": Path("/dev/null"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "fifo",
        "link to fifo",
        "dangling link",
        "link to /proc/self/fd/1",
        "socket",
        "folder",
        "/dev/null",
    ],
)
def test_only_regular_files_are_replaced(tmp_path: Path, kind: str) -> None:
    target = _special_targets(tmp_path)[kind]
    before = target.lstat()
    with pytest.raises(NotARegularFile), atomic_file(target) as handle:
        handle.write(b"data")
    after = target.lstat()
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert not [p for p in tmp_path.iterdir() if TEMP_MARK in p.name]


def test_a_link_to_a_regular_file_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(real.name)
    with atomic_file(link) as handle:
        handle.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = tmp_path / f".out.txt{TEMP_MARK}{_dead_pid()}-0123abcd"
    old = tmp_path / f".out.txt{TEMP_MARK}{os.getpid()}-89abcdef"
    live = tmp_path / f".other.txt{TEMP_MARK}{os.getpid()}-00000000"
    unrelated = tmp_path / ".out.txt.tmp-backup"
    for path in (dead, old, live, unrelated):
        path.write_bytes(b"x" * 10)
    stale = time.time() - STALE_SECONDS - 60
    os.utime(old, (stale, stale))
    with atomic_file(tmp_path / "out.txt") as handle:
        handle.write(b"new")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([live.name, unrelated.name, "out.txt"])
    assert remove_stale_temporaries(tmp_path) == 0


def test_clone_or_copy_makes_an_independent_file(tmp_path: Path) -> None:
    source = tmp_path / "a.wav"
    source.write_bytes(b"RIFF" * 1000)
    target = tmp_path / "b.wav"
    clone_or_copy(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert not source.samefile(target)
    with target.open("r+b") as handle:
        handle.write(b"XXXX")
    assert source.read_bytes()[:4] == b"RIFF"
