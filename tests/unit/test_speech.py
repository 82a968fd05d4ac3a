"""The bundled speech and the raw seed page agree, paragraph by paragraph."""

from __future__ import annotations

from pathlib import Path

from reader.document import Document
from reader.ingest import load_document

# A byte-for-byte copy of ../shared/seeds/000_42e15ef78f8e8e44.txt, the page as scraped.
SEED = Path(__file__).resolve().parents[1] / "data" / "seed-page.txt"


def test_speech_has_sixty_paragraphs(speech: Document) -> None:
    assert len(speech.paragraphs) == 60
    assert speech.paragraphs[0].text.startswith("Thank you, Tim, for that kind introduction.")
    assert speech.paragraphs[-1].text == (
        "You can be certain about this: we have your back and you have our thanks."
    )


def test_speech_metadata(speech: Document) -> None:
    meta = speech.metadata
    assert meta.title == (
        "Attorney General Sessions Delivers Remarks to the International Association "
        "of Chiefs of Police"
    )
    assert meta.speaker == "Attorney General Sessions"
    assert meta.place == "Nashville, TN, United States"
    assert meta.note == "Remarks as prepared for delivery."
    assert meta.date == "March 16, 2018"
    assert meta.source


def test_seed_page_matches_bundled_speech(speech: Document) -> None:
    page = load_document(SEED)
    assert [p.text for p in page.paragraphs] == [p.text for p in speech.paragraphs]
    for key in ("title", "speaker", "place", "note", "date"):
        assert getattr(page.metadata, key) == getattr(speech.metadata, key)
