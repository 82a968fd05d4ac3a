"""Files written under a name (ffmpeg, wave) appear whole or not at all, and every
temporary name ``reader.atomic`` hands out is one that ``remove_leftovers`` recognises."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.atomic import atomic_file, atomic_path, remove_leftovers, temporary_folder


def test_atomic_path_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.mp3"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_bytes(b"half")
        raise RuntimeError("encoder failed")
    assert target.read_bytes() == b"old"
    with atomic_path(target) as temp:
        assert temp.parent == tmp_path and temp.name.startswith(".out.mp3.tmp-")
        temp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp3"]


def test_leftovers_of_every_writer_are_recognised(tmp_path: Path) -> None:
    kept = ["book.epub", "p001.wav", ".reader-render.lock", ".reader-render.json"]
    for name in kept:
        (tmp_path / name).write_bytes(b"x")

    # Leave one of each kind behind, as a process killed mid-write would (entered, never
    # left, so no clean-up runs).
    handles = [
        atomic_path(tmp_path / "p002.mp3"),
        temporary_folder(tmp_path),
    ]
    for handle in handles:
        made = handle.__enter__()
        if not made.exists():
            made.write_bytes(b"half")
    book = atomic_file(tmp_path / "book.epub")
    book.__enter__().write(b"half a zip")
    assert len(list(tmp_path.iterdir())) == len(kept) + 3
    remove_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)
