"""The bounded narration cache: least-recently-used eviction, entries in use kept, the
limit from the environment or the cache's own setting, and ``reader cache``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.document import Paragraph
from reader.errors import ReaderError
from reader.narration import cachelimit
from reader.narration.cache import NarrationCache
from reader.narration.engines.port import WordMark
from reader.narration.renderer import NarrationSettings, ParagraphRenderer

from .narration_helpers import run_reader

RATE = 22050
SAMPLES = 11025  # half a second: 22,050 bytes of audio per entry


def _store(cache: NarrationCache, key: str, used: float) -> None:
    """An entry of known size, last used at ``used`` (epoch seconds)."""
    cache.store(key, b"\x01\x00" * SAMPLES, RATE, (WordMark("word", 0, 4, 0),))
    json_path = cache.root / key[:2] / f"{key}.json"
    os.utime(json_path, (used, used))


def _keys(count: int) -> list[str]:
    return [f"{index:02x}" + "ab" * 31 for index in range(count)]


def _entry_size(root: Path) -> int:
    return cachelimit.usage(root).size // cachelimit.usage(root).entries


def test_eviction_removes_the_least_recently_used_first(tmp_path: Path) -> None:
    cache = NarrationCache(tmp_path)
    keys = _keys(10)
    now = time.time()
    for age, key in enumerate(keys):
        _store(cache, key, now - 1000 + age)  # keys[0] is the oldest
    size = _entry_size(tmp_path)
    assert cachelimit.usage(tmp_path).entries == 10

    removed = cachelimit.enforce_limit(tmp_path, limit=6 * size)

    left = cachelimit.usage(tmp_path)
    assert left.size <= 6 * size
    assert removed.entries == 10 - left.entries >= 4
    # The survivors are exactly the most recently used ones.
    assert [cache.load(key) is not None for key in keys] == [False] * (10 - left.entries) + [
        True
    ] * left.entries


def test_loading_an_entry_makes_it_recent(tmp_path: Path) -> None:
    cache = NarrationCache(tmp_path)
    keys = _keys(4)
    now = time.time()
    for age, key in enumerate(keys):
        _store(cache, key, now - 1000 + age)
    assert cache.load(keys[0]) is not None  # the oldest, used again now
    cachelimit.enforce_limit(tmp_path, limit=3 * _entry_size(tmp_path))
    assert cache.load(keys[0]) is not None
    assert cache.load(keys[1]) is None


def test_within_the_limit_nothing_is_removed(tmp_path: Path) -> None:
    cache = NarrationCache(tmp_path)
    for key in _keys(3):
        _store(cache, key, time.time())
    assert cachelimit.enforce_limit(tmp_path, limit=10**9).entries == 0
    assert cachelimit.usage(tmp_path).entries == 3


_HOLDER = """
import sys, time
from pathlib import Path
from reader.narration.cachelimit import InUse
use = InUse(Path(sys.argv[1]))
use.add(sys.argv[2:])
print("ready", flush=True)
sys.stdin.readline()
use.close()
"""


def test_entries_another_live_process_uses_are_never_evicted(tmp_path: Path) -> None:
    cache = NarrationCache(tmp_path)
    keys = _keys(6)
    now = time.time()
    for age, key in enumerate(keys):
        _store(cache, key, now - 1000 + age)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path), keys[0], keys[1]],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        cachelimit.enforce_limit(tmp_path, limit=1)  # everything not in use goes
        assert cache.load(keys[0]) is not None and cache.load(keys[1]) is not None
        assert all(cache.load(key) is None for key in keys[2:])
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)
    # Released: now they can go.
    cachelimit.enforce_limit(tmp_path, limit=1)
    assert cachelimit.usage(tmp_path).entries == 0


def test_records_of_dead_processes_do_not_protect(tmp_path: Path) -> None:
    cache = NarrationCache(tmp_path)
    key = _keys(1)[0]
    _store(cache, key, time.time() - 100)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    record = tmp_path / ".inuse" / f"{dead.stdout.strip()}-deadbeef"
    record.parent.mkdir()
    record.write_text(key + "\n")
    cachelimit.enforce_limit(tmp_path, limit=1)
    assert cache.load(key) is None
    assert not record.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100", 100 * 1024 * 1024), ("0.5", 512 * 1024), ("2048", 2048 * 1024 * 1024)],
)
def test_limit_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv(cachelimit.LIMIT_ENV, value)
    assert cachelimit.limit_bytes(tmp_path) == expected


@pytest.mark.parametrize("value", ["0", "-5", "lots", "nan", "1e12"])
def test_a_bad_limit_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(cachelimit.LIMIT_ENV, value)
    with pytest.raises(ReaderError, match=cachelimit.LIMIT_ENV):
        cachelimit.limit_bytes(tmp_path)


def test_the_stored_setting_is_used_without_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cachelimit.LIMIT_ENV, raising=False)
    assert cachelimit.limit_bytes(tmp_path) == cachelimit.DEFAULT_LIMIT_BYTES
    cachelimit.set_limit(tmp_path, 300 * 1024 * 1024)
    assert cachelimit.limit_bytes(tmp_path) == 300 * 1024 * 1024
    (tmp_path / cachelimit.LIMIT_FILE).write_text("{not json")
    assert cachelimit.limit_bytes(tmp_path) == cachelimit.DEFAULT_LIMIT_BYTES


def _paragraph(index: int, text: str) -> Paragraph:
    return Paragraph(index, 0, 0, len(text), text)


def test_rendering_more_than_the_limit_keeps_the_cache_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real eSpeak renders of ten different documents (about 0.5 MB each) through a 1 MB
    cache."""
    limit_kb = 1024
    monkeypatch.setenv(cachelimit.LIMIT_ENV, str(limit_kb / 1024))
    monkeypatch.setattr("reader.narration.renderer.EVICTION_INTERVAL_S", 0.0)
    total_rendered = 0
    for document in range(10):
        texts = [
            f"Document {document}, paragraph {n}: the cache keeps its limit." for n in range(3)
        ]
        with ParagraphRenderer(NarrationSettings(), cache_dir=tmp_path) as renderer:
            clips = renderer.render_many([_paragraph(i, t) for i, t in enumerate(texts)])
            total_rendered += sum(clip.wav_path.stat().st_size for clip in clips)
            # What this renderer uses is still there while it is open.
            assert all(clip.wav_path.exists() for clip in clips)
        assert cachelimit.usage(tmp_path).size <= limit_kb * 1024
    assert total_rendered > 2 * limit_kb * 1024  # the test really went past the limit


def test_reader_cache_shows_clears_and_sets_the_limit(tmp_path: Path) -> None:
    cache_root = tmp_path / "reader" / "narration"
    cache = NarrationCache(cache_root)
    for key in _keys(3):
        _store(cache, key, time.time())
    env = {cachelimit.LIMIT_ENV: ""}
    shown = run_reader("cache", cache=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Entries: 3" in shown.stdout
    assert str(cache_root) in shown.stdout

    limited = run_reader("cache", "--limit", "0.05", cache=tmp_path, env=env)
    assert limited.returncode == 0, limited.stderr
    assert "removed 1 entry" in limited.stdout  # 3 x 22 kB > 51 kB: down to 90 % of it
    assert cachelimit.usage(cache_root).entries == 2

    cleared = run_reader("cache", "--clear", cache=tmp_path, env=env)
    assert cleared.returncode == 0, cleared.stderr
    assert "Removed 2 entries" in cleared.stdout
    assert cachelimit.usage(cache_root).entries == 0

    bad = run_reader("cache", "--limit", "zero", cache=tmp_path, env=env)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "--limit" in bad.stderr
