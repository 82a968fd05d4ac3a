"""The patched Piper model in the user's cache: made once, checked, made again if damaged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reader.narration.engines import piper_model

pytest.importorskip("onnx", reason="the neural extra is not installed")
pytestmark = pytest.mark.slow


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(piper_model.CACHE_ENV, str(tmp_path))
    return tmp_path


def _inputs(model: Path) -> list[str]:
    import onnx

    return [i.name for i in onnx.load(str(model), load_external_data=False).graph.input]


def test_made_once_with_alignment_output_and_noise_inputs(cache: Path) -> None:
    model = piper_model.patched_model()
    assert model.parent == cache
    assert set(piper_model.NOISE_INPUTS) <= set(_inputs(model))
    record = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
    assert record["size"] == model.stat().st_size
    assert not list(cache.glob(".*tmp*"))  # no temporary files left behind
    stamp = model.stat().st_mtime_ns
    assert piper_model.patched_model() == model
    assert model.stat().st_mtime_ns == stamp  # valid: not made again


def test_hashed_once_then_known_by_its_stamp(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = piper_model.patched_model()  # made
    hashed: list[Path] = []
    sha256 = piper_model._sha256

    def counted(path: Path) -> str:
        hashed.append(path)
        return sha256(path)

    monkeypatch.setattr(piper_model, "_sha256", counted)
    for _ in range(3):  # later starts: the stamp left by the making matches, no hash
        assert piper_model.patched_model() == model
    assert hashed == []
    stamp = model.with_name(model.name + ".checked")
    stamp.unlink()  # as a copy made before stamps were: hashed once, then stamped
    assert piper_model.patched_model() == model
    assert hashed == [model] and stamp.exists()
    for _ in range(3):
        assert piper_model.patched_model() == model
    assert hashed == [model]


@pytest.mark.parametrize("stamped", [False, True])
@pytest.mark.parametrize("damage", ["truncate", "flip", "flip-same-mtime", "manifest"])
def test_a_damaged_copy_is_made_again(cache: Path, damage: str, stamped: bool) -> None:
    model = piper_model.patched_model()
    stamp = model.with_name(model.name + ".checked")
    assert stamp.exists()  # the making stamps the copy it wrote
    if not stamped:  # as a copy made before stamps were
        stamp.unlink()
    good = model.read_bytes()
    before = model.stat()
    if damage == "truncate":  # a partial copy, as after a crash mid-write
        model.write_bytes(good[: len(good) // 2])
    elif damage.startswith("flip"):  # same size, one byte changed
        model.write_bytes(good[:1000] + bytes([good[1000] ^ 0xFF]) + good[1001:])
        if damage == "flip-same-mtime":  # and its modification time put back
            os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))
            assert model.stat().st_mtime_ns == before.st_mtime_ns
    else:
        model.with_suffix(".json").unlink()
    assert piper_model.patched_model() == model
    assert model.read_bytes() == good


def test_unwritable_cache_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(piper_model.CACHE_ENV, str(blocker / "piper"))
    from reader.errors import ReaderError

    with pytest.raises(ReaderError) as caught:
        piper_model.patched_model()
    assert "\n" not in caught.value.line
    assert piper_model.CACHE_ENV in caught.value.line
