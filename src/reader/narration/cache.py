"""A content-addressed store of engine output: one WAV and one JSON file per paragraph text.

The key is a SHA-256 of everything that can change the audio: the paragraph text, the
qualified voice (``engine:id``), rate, pitch, volume and the engine's name and version. An
entry holds the audio and the engine's raw word marks (sample indices into that audio,
code-point offsets into the text), not the word timings, so a change in our own word
splitting never needs new synthesis.

Entries are written to temporary names and renamed, the JSON last: an entry is complete
exactly when its JSON exists. The JSON carries the SHA-256 of the WAV file and of the event
list, written at creation and checked on every load with the header, size, sample count and
event ranges; an entry that fails (a flipped byte, an output edited through an old hard
link, timings rescaled by hand) is removed and counted in ``corrupt``, so the caller
synthesises it again and can say so (:meth:`NarrationCache.corrupt_notice`).

Units: sample indices at ``sample_rate`` Hz; WAV is mono, 16-bit PCM.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reader.atomic import remove_stale_temporaries, temporary_name
from reader.narration.engines.port import MarkKind, WordMark

# 2: any engine (engine name in the key, marks instead of eSpeak events); entries of
# format 1 are never read.
CACHE_FORMAT = 2
WAV_HEADER_BYTES = 44


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A verified entry: its WAV file and the word marks inside it."""

    key: str
    wav_path: Path
    sample_rate: int
    sample_count: int
    marks: tuple[WordMark, ...]


def cache_key(
    text: str, voice: str, rate: int, pitch: int, volume: int, *, engine: str, engine_version: str
) -> str:
    """The content address of one paragraph's narration (``voice`` qualified, ``engine:id``,
    so a bare eSpeak id and its qualified form share entries)."""
    material = json.dumps(
        [CACHE_FORMAT, text, voice, rate, pitch, volume, engine, engine_version],
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    """The per-user cache folder (platformdirs) for narration."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reader")) / "narration"


def _temp_name(path: Path) -> Path:
    # Unique per process and call, and recognisable: the next run removes those of a killed
    # writer (reader.atomic.remove_stale_temporaries).
    return temporary_name(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _marks_sha256(marks: list[list[object]]) -> str:
    return hashlib.sha256(json.dumps(marks, separators=(",", ":")).encode()).hexdigest()


def write_wav(path: Path, pcm: bytes, sample_rate: int) -> None:
    """Write mono 16-bit PCM to ``path`` atomically (temp file, fsync-free rename)."""
    temp = _temp_name(path)
    try:
        with wave.open(str(temp), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically."""
    temp = _temp_name(path)
    try:
        temp.write_text(text, encoding="utf-8")
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """Write UTF-8 text given in pieces to ``path`` atomically."""
    temp = _temp_name(path)
    try:
        with temp.open("w", encoding="utf-8") as out:
            out.writelines(chunks)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def wav_frames(path: Path) -> tuple[int, int]:
    """``(sample_rate, frames)`` of a mono 16-bit WAV whose size matches its header.

    Raises ``ValueError`` for anything else (truncated, wrong format, trailing junk).
    """
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise ValueError("not mono 16-bit PCM")
            rate, frames = wav.getframerate(), wav.getnframes()
    except (wave.Error, EOFError) as error:
        raise ValueError(str(error)) from None
    if path.stat().st_size != WAV_HEADER_BYTES + 2 * frames:
        raise ValueError("size does not match the header")
    return rate, frames


def _kind(value: object) -> MarkKind:
    if value in {"word", "sentence"}:
        return value
    raise ValueError(f"unknown mark kind {value!r}")


class NarrationCache:
    """Entries under ``root``, sharded by the first two hex digits of the key."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.corrupt = 0  # entries removed by load() because they failed verification
        self._swept = False

    def corrupt_notice(self) -> str | None:
        """One line about corrupt entries met so far, or None when there were none."""
        if not self.corrupt:
            return None
        entries, was = ("entry", "was") if self.corrupt == 1 else ("entries", "were")
        return f"{self.corrupt} cache {entries} {was} corrupt and {was} rendered again"

    def _sweep(self) -> None:
        # Temporary files of killed writers, once per cache object (workers only store).
        self._swept = True
        with contextlib.suppress(OSError):
            for shard in self.root.iterdir():
                remove_stale_temporaries(shard)

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.wav", folder / f"{key}.json"

    def load(self, key: str) -> CacheEntry | None:
        """The verified entry for ``key``; None (and the broken entry removed) otherwise."""
        if not self._swept:
            self._sweep()
        wav_path, json_path = self._paths(key)
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError):
            self.corrupt += 1
            self.discard(key)
            return None
        if isinstance(data, dict) and "audio_sha256" not in data:
            self.discard(key)  # written before entries had checksums: stale, not corrupt
            return None
        try:
            rate, frames = wav_frames(wav_path)
            marks = tuple(
                WordMark(_kind(kind), int(start), int(length), int(sample))
                for kind, start, length, sample in data["marks"]
            )
            if (
                data["format"] != CACHE_FORMAT
                or data["key"] != key
                or rate != data["sample_rate"]
                or frames != data["sample_count"]
                or frames <= 0
                or any(not 0 <= m.sample <= frames for m in marks)
                or data["marks_sha256"] != _marks_sha256(data["marks"])
                or data["audio_sha256"] != _sha256(wav_path)
            ):
                raise ValueError("entry does not match its audio")
        except (OSError, ValueError, KeyError, TypeError):
            self.corrupt += 1
            self.discard(key)
            return None
        with contextlib.suppress(OSError):  # its last use, for least-recently-used eviction
            os.utime(json_path)
        return CacheEntry(key, wav_path, rate, frames, marks)

    def store(self, key: str, pcm: bytes, sample_rate: int, marks: tuple[WordMark, ...]) -> None:
        """Add an entry (audio first, then the JSON that marks it complete)."""
        wav_path, json_path = self._paths(key)
        wav_path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(wav_path, pcm, sample_rate)
        listed: list[list[object]] = [
            [m.kind, m.char_start, m.char_length, m.sample] for m in marks
        ]
        record = {
            "format": CACHE_FORMAT,
            "key": key,
            "sample_rate": sample_rate,
            "sample_count": len(pcm) // 2,
            "marks": listed,
            "marks_sha256": _marks_sha256(listed),
            "audio_sha256": _sha256(wav_path),
        }
        write_text(json_path, json.dumps(record, separators=(",", ":")))

    def discard(self, key: str) -> None:
        """Remove an entry (JSON first, so a half-removed entry is never taken as whole)."""
        wav_path, json_path = self._paths(key)
        for path in (json_path, wav_path):
            with contextlib.suppress(OSError):
                path.unlink()
