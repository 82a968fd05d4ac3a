"""Shared fixtures: the bundled speech, the raw seed page, a second document with headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.document import Document
from reader.ingest import bundled_speech_path, load_document

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def speech_path() -> Path:
    return bundled_speech_path()


@pytest.fixture(scope="session")
def speech(speech_path: Path) -> Document:
    return load_document(speech_path)


@pytest.fixture(scope="session")
def addresses_path() -> Path:
    return DATA / "addresses.md"


@pytest.fixture(scope="session")
def addresses(addresses_path: Path) -> Document:
    return load_document(addresses_path)
