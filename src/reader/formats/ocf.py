"""The EPUB container (OCF): a zip archive read in memory, member by member, under limits.

Nothing is ever extracted to disk, so member names (``../evil``, ``/abs``) never reach the
file system; names that are not plain relative paths are left out of the archive's index
and so can never be read. A hostile archive cannot exhaust memory: the central directory,
the number of entries, each member's declared size and compression ratio, and the bytes
actually inflated (counted while streaming) are all capped. Sizes are in bytes.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass

from reader.errors import ReaderError

MAX_ENTRIES = 10_000
MAX_CENTRAL_DIRECTORY = 4 * 1024 * 1024
MAX_MEMBER = 32 * 1024 * 1024
MAX_TOTAL = 256 * 1024 * 1024
# Real XHTML deflates about 3 to 10 times; 200 leaves room for repetitive text while a
# bomb (1000 times and more) is refused from its declared sizes, before inflating anything.
MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 64 * 1024

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps an archive is read under (bytes, and a count of entries)."""

    entries: int = MAX_ENTRIES
    member: int = MAX_MEMBER
    total: int = MAX_TOTAL
    ratio: int = MAX_RATIO


def is_safe_name(name: str) -> bool:
    """True for a plain relative member path: no ``..`` step, not absolute, no drive."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return False
    if len(name) > 1 and name[1] == ":":
        return False
    return ".." not in name.split("/")


def resolve(base: str, href: str) -> str | None:
    """The member path of ``href`` (already percent-decoded, no fragment) relative to the
    member ``base``; None when it leaves the container."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), href))
    return joined if is_safe_name(joined) and joined != "." else None


def _declared_entries(data: bytes) -> tuple[int, int] | None:
    """Entries and central-directory size from the end record (zip64 aware), read before
    :mod:`zipfile` builds one object per entry; None when there is no end record."""
    tail_start = max(0, len(data) - 65_557)
    at = data.rfind(_EOCD, tail_start)
    if at < 0 or at + 22 > len(data):
        return None
    entries, cd_size = struct.unpack_from("<HI", data, at + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator = at - 20
        if locator >= 0 and data[locator : locator + 4] == _EOCD64_LOCATOR:
            (record,) = struct.unpack_from("<Q", data, locator + 8)
            if record + 56 <= len(data):
                entries, cd_size = struct.unpack_from("<QQ", data, record + 32)
    return entries, cd_size


class Archive:
    """A zip archive held in memory; :meth:`read` returns one member's bytes at a time."""

    def __init__(self, data: bytes, name: str, limits: Limits = Limits()) -> None:
        self.name = name
        self.limits = limits
        self._read_total = 0
        declared = _declared_entries(data)
        if declared is None or not data.startswith(b"PK"):
            raise ReaderError(f"{name}: not an EPUB book: the file is not a zip archive")
        entries, cd_size = declared
        if entries > limits.entries or cd_size > MAX_CENTRAL_DIRECTORY:
            raise ReaderError(
                f"{name}: refused: the archive has {entries} entries "
                f"(the limit is {limits.entries})"
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
            raise ReaderError(f"{name}: not an EPUB book: the zip archive is damaged") from None
        infos = self._zip.infolist()
        if len(infos) > limits.entries:
            raise ReaderError(
                f"{name}: refused: the archive has {len(infos)} entries "
                f"(the limit is {limits.entries})"
            )
        self._members = {info.filename: info for info in infos if is_safe_name(info.filename)}

    def has(self, member: str) -> bool:
        """True when the archive holds ``member`` (a safe name)."""
        return member in self._members

    def read(self, member: str) -> bytes:
        """The bytes of ``member``, refused when it is (or inflates) beyond the limits."""
        info = self._members[member]
        cap = min(self.limits.member, self.limits.total - self._read_total)
        declared_ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > cap or (
            info.file_size > _RATIO_FLOOR and declared_ratio > self.limits.ratio
        ):
            raise self._bomb(member, info.file_size)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as stream:
                # Streamed with a cap of our own: the declared size is the attacker's word.
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    ratio = size / max(1, info.compress_size)
                    if size > cap or (size > _RATIO_FLOOR and ratio > self.limits.ratio):
                        raise self._bomb(member, size)
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
            reason = "it is encrypted" if "encrypted" in str(error) else "it is damaged"
            raise ReaderError(f"{self.name}: cannot read {member}: {reason}") from None
        except RuntimeError:
            # zipfile raises RuntimeError for members with a zip password.
            raise ReaderError(
                f"{self.name}: cannot read {member}: it is password-protected"
            ) from None
        self._read_total += size
        return b"".join(chunks)

    def _bomb(self, member: str, size: int) -> ReaderError:
        return ReaderError(
            f"{self.name}: refused: {member} inflates to {size // 1024} KiB or more "
            f"(a zip bomb, or above the limit of {self.limits.member // 1048576} MB a file "
            f"and {self.limits.total // 1048576} MB a book)"
        )
