"""Rendering paragraphs that are not all read by one voice (a document in several
languages, see ``languages``): one ``ParagraphRenderer`` per voice, each paragraph given to
its voice's renderer, the results put back in document order.

A document read by one voice (almost all) has exactly one renderer, so its audio, cache
keys and timings are those of a plain ``ParagraphRenderer``.

Units: as in ``renderer`` (sample indices into each paragraph's audio).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from reader.document import Paragraph
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.pronunciations import Dictionary
from reader.narration.renderer import NarrationSettings, ParagraphRenderer, Progress, RenderFailed
from reader.narration.timing import RenderedParagraph


class MultiVoiceRenderer:
    """Renders paragraphs each with its own voice, one of ``voices`` (given per call,
    by position); use as a context manager so every renderer's workers are shut down."""

    def __init__(
        self,
        settings: NarrationSettings,
        voices: Sequence[str | None],
        cache_dir: Path | None,
        jobs: int,
        *,
        cluster: str | None = None,
        pronunciations: Dictionary | None = None,
    ) -> None:
        self._stack = ExitStack()
        self.renderers: dict[str | None, ParagraphRenderer] = {}
        try:
            for voice in dict.fromkeys(voices or (settings.voice,)):
                renderer = ParagraphRenderer(
                    replace(settings, voice=voice),
                    cache_dir,
                    jobs,
                    cluster=cluster,
                    pronunciations=pronunciations,
                )
                self.renderers[voice] = self._stack.enter_context(renderer)
        except BaseException:
            self._stack.close()
            raise

    def __enter__(self) -> MultiVoiceRenderer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.close()

    def keys(self, paragraphs: Sequence[Paragraph], voices: Sequence[str | None]) -> list[str]:
        """Each paragraph's cache key, spoken by its voice (``voices``, by position)."""
        return [
            self.renderers[voice].key(paragraph.text)
            for paragraph, voice in zip(paragraphs, voices, strict=True)
        ]

    @property
    def synthesised(self) -> int:
        """Paragraphs synthesised (cache misses) by every voice together."""
        return sum(renderer.synthesised for renderer in self.renderers.values())

    def corrupt_notice(self) -> str:
        """The caches' note about corrupt entries, if any."""
        return next((n for r in self.renderers.values() if (n := r.cache.corrupt_notice())), "")

    def render_many(
        self,
        paragraphs: Sequence[Paragraph],
        voices: Sequence[str | None],
        progress: Progress | None = None,
    ) -> list[RenderedParagraph]:
        """Every paragraph rendered by its voice (``voices``, by position), in the order
        given; ``RenderFailed`` (naming every paragraph without audio) after all voices
        are done if any failed."""
        total = len(paragraphs)
        rendered: dict[int, RenderedParagraph] = {}
        failures: list[tuple[int, str]] = []
        done = 0
        for voice, renderer in self.renderers.items():
            positions = [i for i, v in enumerate(voices) if v == voice]
            if not positions:
                continue
            base = done

            def report(finished: int, _count: int, base: int = base) -> None:
                if progress is not None:
                    progress(base + finished, total)

            try:
                clips = renderer.render_many([paragraphs[i] for i in positions], report)
                rendered.update(zip(positions, clips, strict=True))
            except RenderFailed as error:
                rendered.update((positions[i], clip) for i, clip in error.rendered.items())
                failures += error.failures
            done += len(positions)
        if failures:
            raise RenderFailed(rendered, sorted(failures))
        clips = [rendered[position] for position in range(total)]
        rates = sorted({clip.sample_rate for clip in clips})
        if len(rates) > 1:
            raise ReaderError(
                "the voices of this document speak at different sample rates "
                f"({', '.join(f'{rate} Hz' for rate in rates)}); choose one with --voice",
                EXIT_FAILURE,
            )
        return clips
