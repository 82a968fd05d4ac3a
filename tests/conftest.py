"""Shared fixtures: the bundled speech, the raw seed page, a second document with headings."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from reader.document import Document
from reader.ingest import bundled_speech_path, load_document

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C as a terminal delivers it, however the suite was started: a shell starts a
    background job (``make test &``, a CI runner's shell) with SIGINT ignored, and every
    process inherits that, so the tests that interrupt a render would see it finish."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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
