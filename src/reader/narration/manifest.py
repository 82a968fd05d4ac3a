"""What a render folder holds, so running ``reader render`` again does only what changed.

The manifest (``.reader-render.json`` in the output folder) records a digest of every input
that shapes the output (paragraph cache keys, word and sentence spans, formats, gap,
metadata, chapters, codec settings), the cache key behind each paragraph file, and the size
and modification time of every file written. If the digest matches and every file is still
as written, the folder is up to date; otherwise only paragraphs whose key changed get new
encoded copies. It is written last, after every file it lists is complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.document import Document, Paragraph
from reader.narration.cache import write_text

MANIFEST_NAME = ".reader-render.json"
MANIFEST_FORMAT = 1


def input_digest(
    document: Document, paragraphs: Sequence[Paragraph], keys: Sequence[str], extra: object
) -> str:
    """A digest of everything that decides the folder's contents."""
    digest = hashlib.sha256()
    header = [MANIFEST_FORMAT, document.title, document.metadata.as_dict(), extra]
    header.append([(s.index, s.title, s.level, s.first, s.stop) for s in document.sections])
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    for paragraph, key in zip(paragraphs, keys, strict=True):
        spans = [(p.start, p.end, [(w.start, w.end) for w in p.words]) for p in paragraph.sentences]
        digest.update(f"{paragraph.index}:{paragraph.section_index}:{key}:{spans}".encode())
    return digest.hexdigest()


@dataclass
class Manifest:
    """The record of one folder's last complete render."""

    digest: str = ""
    stems: dict[str, str] = field(default_factory=dict)  # file stem -> cache key
    files: dict[str, list[int]] = field(default_factory=dict)  # name -> [size, mtime_ns]

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The folder's manifest, or an empty one if it is missing or unreadable."""
        try:
            data: dict[str, Any] = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
            if data.get("format") != MANIFEST_FORMAT:
                return cls()
            return cls(str(data["digest"]), dict(data["stems"]), dict(data["files"]))
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def unchanged(self, folder: Path, name: str) -> bool:
        """True if ``name`` is still exactly as this manifest recorded it."""
        recorded = self.files.get(name)
        try:
            info = (folder / name).stat()
        except OSError:
            return False
        return recorded == [info.st_size, info.st_mtime_ns]

    def up_to_date(self, folder: Path, digest: str) -> bool:
        """True if the folder holds a complete render of exactly these inputs."""
        return (
            bool(self.files)
            and self.digest == digest
            and all(self.unchanged(folder, n) for n in self.files)
        )

    @staticmethod
    def forget(folder: Path) -> None:
        """Remove the manifest before changing the folder (a crash then means: redo)."""
        with contextlib.suppress(OSError):
            (folder / MANIFEST_NAME).unlink()

    @classmethod
    def write(cls, folder: Path, digest: str, stems: dict[str, str], names: Iterable[str]) -> None:
        """Record a finished render of ``names``."""
        files = {}
        for name in names:
            info = (folder / name).stat()
            files[name] = [info.st_size, info.st_mtime_ns]
        record = {"format": MANIFEST_FORMAT, "digest": digest, "stems": stems, "files": files}
        write_text(folder / MANIFEST_NAME, json.dumps(record, separators=(",", ":")))
