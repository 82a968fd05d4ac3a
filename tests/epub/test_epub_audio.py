"""What reading systems play: encoded audio decodes in line with the WAV (the encoder
delay is trimmed), ffprobe's played length matches, and supplied audio files are used
as given or refused with one clear line.
"""

from __future__ import annotations

import array
import dataclasses
import math
import subprocess
import wave
from pathlib import Path

import pytest
from epub_fixtures import Book, speak_document

from reader.audio.encode import encode
from reader.audio.probe import matches_format, probe, wav_length
from reader.document import Document
from reader.epub import build_epub
from reader.errors import ReaderError

RATE = 22050
SILENCE = 6615  # 0.3 s, then a tone: its onset is where the decoded audio must start it
TONE = 22050


def _tone_wav(path: Path) -> int:
    samples = array.array("h", [0] * SILENCE)
    samples.extend(int(20000 * math.sin(2 * math.pi * 440 * n / RATE)) for n in range(TONE))
    samples.extend([0] * 4410)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(samples.tobytes())
    return len(samples)


def _decode(path: Path) -> array.array[int]:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(RATE),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return array.array("h", raw)


def _onset(samples: array.array[int]) -> int:
    return next(i for i, value in enumerate(samples) if abs(value) > 4000)


@pytest.mark.parametrize("audio_format", ["mp3", "aac"])
def test_decoded_audio_lines_up_with_the_wav(audio_format: str, tmp_path: Path) -> None:
    count = _tone_wav(tmp_path / "tone.wav")
    # A misleading suffix on purpose: the container must not depend on it.
    out = encode(tmp_path / "tone.wav", tmp_path / f"tone.{audio_format}", audio_format)
    decoded = _decode(out)
    # Within a millisecond of the WAV: an untrimmed encoder delay would be 50 ms (MP3) or
    # 46 ms (AAC priming) late.
    assert abs(_onset(decoded) - SILENCE) <= RATE // 1000
    # MP3: the LAME header's padding is trimmed too. AAC: ffmpeg keeps up to one frame.
    if audio_format == "mp3":
        assert len(decoded) == count
    else:
        assert count <= len(decoded) < count + 1024
    found = probe(out)
    assert matches_format(found, audio_format)
    assert abs(found.played_ms - count * 1000 / RATE) <= 30


def test_mp3_duration_alone_counts_the_encoder_delay(tmp_path: Path) -> None:
    # Why the played length subtracts the start time: ffprobe's duration includes the
    # delay the decoder skips (documented in reader.audio.probe).
    count = _tone_wav(tmp_path / "tone.wav")
    found = probe(encode(tmp_path / "tone.wav", tmp_path / "tone.mp3", "mp3"))
    assert found.start_ms > 40
    assert found.duration_ms - count * 1000 / RATE > 40


def test_wav_length_reads_pcm_headers_and_float_wavs(tmp_path: Path) -> None:
    count = _tone_wav(tmp_path / "tone.wav")
    assert wav_length(tmp_path / "tone.wav") == (RATE, count)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(tmp_path / "tone.wav"), "-c:a", "pcm_f32le",
         str(tmp_path / "float.wav")],
        check=True,
    )  # fmt: skip
    assert wav_length(tmp_path / "float.wav") == (RATE, count)
    (tmp_path / "junk.wav").write_bytes(b"RIFF....WAVEjunk")
    with pytest.raises(ReaderError, match="not a WAV file"):
        wav_length(tmp_path / "junk.wav")


def test_wav_longer_than_its_sync_map_is_refused(head_and_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips, _ = head_and_audio
    other = dataclasses.replace(clips[0], wav_path=clips[1].wav_path)
    with pytest.raises(ReaderError, match="sync map of paragraph 1 says"):
        build_epub(document, [other, *clips[1:]], tmp_path / "b.epub")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def head_and_audio(
    speech_head: Document, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Document, list, Path]:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("supplied")
    clips = speak_document(speech_head, folder / "wav")
    for clip in clips:
        encode(clip.wav_path, clip.wav_path.with_suffix(".mp3"), "mp3")
    return speech_head, clips, folder


def test_supplied_audio_files_are_used_as_given(head_and_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips, _ = head_and_audio
    supplied = {0: clips[0].wav_path.with_suffix(".mp3"), 3: clips[3].wav_path.with_suffix(".mp3")}
    book = Book(build_epub(document, clips, tmp_path / "b.epub", audio_files=supplied))
    assert book.data["EPUB/audio/p0001.mp3"] == supplied[0].read_bytes()
    assert book.data["EPUB/audio/p0004.mp3"] == supplied[3].read_bytes()
    assert len([n for n in book.data if n.startswith("EPUB/audio/")]) == len(document.paragraphs)


def test_supplied_audio_of_the_wrong_length_is_refused(head_and_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips, _ = head_and_audio
    swapped = {0: clips[1].wav_path.with_suffix(".mp3")}
    with pytest.raises(ReaderError, match="paragraph 1 says"):
        build_epub(document, clips, tmp_path / "b.epub", audio_files=swapped)
    assert list(tmp_path.iterdir()) == []


def test_supplied_audio_of_the_wrong_format_is_refused(head_and_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document, clips, _ = head_and_audio
    mp3 = {0: clips[0].wav_path.with_suffix(".mp3")}
    with pytest.raises(ReaderError, match="the book's audio is aac"):
        build_epub(document, clips, tmp_path / "b.epub", audio_format="aac", audio_files=mp3)
    # AAC without MP4 (raw ADTS) has no edit list: it would play 46 ms late.
    adts = tmp_path / "p1.aac"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clips[0].wav_path), "-c:a", "aac", str(adts)],
        check=True,
    )
    with pytest.raises(ReaderError, match="is aac in aac"):
        build_epub(document, clips, tmp_path / "b.epub", audio_format="aac", audio_files={0: adts})
    not_audio = tmp_path / "notes.mp3"
    not_audio.write_text("not audio", encoding="utf-8")
    with pytest.raises(ReaderError, match="not an audio file"):
        build_epub(document, clips, tmp_path / "b.epub", audio_files={0: not_audio})
    with pytest.raises(ReaderError, match="do not exist"):
        build_epub(document, clips, tmp_path / "b.epub", audio_files={99: not_audio})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.mp3", "p1.aac"]
