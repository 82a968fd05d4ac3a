"""ParagraphRenderer with the real engine: timings against the audio, cache, rates, faults."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reader.document import Document, Paragraph
from reader.errors import ReaderError
from reader.ingest import parse_text
from reader.narration.engines import espeak
from reader.narration.engines.port import SpeechRequest, SynthesisResult
from reader.narration.pronunciations import Dictionary
from reader.narration.renderer import NarrationSettings, ParagraphRenderer, RenderFailed
from reader.narration.spoken import speakable
from reader.narration.timing import RenderedParagraph

from .narration_helpers import read_samples, rms


def one(text: str) -> Paragraph:
    return parse_text(text, markdown=False).paragraphs[0]


def assert_whole(paragraph: Paragraph, clip: RenderedParagraph) -> None:
    samples = read_samples(clip.wav_path)
    assert len(samples) == clip.sample_count > 0
    assert [w.text for w in clip.sync.words] == [w.text for w in paragraph.words]
    previous = 0
    for unit in clip.sync.words:
        assert previous <= unit.start_sample < unit.end_sample <= clip.sample_count
        assert paragraph.text[unit.char_start : unit.char_end] == unit.text
        previous = unit.end_sample
    assert len(clip.sync.sentences) == len(paragraph.sentences)


def assert_close(a: RenderedParagraph, b: RenderedParagraph) -> None:
    """The same text synthesised twice. eSpeak is not bit-exact between calls (its state
    carries over from the previous text): allow 100 ms plus 3% of the position."""
    assert abs(a.sample_count - b.sample_count) < 2205 + a.sample_count * 3 // 100
    for x, y in zip(a.sync.words, b.sync.words, strict=True):
        assert (x.text, x.char_start) == (y.text, y.char_start)
        assert abs(x.start_sample - y.start_sample) < 2205 + x.start_sample * 3 // 100


def test_speech_paragraphs_are_timed_against_the_audio(speech: Document, cache_dir: Path) -> None:
    paragraphs = speech.paragraphs[:6]
    with ParagraphRenderer(NarrationSettings(), cache_dir, jobs=2) as renderer:
        clips = renderer.render_many(paragraphs)
    checked = 0
    for paragraph, clip in zip(paragraphs, clips, strict=True):
        assert clip.sync.paragraph_index == paragraph.index
        assert_whole(paragraph, clip)
        samples = read_samples(clip.wav_path)
        loud = rms(samples, 0, len(samples))
        for sentence in clip.sync.sentences[1:]:
            # After a full stop eSpeak pauses: just before the next sentence's first
            # phoneme the signal is near-silent (20 ms), and speech follows (200 ms).
            start = sentence.start_sample
            assert rms(samples, start - 441, start) < 0.05 * loud
            assert rms(samples, start, start + 4410) > 0.15 * loud
            checked += 1
    assert checked >= 5


def test_sentence_and_word_lookups(speech: Document, cache_dir: Path) -> None:
    paragraph = speech.paragraphs[0]
    with ParagraphRenderer(NarrationSettings(), cache_dir) as renderer:
        clip = renderer.render(paragraph)
    second = clip.sync.words[1]
    assert clip.sync.word_at(second.start_sample) == 1
    assert clip.sync.sentence_at(clip.sync.sentences[1].start_sample) == 1


def test_cache_hits_and_a_single_edit(speech: Document, tmp_path: Path) -> None:
    paragraphs = list(speech.paragraphs[6:10])
    with ParagraphRenderer(NarrationSettings(), tmp_path) as renderer:
        first = renderer.render_many(paragraphs)
        assert renderer.synthesised == 4
    with ParagraphRenderer(NarrationSettings(), tmp_path) as renderer:
        again = renderer.render_many(paragraphs)
        assert (renderer.synthesised, renderer.cache_hits) == (0, 4)
    assert [c.sync for c in first] == [c.sync for c in again]
    edited = one(paragraphs[2].text + " Truly.")
    with ParagraphRenderer(NarrationSettings(), tmp_path) as renderer:
        renderer.render_many([*paragraphs[:2], edited, paragraphs[3]])
        assert (renderer.synthesised, renderer.cache_hits) == (1, 3)
    with ParagraphRenderer(NarrationSettings(rate_wpm=200), tmp_path) as renderer:
        renderer.render(paragraphs[0])
        assert renderer.synthesised == 1  # the rate is part of the key


@pytest.mark.parametrize("damage", ["truncate-wav", "garbage-json", "missing-wav"])
def test_corrupt_cache_entries_are_rendered_again(tmp_path: Path, damage: str) -> None:
    paragraph = one("A cached sentence that will be damaged.")
    with ParagraphRenderer(NarrationSettings(), tmp_path) as renderer:
        clip = renderer.render(paragraph)
    wav = clip.wav_path
    json_path = wav.with_suffix(".json")
    if damage == "truncate-wav":
        wav.write_bytes(wav.read_bytes()[: wav.stat().st_size // 2])
    elif damage == "garbage-json":
        json_path.write_text("{not json")
    else:
        wav.unlink()
    with ParagraphRenderer(NarrationSettings(), tmp_path) as renderer:
        again = renderer.render(paragraph)
        assert renderer.synthesised == 1
    assert_whole(paragraph, again)
    assert_close(again, clip)


def test_fast_rates_are_time_stretched(tmp_path: Path) -> None:
    paragraph = one("Listening fast is a skill. Many people like it at six hundred words.")
    with ParagraphRenderer(NarrationSettings(rate_wpm=430), tmp_path) as renderer:
        base = renderer.render(paragraph)
    with ParagraphRenderer(NarrationSettings(rate_wpm=645), tmp_path) as renderer:
        fast = renderer.render(paragraph)
    assert_whole(paragraph, fast)
    ratio = 430 / 645  # stretched to exactly this length, not re-synthesised faster
    assert abs(fast.sample_count - base.sample_count * ratio) < 441
    for slow_word, fast_word in zip(base.sync.words, fast.sync.words, strict=True):
        assert abs(fast_word.start_sample - slow_word.start_sample * ratio) < 441


def test_hard_paragraphs_render(tmp_path: Path) -> None:
    long_text = " ".join(["The committee met again, and the minutes were read aloud."] * 870)
    assert len(long_text) > 50_000
    hard = [
        one("* * * § ¶ † ‡ ※"),
        one("Le gouvernement a présenté son budget. Die Regierung tagt heute."),
        one("中文测试。你好，世界。"),
        one(long_text),
    ]
    with ParagraphRenderer(NarrationSettings(), tmp_path, jobs=2) as renderer:
        clips = renderer.render_many(hard)
    for paragraph, clip in zip(hard, clips, strict=True):
        assert_whole(paragraph, clip)
    assert clips[3].sync.duration_ms > 200_000


def test_failures_are_reported_by_number(
    speech: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = espeak.ENGINE.synthesise
    victim = speech.paragraphs[12]
    said = speakable(victim.text).text  # what the engine is given for it

    def flaky(text: str, request: SpeechRequest) -> SynthesisResult:
        result = real(text, request)
        return replace(result, pcm=b"") if text == said else result

    monkeypatch.setattr(espeak.ENGINE, "synthesise", flaky)
    progress: list[tuple[int, int]] = []
    with (
        # In this process, where the patched engine is (a worker would not see it).
        ParagraphRenderer(
            NarrationSettings(), tmp_path, in_process=True, pronunciations=Dictionary(())
        ) as renderer,
        pytest.raises(RenderFailed) as caught,
    ):
        renderer.render_many(
            speech.paragraphs[11:14], progress=lambda d, t: progress.append((d, t))
        )
    assert caught.value.failures == [(13, "the engine produced no audio")]
    assert sorted(caught.value.rendered) == [0, 2]
    assert "paragraph 13" in str(caught.value)
    assert progress[-1] == (3, 3)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rate_wpm": 20}, "rate 20 is out of range"),
        ({"rate_wpm": 5000}, "rate 5000 is out of range"),
        ({"pitch": 101}, "pitch 101"),
        ({"volume": 0.0}, "volume 0.0"),
        ({"volume": 3.0}, "volume 3.0"),
    ],
)
def test_settings_are_checked(settings: dict[str, float], message: str) -> None:
    with pytest.raises(ReaderError, match=message):
        NarrationSettings(**settings)  # type: ignore[arg-type]


def test_unknown_voice_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="unknown voice"):
        ParagraphRenderer(NarrationSettings(voice="xx-nowhere"), tmp_path, jobs=2)


def test_other_voice_and_parallel_order(speech: Document, tmp_path: Path) -> None:
    paragraphs = speech.paragraphs[20:26]
    settings = NarrationSettings(voice="gmw/en-US", pitch=40, volume=0.8)
    with ParagraphRenderer(settings, tmp_path / "a", jobs=1) as renderer:
        serial = renderer.render_many(paragraphs)
    with ParagraphRenderer(settings, tmp_path / "b", jobs=3) as renderer:
        parallel = renderer.render_many(paragraphs)
    for paragraph, a, b in zip(paragraphs, serial, parallel, strict=True):
        assert_whole(paragraph, b)
        assert_close(a, b)


def test_renders_from_two_threads_at_once(speech: Document, tmp_path: Path) -> None:
    # The UI may ask for paragraphs from more than one worker thread.
    from concurrent.futures import ThreadPoolExecutor

    batches = [speech.paragraphs[28:44:2], speech.paragraphs[29:45:2]]
    with (
        ParagraphRenderer(NarrationSettings(), tmp_path, jobs=2) as renderer,
        ThreadPoolExecutor(2) as threads,
    ):
        results = list(threads.map(renderer.render_many, batches))
    for batch, clips in zip(batches, results, strict=True):
        for paragraph, clip in zip(batch, clips, strict=True):
            assert_whole(paragraph, clip)
