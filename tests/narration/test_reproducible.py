"""Renders are reproducible: a paragraph's audio and sync map do not depend on --jobs, on
the order paragraphs are synthesised in, or on what a worker spoke before (issue 12)."""

from __future__ import annotations

from pathlib import Path

from reader.document import Document
from reader.narration.renderer import NarrationSettings, ParagraphRenderer

from .narration_helpers import ROOT, run_reader

SPEECH = str(ROOT / "texts" / "sessions-iacp-2018.md")


def test_order_and_history_do_not_change_the_audio(speech: Document, tmp_path: Path) -> None:
    chosen = speech.paragraphs[2:8]
    with ParagraphRenderer(NarrationSettings(), tmp_path / "a", jobs=1) as renderer:
        forward = renderer.render_many(chosen)
    with ParagraphRenderer(NarrationSettings(), tmp_path / "b", jobs=2) as renderer:
        renderer.render_many(speech.paragraphs[20:23])  # something else spoken first
        backward = renderer.render_many(list(reversed(chosen)))[::-1]
    for one, other in zip(forward, backward, strict=True):
        assert one.wav_path.read_bytes() == other.wav_path.read_bytes()
        assert one.sync == other.sync


def test_jobs_and_earlier_renders_do_not_change_the_files(tmp_path: Path) -> None:
    def render(out: str, cache: str, paragraphs: str, jobs: int) -> None:
        result = run_reader(
            "render", SPEECH, "--format", "wav", "--quiet", "-o", str(tmp_path / out),
            "--paragraphs", paragraphs, "--jobs", str(jobs), cache=tmp_path / cache,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    render("one", "cache-one", "1-6", 1)
    render("part", "cache-two", "5,3", 2)  # a cache warmed with other paragraphs first
    render("two", "cache-two", "1-6", 2)
    names = sorted(p.name for p in (tmp_path / "one").glob("p*.*"))
    assert len(names) == 12
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
