"""The narration cache cannot be poisoned: checksums on every entry, outputs are copies."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.atomic import STALE_SECONDS, TEMP_MARK
from reader.narration.cache import WAV_HEADER_BYTES, NarrationCache
from reader.narration.engines.port import WordMark
from tests.narration.narration_helpers import run_reader

KEY = "ab" + "0" * 62
EVENTS = (WordMark("word", 0, 5, 0), WordMark("word", 6, 5, 3000))


def _stored(tmp_path: Path) -> NarrationCache:
    cache = NarrationCache(tmp_path)
    pcm = b"".join(i.to_bytes(2, "little") for i in range(9000))
    cache.store(KEY, pcm, 22050, EVENTS)
    return cache


def _entry_json(root: Path) -> Path:
    return root / KEY[:2] / f"{KEY}.json"


def test_a_whole_entry_loads(tmp_path: Path) -> None:
    entry = _stored(tmp_path).load(KEY)
    assert entry is not None and entry.marks == EVENTS and entry.sample_count == 9000


def test_a_flipped_audio_byte_is_caught_and_counted(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    wav = tmp_path / KEY[:2] / f"{KEY}.wav"
    with wav.open("r+b") as handle:
        handle.seek(WAV_HEADER_BYTES + 1000)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0x01]))
    assert cache.corrupt_notice() is None
    assert cache.load(KEY) is None
    assert cache.corrupt_notice() == "1 cache entry was corrupt and was rendered again"
    assert not wav.exists(), "the corrupt entry must be removed"


@pytest.mark.parametrize(
    "edit",
    [
        lambda sample: sample // 3,  # timings divided by 3: every sample still in range
        lambda sample: -sample - 1,  # negative
        lambda sample: sample + 10**6,  # past the end of the audio
    ],
)
def test_edited_timings_are_caught(tmp_path: Path, edit: Callable[[int], int]) -> None:
    cache = _stored(tmp_path)
    path = _entry_json(tmp_path)
    record = json.loads(path.read_text())
    record["marks"] = [[k, s, n, edit(sample)] for k, s, n, sample in record["marks"]]
    path.write_text(json.dumps(record))
    assert cache.load(KEY) is None
    assert cache.corrupt == 1


def test_an_entry_without_checksums_is_stale_not_corrupt(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    path = _entry_json(tmp_path)
    record = json.loads(path.read_text())
    del record["audio_sha256"], record["marks_sha256"]
    path.write_text(json.dumps(record))
    assert cache.load(KEY) is None
    assert cache.corrupt == 0


def test_temporary_files_of_killed_writers_are_removed(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    shard = tmp_path / KEY[:2]
    stale = shard / f".{KEY}.wav{TEMP_MARK}{os.getpid()}-0badcafe"
    stale.write_bytes(b"half a wav")
    old = time.time() - STALE_SECONDS - 1
    os.utime(stale, (old, old))
    assert cache.load(KEY) is not None
    assert not stale.exists()


def _flip_audio_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[WAV_HEADER_BYTES + len(data) // 3] ^= 0x40
    path.write_bytes(bytes(data))


def test_outputs_are_copies_and_a_corrupt_entry_is_rendered_again(tmp_path: Path) -> None:
    text = tmp_path / "short.txt"
    text.write_text("Trust the cache.\n\nBut check it.\n", encoding="utf-8")
    cache = tmp_path / "cache"
    first = run_reader("render", str(text), "-o", str(tmp_path / "one"), cache=cache)
    assert first.returncode == 0, first.stderr
    output = tmp_path / "one" / "p001.wav"
    assert output.stat().st_nlink == 1, "an output must not be a hard link to the cache"
    # Editing an output in place no longer reaches the cache ...
    _flip_audio_byte(output)
    second = run_reader("render", str(text), "-o", str(tmp_path / "two"), cache=cache)
    assert second.returncode == 0, second.stderr
    assert "0 synthesised" in second.stderr and "corrupt" not in second.stderr
    assert (tmp_path / "two" / "p001.wav").read_bytes() != output.read_bytes()
    # ... and a byte flipped in the cache itself is found and rendered again, with a notice.
    (entry,) = [p for p in cache.glob("reader/narration/*/*.wav") if p.stat().st_size > 0][:1]
    _flip_audio_byte(entry)
    third = run_reader("render", str(text), "-o", str(tmp_path / "three"), cache=cache)
    assert third.returncode == 0, third.stderr
    assert "1 synthesised" in third.stderr, third.stderr
    assert "1 cache entry was corrupt and was rendered again" in third.stderr
