"""Writing a file atomically: a temporary file in the same folder, then a rename.

Readers of the final path see either the old file or the whole new one, never half of
it; an exception (Ctrl-C included) removes the temporary file. ``OSError`` propagates so
each caller can say in its own words what could not be written.

Only regular files are ever replaced. A device, FIFO, socket or folder under the name (or
behind a symbolic link) raises :class:`NotARegularFile`, so ``-o /dev/null --force`` can
never swap ``/dev/null`` for a file. A symbolic link to a regular file is written through:
its target is replaced and the link stays. A replaced file keeps its permission bits and,
where the process may set them, its owner and group; other hard links to it keep the old
contents (the rename gives the name a new inode, which is what makes the write atomic).

Temporary files are named ``.<name>.tmp-<pid>-<random>`` (:data:`TEMP_MARK`). A process killed
with ``kill -9`` cannot remove its own, so every write first removes those in its folder
whose writer is gone (the pid is dead) or that have not changed for ``STALE_SECONDS``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

TEMP_MARK = ".tmp-"
"""What every temporary name holds, after a leading dot and the final name."""
STALE_SECONDS = 15 * 60
_TEMP_NAME = re.compile(r"\..*\.tmp-(\d+)-[0-9a-f]{8}", re.DOTALL)
_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}
# Linux's FICLONE ioctl: share the source's blocks (btrfs, XFS) instead of copying them.
_FICLONE = 0x40049409


class NotARegularFile(OSError):
    """The name to write holds (or links to) something other than a regular file."""


def _default_permissions() -> int:
    """0666 less the process umask, as ``open()`` would give (mkstemp gives 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def writable_target(path: Path) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself when it is new or a regular
    file, the final target when it is a symbolic link to a regular file.

    Raises :class:`NotARegularFile` for anything else, including a link to nothing.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise NotARegularFile(
                errno.ENOENT, "is a symbolic link to a missing file", str(path)
            ) from None
        return path
    if not stat.S_ISREG(status.st_mode):
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise NotARegularFile(errno.EINVAL, f"is {kind}, not a regular file", str(path))
    return _through_links(path)


def _through_links(path: Path) -> Path:
    """``path`` with every symbolic link on the way to the file followed, hop by hop."""
    start = current = path.absolute()
    for _ in range(40):
        folder = Path(os.path.realpath(current.parent))
        # /proc/self/fd/1 and its kin name whatever the process has open (a terminal, a
        # log file), and /sys holds kernel settings: never files to replace.
        if folder.parts[1:2] in (("proc",), ("sys",)):
            raise NotARegularFile(errno.EINVAL, f"leads into /{folder.parts[1]}", str(path))
        if not current.is_symlink():
            return path if current == start else current
        current = Path(os.path.normpath(folder / current.readlink()))
    raise NotARegularFile(errno.ELOOP, "has too many levels of symbolic links", str(path))


def temporary_name(path: Path) -> Path:
    """A hidden name beside ``path``, unique per process and call, that
    :func:`remove_leftovers` and :func:`remove_stale_temporaries` recognise."""
    # Cut long names by bytes so the temporary name stays within NAME_MAX (255 bytes).
    stem = os.fsdecode(os.fsencode(path.name)[:150])
    return path.with_name(f".{stem}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def _writer_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False  # alive, another user's (or not a pid at all: leave it to the age)
    return False


def remove_stale_temporaries(folder: Path) -> int:
    """Remove the temporary files left in ``folder`` by writers that died; return how many.

    Only names this module (or the narration cache) makes are touched, only regular files,
    and only when the writer's pid is dead or the file is older than ``STALE_SECONDS``.
    """
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is None:
            continue
        with contextlib.suppress(OSError):
            status = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(status.st_mode):
                continue
            if _writer_gone(int(match.group(1))) or now - status.st_mtime > STALE_SECONDS:
                Path(entry.path).unlink()
                removed += 1
    return removed


def clone_or_copy(source: Path, target: Path) -> None:
    """Make ``target`` a new file with ``source``'s bytes: a reflink where the filesystem
    can share blocks copy-on-write, a plain copy otherwise. Never a hard link, so changing
    one file can never change the other."""
    import fcntl

    with source.open("rb") as src, target.open("wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            return
        except OSError:
            pass  # not supported here (ext4, tmpfs, another filesystem): copy the bytes
        shutil.copyfileobj(src, dst, 1 << 20)


def _keep_owner_and_mode(descriptor: int, old: os.stat_result) -> None:
    # Set-user/group-id bits never carry over to new contents.
    os.fchmod(descriptor, stat.S_IMODE(old.st_mode) & ~(stat.S_ISUID | stat.S_ISGID))
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(PermissionError):
            os.fchown(descriptor, old.st_uid, old.st_gid)


@contextmanager
def atomic_file(
    path: Path,
    *,
    permissions: int | None = None,
    before_replace: Callable[[], None] | None = None,
) -> Iterator[BinaryIO]:
    """Yield a binary handle whose contents replace ``path`` when the block ends cleanly.

    The data is flushed and synced before the rename. ``before_replace`` runs just before
    the rename and may raise to keep the old file (for example when it must not be
    overwritten and appeared meanwhile). Without ``permissions`` a replaced file keeps its
    mode and owner and a new one gets 0666 less the umask. Raises
    :class:`NotARegularFile` before writing anything when ``path`` is not writable as a file.
    """
    target = writable_target(path)
    folder = target.parent if str(target.parent) else Path()
    remove_stale_temporaries(folder)
    try:
        old: os.stat_result | None = target.stat()
    except FileNotFoundError:
        old = None
    temporary = temporary_name(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    handle = os.fdopen(os.open(temporary, flags, 0o600), "wb")
    try:
        with handle:
            if permissions is not None:
                os.fchmod(handle.fileno(), permissions)
            elif old is not None:
                _keep_owner_and_mode(handle.fileno(), old)
            else:
                os.fchmod(handle.fileno(), _default_permissions())
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer that needs a file name (ffmpeg,
    ``wave``); when the block ends cleanly the file there replaces ``path``, otherwise it is
    removed.

    Not synced: the audio written this way is rebuilt from the narration cache if a crash
    loses it, and syncing every paragraph file would slow a render down several times.
    """
    temporary = temporary_name(path)
    try:
        yield temporary
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def temporary_folder(parent: Path) -> Iterator[Path]:
    """A hidden work folder inside ``parent``, removed with its contents afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f".work{TEMP_MARK}", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(folder: Path) -> None:
    """Remove what processes killed mid-write left in ``folder``: files and work folders
    under temporary names. Call it only where no other process is writing (under a lock)."""
    for path in folder.glob(f".*{TEMP_MARK}*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
