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


@pytest.fixture(autouse=True, scope="session")
def _piper_model_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The alignment-patched Piper model goes to a folder of the test session, never the
    user's cache (subprocesses inherit it)."""
    import os

    os.environ["READER_PIPER_CACHE"] = str(tmp_path_factory.mktemp("piper-model"))
