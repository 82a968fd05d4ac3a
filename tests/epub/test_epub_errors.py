"""Bad narration or a failing machine: one clear ReaderError, and never a half-written
book under the final name (an existing book stays as it was)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from epub_fixtures import speak_document

from reader.audio.encode import encode_all
from reader.document import Document
from reader.epub import build_epub
from reader.epub.package import write_epub
from reader.errors import EXIT_FAILURE, ReaderError
from reader.narration.timing import RenderedParagraph, TimedUnit


@pytest.fixture(scope="module")
def narrated(
    speech_head: Document, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Document, list[RenderedParagraph]]:
    return speech_head, speak_document(speech_head, tmp_path_factory.mktemp("wav"))


def _replace_sync(clip: RenderedParagraph, **changes: Any) -> RenderedParagraph:
    return dataclasses.replace(clip, sync=dataclasses.replace(clip.sync, **changes))


def _expect_refusal(
    document: Document, clips: list[RenderedParagraph], folder: Path, match: str
) -> ReaderError:
    out = folder / "book.epub"
    out.write_bytes(b"the previous book")
    with pytest.raises(ReaderError, match=match) as caught:
        build_epub(document, clips, out)
    assert out.read_bytes() == b"the previous book"
    assert [p.name for p in folder.iterdir()] == ["book.epub"]
    return caught.value


def test_clip_count_must_match(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    _expect_refusal(document, clips[:-1], tmp_path, "5 paragraphs but 4 narrated clips")


def test_clips_must_be_in_paragraph_order(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    swapped = [clips[1], clips[0], *clips[2:]]
    _expect_refusal(document, swapped, tmp_path, "paragraph 1: its clip belongs to paragraph 2")


def test_unit_text_must_match_the_paragraph(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    first = clips[0].sync.sentences[0]
    wrong = dataclasses.replace(first, text="Something else entirely")
    bad = _replace_sync(clips[0], sentences=(wrong, *clips[0].sync.sentences[1:]))
    _expect_refusal(document, [bad, *clips[1:]], tmp_path, "does not match the paragraph")


@pytest.mark.parametrize(
    "unit",
    [
        TimedUnit(0, 10, 0, 10_000, "x"),  # past the end of the text
        TimedUnit(10, 5, 0, 5, "Thank"),  # ends before it starts
        TimedUnit(0, 10**9, 0, 5, "Thank"),  # past the end of the audio
    ],
)
def test_units_must_lie_inside_text_and_audio(  # type: ignore[no-untyped-def]
    narrated, unit: TimedUnit, tmp_path: Path
) -> None:
    document, clips = narrated
    bad = _replace_sync(clips[0], words=(unit,))
    _expect_refusal(document, [bad, *clips[1:]], tmp_path, r"paragraph 1 \(words\)")


def test_audio_shorter_than_a_millisecond_is_refused(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    bad = _replace_sync(clips[0], sample_count=10, words=(), sentences=())
    _expect_refusal(document, [bad, *clips[1:]], tmp_path, "its audio is empty")


def test_word_crossing_a_sentence_is_refused(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    sync = clips[0].sync
    end = sync.sentences[0].char_end
    text = document.paragraphs[0].text[end - 3 : end + 4]
    crossing = TimedUnit(1, 2, end - 3, end + 4, text)
    bad = _replace_sync(clips[0], words=(crossing,))
    out = tmp_path / "book.epub"
    with pytest.raises(ReaderError, match="crosses a sentence boundary"):
        build_epub(document, [bad, *clips[1:]], out, granularity="word")
    assert not out.exists()


def test_missing_wav(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    gone = dataclasses.replace(clips[2], wav_path=tmp_path / "nowhere.wav")
    _expect_refusal(document, [*clips[:2], gone, *clips[3:]], tmp_path, "no such WAV file")


def test_broken_wav_is_refused_before_encoding(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    broken = tmp_path.parent / f"{tmp_path.name}-broken.wav"
    broken.write_bytes(b"RIFF not really a wav")
    bad = dataclasses.replace(clips[0], wav_path=broken)
    error = _expect_refusal(document, [bad, *clips[1:]], tmp_path, "is not a WAV file")
    assert "\n" not in error.line


def test_ffmpeg_failure_in_a_batch_names_the_file(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, clips = narrated
    jobs = [(clip.wav_path, tmp_path / f"{k}.mp3") for k, clip in enumerate(clips)]
    jobs[2] = (clips[2].wav_path, tmp_path / "no-such-folder" / "2.mp3")
    with pytest.raises(ReaderError, match="ffmpeg could not encode") as caught:
        encode_all(jobs, "mp3", workers=1)
    assert str(clips[2].wav_path) in str(caught.value)
    assert caught.value.exit_code == EXIT_FAILURE
    assert "\n" not in caught.value.line


def test_missing_ffmpeg(narrated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    error = _expect_refusal(document, clips, tmp_path, "ffmpeg not found")
    assert error.exit_code == EXIT_FAILURE


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "book.epub"
    with pytest.raises(ReaderError, match="could not be written"):
        write_epub(out, {"a.xhtml": "x"}, {"audio/p0001.mp3": tmp_path / "vanished.mp3"})
    assert list(tmp_path.iterdir()) == []


def test_bad_options(narrated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips = narrated
    with pytest.raises(ReaderError, match="granularity"):
        build_epub(document, clips, tmp_path / "b.epub", granularity="letter")  # type: ignore[arg-type]
    with pytest.raises(ReaderError, match="audio format"):
        build_epub(document, clips, tmp_path / "b.epub", audio_format="flac")  # type: ignore[arg-type]
