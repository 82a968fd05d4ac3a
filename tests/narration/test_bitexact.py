"""Bit-exact encoded outputs (issue 12 item 5): two renders of the same text give
byte-identical OGG (the Ogg stream serial was random), MP3 and M4B files, whatever --jobs
is (the full-length MP3 is encoded in chunks that do not depend on it)."""

from __future__ import annotations

from pathlib import Path

from .narration_helpers import ROOT, ffprobe, run_reader

SPEECH = str(ROOT / "texts" / "sessions-iacp-2018.md")


def test_two_renders_give_the_same_bytes(tmp_path: Path) -> None:
    folders = []
    for jobs in ("2", "1"):
        out = tmp_path / f"jobs-{jobs}"
        result = run_reader(
            "render", SPEECH, "--paragraphs", "1-22", "--format", "ogg,mp3,m4b", "--quiet",
            "-o", str(out), "--jobs", jobs, cache=tmp_path / "cache", timeout=400,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        folders.append(out)
    # Long enough for the full-length MP3 to be encoded in more than one chunk.
    assert float(ffprobe(folders[0] / "sessions-iacp-2018.mp3")["format"]["duration"]) > 180
    names = sorted(p.name for p in folders[0].iterdir() if p.suffix in {".ogg", ".mp3", ".m4b"})
    assert len(names) == 3 + 3 * 22  # full-length files and per-paragraph copies
    different = [n for n in names if (folders[0] / n).read_bytes() != (folders[1] / n).read_bytes()]
    assert different == []
