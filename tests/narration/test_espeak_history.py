"""eSpeak audio does not depend on what the process spoke before.

Each synthesis runs in a forked pristine child, but choosing the voice and parameters used
to happen in the parent, and every SetVoiceByName/SetParameter left a trace in eSpeak's
state there: after about 30 paragraphs the same text came out tens to hundreds of samples
different, so a cluster worker's share of a batch (or ``--jobs``) changed the audio.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .narration_helpers import ROOT

SPEECH = ROOT / "texts" / "sessions-iacp-2018.md"

# One process: the paragraph alone, then after 32 and 64 other syntheses and voice checks
# (both counts changed this paragraph's audio before the fix), one digest per line.
_SCRIPT = """
import hashlib, sys
from pathlib import Path
from reader.ingest import load_document
from reader.narration.engines.espeak import ENGINE
from reader.narration.engines.port import SpeechRequest

text = load_document(Path(sys.argv[1]), 50_000_000).paragraphs[33].text
request = SpeechRequest("en", 175, 50, 1.0)

def digest():
    result = ENGINE.synthesise(text, request)
    marks = [(m.kind, m.char_start, m.sample) for m in result.marks]
    return hashlib.sha256(result.pcm + repr(marks).encode()).hexdigest()

print(digest())
for count in (32, 32):
    for _ in range(count):
        ENGINE.synthesise("Hello there.", request)
        ENGINE.check_voice("de")
    print(digest())
"""


@pytest.mark.slow
def test_the_same_text_gives_the_same_audio_whatever_came_before() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(SPEECH)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    digests = result.stdout.split()
    assert len(digests) == 3
    assert digests[1] == digests[0]
    assert digests[2] == digests[0]
