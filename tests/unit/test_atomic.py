"""Atomic writes: the old file survives any failure and no temporary file is left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.atomic import atomic_file


def test_replaces_on_success_with_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    old_mask = os.umask(0o027)
    try:
        with atomic_file(target) as handle:
            handle.write(b"new")
    finally:
        os.umask(old_mask)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


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
