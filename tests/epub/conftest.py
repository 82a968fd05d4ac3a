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
def speech_head(speech: Document) -> Document:
    return first_paragraphs(speech, 5)


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("epub")
