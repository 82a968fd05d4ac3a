"""Keeping the narration cache within a size limit: least-recently-used eviction that never
removes an entry a running render or reader is using.

Recency: loading an entry touches its JSON file (``NarrationCache.load``), so the JSON's
modification time is the entry's last use. In use: every renderer records the keys it works
on in ``<root>/.inuse/<pid>-<token>`` for as long as it lives; eviction skips the keys of
every such file whose process is still alive (files of dead processes are removed), so a
reader playing paragraph 3 or a render assembling its full-length file in another process
keeps its entries. One process evicts at a time (``flock`` on ``<root>/.evict.lock``).

The limit: ``READER_CACHE_MAX_MB`` when set, else the ``limit.json`` setting in the cache
folder (``reader cache --limit MB``), else :data:`DEFAULT_LIMIT_BYTES`. Eviction brings the
cache down to :data:`LOW_WATER` of the limit, so a render does not evict on every paragraph.

Units: sizes in bytes (megabytes, 1024 x 1024, only on the command line and in settings).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reader.errors import ReaderError

LIMIT_ENV = "READER_CACHE_MAX_MB"
LIMIT_FILE = "limit.json"
DEFAULT_LIMIT_BYTES = 4 * 1024**3
LOW_WATER = 0.9
MEGABYTE = 1024 * 1024
_INUSE = ".inuse"


@dataclass(frozen=True, slots=True)
class CacheUsage:
    """How many complete entries the cache holds and their size on disk."""

    entries: int
    size: int


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    files: tuple[Path, ...]
    size: int
    last_used: float


def parse_megabytes(text: str, what: str) -> int:
    """``text`` megabytes as bytes; ``ReaderError`` (one line) for anything else."""
    try:
        value = float(text)
    except ValueError:
        raise ReaderError(f"{what} must be a number of megabytes, not {text!r}") from None
    if not 0 < value <= 1024 * 1024:  # NaN fails this too
        raise ReaderError(f"{what} {text} is out of range (above 0, up to 1048576 MB)")
    return int(value * MEGABYTE)


def limit_bytes(root: Path) -> int:
    """The cache's size limit (environment, then the cache's own setting, then default)."""
    raw = os.environ.get(LIMIT_ENV)
    if raw:
        return parse_megabytes(raw, LIMIT_ENV)
    try:
        stored = json.loads((root / LIMIT_FILE).read_text(encoding="utf-8"))
        return parse_megabytes(str(stored["limit_mb"]), f"{root / LIMIT_FILE}: limit_mb")
    except (OSError, ValueError, KeyError, TypeError, ReaderError):
        return DEFAULT_LIMIT_BYTES


def set_limit(root: Path, limit: int) -> None:
    """Store ``limit`` bytes as the cache's own setting."""
    from reader.atomic import atomic_file

    root.mkdir(parents=True, exist_ok=True)
    with atomic_file(root / LIMIT_FILE) as out:
        out.write((json.dumps({"limit_mb": limit / MEGABYTE}) + "\n").encode("utf-8"))


def _entries(root: Path) -> Iterator[_Entry]:
    """Complete entries (their JSON exists) with their files, size and last use."""
    for shard in root.glob("[0-9a-f][0-9a-f]"):
        for json_path in shard.glob("*.json"):
            key = json_path.stem
            files = [json_path, *(p for p in shard.glob(f"{key}.*") if p != json_path)]
            size, last_used = 0, 0.0
            for path in dict.fromkeys(files):
                with contextlib.suppress(OSError):
                    info = path.stat()
                    size += info.st_size
                    if path == json_path:
                        last_used = info.st_mtime
            yield _Entry(key, tuple(dict.fromkeys(files)), size, last_used)


def usage(root: Path) -> CacheUsage:
    """The number of entries and bytes in the cache."""
    count = size = 0
    for entry in _entries(root):
        count += 1
        size += entry.size
    return CacheUsage(count, size)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def keys_in_use(root: Path) -> set[str]:
    """The keys that live processes have recorded as in use (stale records removed)."""
    keys: set[str] = set()
    folder = root / _INUSE
    for record in folder.glob("*-*"):
        pid_text = record.name.split("-", 1)[0]
        if not pid_text.isdigit() or not _alive(int(pid_text)):
            with contextlib.suppress(OSError):
                record.unlink()
            continue
        with contextlib.suppress(OSError):
            keys.update(record.read_text(encoding="ascii", errors="replace").split())
    return keys


class InUse:
    """This process's record of the keys it uses; removed by :meth:`close`."""

    def __init__(self, root: Path) -> None:
        self.path = root / _INUSE / f"{os.getpid()}-{secrets.token_hex(4)}"
        self._known: set[str] = set()

    def add(self, keys: Iterable[str]) -> None:
        """Record ``keys`` (appended; each key once)."""
        new = [key for key in dict.fromkeys(keys) if key not in self._known]
        if not new:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="ascii") as out:
                out.write("".join(f"{key}\n" for key in new))
        except OSError:
            return  # an unwritable cache fails later, in the words of the render
        self._known.update(new)

    def close(self) -> None:
        """Forget every key (the entries become evictable)."""
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._known.clear()


@contextlib.contextmanager
def _evicting(root: Path) -> Iterator[bool]:
    """Hold the eviction lock if no other process does (yields whether it was taken)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = (root / ".evict.lock").open("a")
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True


def enforce_limit(root: Path, limit: int | None = None) -> CacheUsage:
    """Evict least-recently-used entries not in use until the cache is within the limit
    (down to :data:`LOW_WATER` of it once it is over). Returns what was removed."""
    limit = limit_bytes(root) if limit is None else limit
    with _evicting(root) as mine:
        if not mine:
            return CacheUsage(0, 0)
        entries = list(_entries(root))
        total = sum(entry.size for entry in entries)
        if total <= limit:
            return CacheUsage(0, 0)
        target = int(limit * LOW_WATER)
        busy = keys_in_use(root)
        removed = freed = 0
        for entry in sorted(entries, key=lambda e: e.last_used):
            if total <= target:
                break
            if entry.key in busy:
                continue
            _remove(entry)
            total -= entry.size
            removed += 1
            freed += entry.size
        return CacheUsage(removed, freed)


def clear(root: Path) -> CacheUsage:
    """Remove every entry that no live process is using."""
    with _evicting(root):
        busy = keys_in_use(root)
        removed = freed = 0
        for entry in list(_entries(root)):
            if entry.key in busy:
                continue
            _remove(entry)
            removed += 1
            freed += entry.size
        return CacheUsage(removed, freed)


def _remove(entry: _Entry) -> None:
    # The JSON first: an entry without it is incomplete and never read, even half-removed.
    for path in sorted(entry.files, key=lambda p: p.suffix != ".json"):
        with contextlib.suppress(OSError):
            path.unlink()
