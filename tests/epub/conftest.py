"""Fixtures for the EPUB tests: documents and their real eSpeak NG narration."""

from __future__ import annotations

from pathlib import Path

import pytest
from epub_fixtures import HOSTILE, first_paragraphs

from reader.document import Document
from reader.ingest import parse_text


@pytest.fixture(scope="session")
def hostile() -> Document:
    return parse_text(HOSTILE, markdown=True, path="hostile.md")


@pytest.fixture(scope="session")
def mixed(addresses_path: Path) -> Document:
    """The hostile text, a heading with no paragraphs, then a real document with headings
    (one book, one EPUBCheck run: Java takes seconds per book)."""
    addresses = addresses_path.read_text(encoding="utf-8").split("---\n", 2)[2]
    text = f"{HOSTILE}\n# An empty part\n\n{addresses}"
    return parse_text(text, markdown=True, path="mixed.md")


@pytest.fixture(scope="session")
def speech_head(speech: Document) -> Document:
    return first_paragraphs(speech, 5)


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("epub")
