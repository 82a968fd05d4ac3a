"""A long paragraph is spoken in pieces (issue 11 item 8): the plan itself, and the real
app with the real renderer on a 15,000-word paragraph: the first sound comes from a small
first piece, the highlight stays on the spoken word across pieces, and the pieces are
found in the narration cache again."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.document import Document, Paragraph
from reader.ingest import load_document
from reader.narration.renderer import ParagraphRenderer
from reader.narration.timing import RenderedParagraph
from reader.playback import Clip, Player, PlayerState
from reader.tui.app import ReaderApp
from reader.tui.narrator import Narrator, ParagraphRendererLike, RendererFactory
from reader.tui.pieces import SIZES, plan
from reader.tui.renderers import default_factory
from reader.tui.screens.reading import ReaderScreen

FIRST, LARGEST = SIZES["espeak"]


def _paragraph(text: str) -> Paragraph:
    return Paragraph(0, 0, 0, len(text), text)


def _check_cover(paragraph: Paragraph, first: int, largest: int) -> None:
    """Pieces follow each other, cover every word once, and none is above ``largest``
    (one may pass its own budget when it is a sentence with no clause to end on)."""
    pieces = plan(paragraph, first, largest)
    words = [(paragraph.local(w.start), paragraph.local(w.end)) for w in paragraph.words]
    seen = 0
    for piece in pieces:
        inside = [w for w in words if piece.start <= w[0] and w[1] <= piece.end]
        assert len(inside) == piece.words and piece.first_word == seen
        assert 1 <= piece.words <= largest
        seen += piece.words
    assert seen == len(words)
    for before, after in itertools.pairwise(pieces):
        assert before.end <= after.start
        assert paragraph.text[before.end : after.start].strip() == ""


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        # The first sentence alone, then whole sentences up to 40, 80... words.
        ("Thank you, Tim, for that kind introduction. " * 3 + "And more. " * 40, [7, 40, 54]),
        # A sentence with clauses: cut after commas, never inside a clause.
        (", ".join(["one two three four five"] * 40) + ".", [20, 40, 80, 60]),
        # No punctuation at all: whole up to the largest piece, then between words.
        (" ".join(["word"] * 100), [100]),
        (" ".join(["word"] * 1000), [20, 40, 80, 160, 160, 160, 160, 160, 60]),
    ],
)
def test_plan_table(text: str, sizes: list[int]) -> None:
    paragraph = _paragraph(text)
    pieces = plan(paragraph, 20, 160)
    assert [p.words for p in pieces][: len(sizes)] == sizes
    _check_cover(paragraph, 20, 160)


def test_a_long_sentence_is_cut_after_its_clauses() -> None:
    text = ", ".join(["one two three four five"] * 40) + "."
    pieces = plan(_paragraph(text), 20, 160)
    assert len(pieces) > 1
    assert all(text[: piece.end].endswith("five,") for piece in pieces[:-1])
    assert all(text[piece.start :].startswith("one") for piece in pieces)


def test_a_natural_voice_starts_with_a_clause(speech: Document) -> None:
    first, largest = SIZES["piper"]
    last = speech.paragraphs[-1]
    pieces = plan(last, first, largest)
    assert last.text[pieces[0].start : pieces[0].end] == "You can be certain about this:"
    # With no clause inside the budget, the first clause ends the first piece.
    second = speech.paragraphs[1]
    piece = plan(second, first, largest)[0]
    assert second.text[: piece.end].endswith("learn from one another,")


def test_short_paragraph_is_one_piece_the_paragraph_itself() -> None:
    paragraph = _paragraph("A short paragraph. It has two sentences.")
    (piece,) = plan(paragraph, 20, 160)
    assert piece.whole and piece.last and (piece.start, piece.end) == (0, len(paragraph.text))
    assert piece.text_of(paragraph) is paragraph  # the very entry `reader render` caches


def test_plan_of_a_15000_word_paragraph(speech: Document) -> None:
    text = " ".join(p.text for p in speech.paragraphs) * 9
    paragraph = _paragraph(text)
    assert len(paragraph.words) > 15_000
    pieces = plan(paragraph, FIRST, LARGEST)
    assert pieces[0].words <= FIRST and max(p.words for p in pieces) <= LARGEST
    _check_cover(paragraph, FIRST, LARGEST)
    # Sentence pieces: each starts at a sentence start.
    starts = {paragraph.local(s.start) for s in paragraph.sentences}
    assert all(piece.start in starts for piece in pieces)


@pytest.fixture
def long_document(speech: Document, tmp_path: Path) -> Document:
    """A title, one 15,000-word paragraph (the speech nine times), one short paragraph."""
    long_paragraph = " ".join(p.text for p in speech.paragraphs) * 9
    path = tmp_path / "long.md"
    path.write_text(f"# Long\n\n{long_paragraph}\n\nThe end.\n", encoding="utf-8")
    document = load_document(path)
    assert len(document.paragraphs[0].words) > 15_000
    return document


@pytest.fixture
def real_factory(tmp_path: Path) -> RendererFactory:
    factory = default_factory(tmp_path / "narration-cache")
    assert factory is not None
    return factory


def _screen(app: ReaderApp) -> ReaderScreen:
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    return screen


def _narrator(app: ReaderApp) -> Narrator:
    narrator = _screen(app).narrator
    assert narrator is not None
    return narrator


async def _until(pilot: object, condition: Callable[[], bool], seconds: float = 60) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.02)  # type: ignore[attr-defined]
        waited += 0.02
        assert waited < seconds, "timed out waiting for narration"  # a hang guard only


def _heard(app: ReaderApp) -> tuple[tuple[int, int], set[tuple[int, int]]] | None:
    """The highlighted span and the spans of the words the real sync map puts within 50 ms
    behind the device position (the poll's lag); None in a pause between words."""
    span = _screen(app).word_span  # read first: the device only moves on
    narrator = _narrator(app)
    snap = narrator.player.snapshot()
    rendered = narrator.playing()
    if span is None or rendered is None:
        return None
    sync = rendered.sync
    lag = sync.sample_rate // 20
    candidates = set()
    for sample in range(max(0, snap.position - lag), snap.position + 1, 50):
        word = sync.word_at(sample)
        if word is not None:
            candidates.add((sync.words[word].char_start, sync.words[word].char_end))
    return (span, candidates) if candidates else None


async def test_long_paragraph_speaks_its_first_piece_first(
    long_document: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    real_factory: RendererFactory,
) -> None:
    app = make_app(long_document, player=null_player, factory=real_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        narrator = _narrator(app)
        await pilot.press("space")
        await _until(pilot, lambda: null_player.snapshot().position > 0)
        # The narrator asked for the first piece only, and sound came from it.
        assert narrator.requested[0] == (0, 0)
        pieces = narrator.pieces(0)
        assert len(pieces) > 5 and pieces[0].words <= FIRST
        assert null_player.snapshot().piece == 0
        renderer = narrator._renderer
        assert isinstance(renderer, ParagraphRenderer)
        # The sync map is in the paragraph's offsets and the highlight is the word heard.
        await _until(pilot, lambda: _screen(app).word_span is not None)
        # The next piece is prepared while the first plays and queued behind it.
        await _until(pilot, lambda: narrator.given(0, 1) is not None)
        first = narrator.given(0, 0)
        assert first is not None
        null_player.seek(first.sync.sample_count - first.sync.sample_rate // 4)
        await _until(pilot, lambda: null_player.snapshot().piece == 1)
        await _until(pilot, lambda: null_player.snapshot().position > 22050)
        checked = 0
        for _ in range(10):
            await pilot.pause(0.1)
            found = _heard(app)
            if found is not None and null_player.snapshot().piece == 1:
                highlighted, heard = found
                assert highlighted in heard, (highlighted, heard)
                checked += 1
        assert checked >= 3
        second = narrator.given(0, 1)
        assert second is not None
        # In paragraph offsets: each timed word is the paragraph's text at its span.
        paragraph = long_document.paragraphs[0]
        assert second.sync.words[0].char_start >= pieces[1].start > 0
        assert all(paragraph.text[w.char_start : w.char_end] == w.text for w in second.sync.words)
        assert _screen(app).speech_state == "playing"
        assert null_player.snapshot().state is PlayerState.PLAYING
        synthesised = renderer.synthesised
        assert synthesised >= 2
        await pilot.press("s")
    # A second run over the same cache finds the pieces there: nothing synthesised again.
    again = make_app(long_document, player=null_player, factory=real_factory)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await _until(pilot, lambda: null_player.snapshot().position > 0)
        renderer = _narrator(again)._renderer
        assert isinstance(renderer, ParagraphRenderer)
        assert renderer.synthesised == 0 and renderer.cache_hits >= 1
        await pilot.press("s")
        await asyncio.sleep(0)


async def test_only_the_first_piece_reaches_the_engine_before_the_first_sound(
    long_document: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    real_factory: RendererFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the real engine is given, in order, and what it had been given when the player
    # was handed the first audio: one short piece, never the 15,000 words.
    given: list[str] = []
    at_play: list[list[str]] = []

    class Recording:
        def __init__(self, inner: ParagraphRendererLike) -> None:
            self.inner = inner

        def render(self, paragraph: Paragraph) -> RenderedParagraph:
            given.append(paragraph.text)
            return self.inner.render(paragraph)

        def close(self) -> None:
            close = getattr(self.inner, "close", None)
            if callable(close):
                close()

    def recording_factory(voice: str | None, rate: int) -> ParagraphRendererLike:
        return Recording(real_factory(voice, rate))

    play = null_player.play

    def recorded_play(clip: Clip, start: int = 0) -> None:
        at_play.append(list(given))
        play(clip, start)

    monkeypatch.setattr(null_player, "play", recorded_play)
    app = make_app(long_document, player=null_player, factory=recording_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await _until(pilot, lambda: null_player.snapshot().position > 0)
        await _until(pilot, lambda: len(given) >= 2)  # the next piece, rendered while playing
        first = _narrator(app).pieces(0)[0]
        await pilot.press("s")
    paragraph = long_document.paragraphs[0]
    assert at_play[0] == [paragraph.text[first.start : first.end]]
    assert len(at_play[0][0].split()) <= FIRST
    assert len(at_play[0][0]) < len(paragraph.text) // 50  # whatever the sizes say
    assert all(len(text.split()) <= LARGEST for text in given)


async def test_a_clause_piece_marks_its_whole_sentence(
    speech: Document, null_player: Player, fixture_factory: RendererFactory
) -> None:
    # The natural voice's sizes (the fixture speaks with eSpeak): the last paragraph's
    # first piece is the clause "You can be certain about this:".
    narrator = Narrator(speech, null_player, fixture_factory, "piper:en_US-joe-medium", 175)
    last = len(speech.paragraphs) - 1
    paragraph = speech.paragraphs[last]
    made = await asyncio.to_thread(narrator.render, last, 0)
    assert paragraph.text[made.piece.start : made.piece.end] == "You can be certain about this:"
    narrator.start(made)
    spoken = None
    for _ in range(200):
        await asyncio.sleep(0.01)
        spoken = narrator.where()
        if spoken is not None and spoken.word_span is not None:
            break
    assert spoken is not None and spoken.word_span is not None
    sentence = paragraph.sentences[0]
    assert spoken.sentence == 0
    assert spoken.sentence_span == (paragraph.local(sentence.start), paragraph.local(sentence.end))
    assert spoken.word_span[1] <= made.piece.end and not spoken.last_piece
    null_player.stop()
