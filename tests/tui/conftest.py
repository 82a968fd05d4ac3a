"""Fixtures for the terminal reader: a private settings folder, an app factory, and a
narration renderer made for these tests.

``EvenlySpreadEspeakRenderer`` is a TEST FIXTURE ONLY: it speaks each paragraph with the
real ``espeak-ng`` command but spreads the word timings evenly over the audio instead of
taking eSpeak's real word events. It keeps the quick tests of the highlight-follows-the-
player logic independent of the narration cache; it is never used by the app. The same
checks with the real renderer and its exact word samples are in ``test_narration_real``.
"""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reader.document import Document, Paragraph
from reader.narration.timing import ParagraphSync, RenderedParagraph, TimedUnit
from reader.playback import Player
from reader.settings import DATA_DIR_ENV, SettingsStore
from reader.tui.app import ReaderApp, create_app
from reader.tui.narrator import ParagraphRendererLike


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no asyncio plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


class EvenlySpreadEspeakRenderer:
    """Real eSpeak NG audio, word timings spread evenly (test fixture, see module doc)."""

    def __init__(self, folder: Path, rate: int) -> None:
        self.folder = folder
        self.rate = rate
        self.calls: list[int] = []

    def render(self, paragraph: Paragraph) -> RenderedParagraph:
        self.calls.append(paragraph.index)
        wav_path = self.folder / f"p{paragraph.index}-r{self.rate}.wav"
        subprocess.run(
            ["espeak-ng", "-s", str(self.rate), "-w", str(wav_path), paragraph.text],
            check=True,
            capture_output=True,
        )
        with wave.open(str(wav_path), "rb") as wav:
            rate, count = wav.getframerate(), wav.getnframes()
        return RenderedParagraph(wav_path, evenly_spread_sync(paragraph, rate, count))


def evenly_spread_sync(paragraph: Paragraph, sample_rate: int, sample_count: int) -> ParagraphSync:
    """A sync map with the paragraph's words spread evenly over its audio (fixture)."""
    words = paragraph.words
    step = sample_count // max(1, len(words))
    timed = tuple(
        TimedUnit(
            i * step,
            (i + 1) * step,
            paragraph.local(w.start),
            paragraph.local(w.end),
            w.text,
        )
        for i, w in enumerate(words)
    )
    sentences = []
    index = 0
    for sentence in paragraph.sentences:
        first, last = index, index + len(sentence.words) - 1
        index += len(sentence.words)
        if not sentence.words:
            continue
        sentences.append(
            TimedUnit(
                timed[first].start_sample,
                timed[last].end_sample,
                paragraph.local(sentence.start),
                paragraph.local(sentence.end),
                sentence.text,
            )
        )
    return ParagraphSync(paragraph.index, sample_rate, sample_count, timed, tuple(sentences))


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own settings folder (never the user's)."""
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return folder


@pytest.fixture
def fixture_factory(tmp_path: Path) -> Callable[[str | None, int], ParagraphRendererLike]:
    folder = tmp_path / "audio"
    folder.mkdir()

    def make(voice: str | None, rate: int) -> ParagraphRendererLike:
        del voice
        return EvenlySpreadEspeakRenderer(folder, rate)

    return make


@pytest.fixture
def null_player() -> Iterator[Player]:
    player = Player("null")
    yield player
    player.close()


@pytest.fixture
def make_app(data_dir: Path) -> Callable[..., ReaderApp]:
    def make(document: Document, **kwargs: object) -> ReaderApp:
        kwargs.setdefault("store", SettingsStore(data_dir))
        return create_app(document, **kwargs)  # type: ignore[arg-type]

    return make
