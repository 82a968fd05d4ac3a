"""The renderer speaks the normalised text ("$1 million" as "one million dollars") and maps
the engine's word marks back to the document's own words."""

from __future__ import annotations

from pathlib import Path

from reader.document import Paragraph
from reader.narration.pronunciations import parse_dictionary
from reader.narration.renderer import NarrationSettings, ParagraphRenderer


def _paragraph(text: str) -> Paragraph:
    return Paragraph(0, 0, 0, len(text), text)


def test_money_is_spoken_as_words_with_the_documents_own_words_timed(tmp_path: Path) -> None:
    written = _paragraph("It cost $1 million in 1970s money.")
    spelled = _paragraph("It cost one million dollars in nineteen seventies money.")
    empty = parse_dictionary("", "test")
    with ParagraphRenderer(NarrationSettings(), tmp_path, pronunciations=empty) as renderer:
        assert renderer.spoken(written.text).text == spelled.text
        first, second = renderer.render_many([written, spelled])
    # The engine was given the same words: the same audio, byte for byte.
    assert first.wav_path.read_bytes() == second.wav_path.read_bytes()
    words = [w.text for w in first.sync.words]
    assert [word.rstrip(".") for word in words] == [
        "It", "cost", "$1", "million", "in", "1970s", "money",
    ]  # fmt: skip
    starts = [w.start_sample for w in first.sync.words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_a_pronunciation_dictionary_changes_what_is_said(tmp_path: Path) -> None:
    text = _paragraph("Ask Nguyen about it.")
    dictionary = parse_dictionary("Nguyen = win\n", "test")
    with ParagraphRenderer(NarrationSettings(), tmp_path, pronunciations=dictionary) as renderer:
        assert renderer.spoken(text.text).text == "Ask win about it."
        clip = renderer.render(text)
    assert [w.text for w in clip.sync.words][:2] == ["Ask", "Nguyen"]
