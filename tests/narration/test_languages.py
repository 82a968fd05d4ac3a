"""The voice follows the document's language (issue 12 item 3): the plan is tested over a
table with a fixed voice list, and the real renders with real eSpeak NG (and Piper for the
fallback): ``language: de`` is read exactly as ``--voice de``, and a mixed-language HTML
page reads each marked paragraph with a voice of its language."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.document import Document
from reader.ingest import load_document, parse_text
from reader.narration.engines.port import VoiceInfo
from reader.narration.languages import best_voice, document_language, plan_voices

from .narration_helpers import read_samples, run_reader

VOICES = {
    "espeak": [
        VoiceInfo("espeak", "gmw/de", "German", "de"),
        VoiceInfo("espeak", "gmw/en", "English", "en-gb"),
        VoiceInfo("espeak", "gmw/en-US", "English (America)", "en-us"),
        VoiceInfo("espeak", "roa/fr", "French", "fr-fr"),
        VoiceInfo("espeak", "roa/pt", "Portuguese", "pt"),
        VoiceInfo("espeak", "roa/pt-BR", "Portuguese (Brazil)", "pt-br"),
    ],
    "piper": [VoiceInfo("piper", "en_US-joe-medium", "Joe", "en-US")],
}


def _lister(engine: str) -> list[VoiceInfo]:
    return VOICES[engine]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "gmw/de"),
        ("de-AT", "gmw/de"),
        ("DE_de", "gmw/de"),
        ("pt-BR", "roa/pt-BR"),
        ("pt", "roa/pt"),
        ("pt-PT", "roa/pt"),
        ("fr", "roa/fr"),
        ("en-US", "gmw/en-US"),
        ("xx", None),
        ("", None),
    ],
)
def test_best_voice(language: str, expected: str | None) -> None:
    found = best_voice(language, VOICES["espeak"])
    assert (found.id if found else None) == expected


def _markdown(front: str, *paragraphs: str) -> Document:
    return parse_text(f"---\n{front}\n---\n\n" + "\n\n".join(paragraphs), markdown=True)


@pytest.mark.parametrize(
    ("front", "expected"),
    [("language: de", "de"), ("lang: de", "de"), ("title: x", "en"), ("language: fr-CA", "fr-CA")],
)
def test_document_language_from_front_matter(front: str, expected: str) -> None:
    assert document_language(_markdown(front, "Text.")) == expected


@pytest.mark.parametrize(
    ("front", "voice", "voices", "noted"),
    [
        ("language: de", None, ("espeak:gmw/de",), "read by espeak:gmw/de"),
        ("lang: fr", None, ("espeak:roa/fr",), "read by espeak:roa/fr"),
        ("language: de", "espeak:gmw/en", ("espeak:gmw/en",), ""),  # --voice wins
        ("language: en", None, (None,), ""),  # English: the default voice, no note
        ("language: xx", None, (None,), "no installed voice speaks the document's language"),
    ],
)
def test_document_voice(
    front: str, voice: str | None, voices: tuple[str | None, ...], noted: str
) -> None:
    plan = plan_voices(_markdown(front, "Eins."), _markdown(front, "Eins.").paragraphs, voice,
                       _lister)  # fmt: skip
    assert plan.voices == voices
    assert (noted in " ".join(plan.notes)) if noted else plan.notes == ()


def test_paragraph_languages_and_the_piper_fallback(tmp_path: Path) -> None:
    page = tmp_path / "mixed.html"
    page.write_text(
        '<html lang="en"><body><main><p>One in English.</p><p lang="fr">Un en français.</p>'
        '<p lang="de-AT">Eins auf Deutsch.</p><p lang="xx">Something unknown.</p>'
        '<p lang="fr">Deux en français.</p></main></body></html>'
    )
    document = load_document(page)
    assert [p.language for p in document.paragraphs] == ["", "fr", "de-AT", "xx", "fr"]
    plan = plan_voices(document, document.paragraphs, None, _lister)
    assert plan.voices == (None, "espeak:roa/fr", "espeak:gmw/de", None, "espeak:roa/fr")
    assert len(plan.notes) == 1 and "no installed voice speaks xx" in plan.notes[0]
    piper = plan_voices(document, document.paragraphs, "piper:en_US-joe-medium", _lister)
    joe = "piper:en_US-joe-medium"
    assert piper.voices == (joe, "espeak:roa/fr", "espeak:gmw/de", joe, "espeak:roa/fr")
    fallbacks = [n for n in piper.notes if "piper has no voice for" in n]
    assert len(fallbacks) == 2  # said once per language, not once per paragraph


GERMAN = "Guten Morgen. Das ist ein kurzer deutscher Absatz über das Wetter in Berlin."


def test_language_de_is_read_in_german(tmp_path: Path) -> None:
    text = tmp_path / "de.md"
    text.write_text(f"---\ntitle: Ein Test\nlanguage: de\n---\n\n{GERMAN}\n")
    renders = {}
    for name, extra in (("auto", []), ("de", ["--voice", "de"]), ("en", ["--voice", "en"])):
        out = tmp_path / name
        result = run_reader("render", str(text), "-o", str(out), "--format", "wav", *extra,
                            cache=tmp_path / "cache")  # fmt: skip
        assert result.returncode == 0, result.stderr
        renders[name] = (read_samples(out / "de.wav"), result.stderr)
    assert renders["auto"][0] == renders["de"][0]  # exactly what --voice de says
    assert renders["auto"][0] != renders["en"][0]
    assert "read by espeak:gmw/de" in renders["auto"][1]
    assert "read by" not in renders["en"][1]


def test_mixed_language_page_reads_each_paragraph_in_its_language(tmp_path: Path) -> None:
    english, french = (
        "This paragraph is in English.",
        "Bonjour, ceci est un paragraphe en français.",
    )
    page = tmp_path / "mixed.html"
    page.write_text(
        f'<html lang="en"><body><main><p>{english}</p><p lang="fr">{french}</p>'
        "</main></body></html>"
    )
    cache = tmp_path / "cache"
    for voice in ("", "piper:en_US-joe-medium"):
        out = tmp_path / f"mixed{bool(voice)}"
        extra = ["--voice", voice] if voice else []
        # The engine's own level (--loudness off): a document's gain depends on all of it.
        mixed = run_reader("render", str(page), "-o", str(out), "--format", "wav", *extra,
                           "--loudness", "off", cache=cache)  # fmt: skip
        assert mixed.returncode == 0, mixed.stderr
        assert ("piper has no voice for fr" in mixed.stderr) == bool(voice)
        # The French paragraph, alone and read by the French voice, is the same audio.
        alone = tmp_path / "fr.txt"
        alone.write_text(french + "\n")
        solo = run_reader("render", str(alone), "-o", str(tmp_path / "fr"), "--format", "wav",
                          "--voice", "roa/fr", "--loudness", "off", cache=cache)  # fmt: skip
        assert solo.returncode == 0, solo.stderr
        own = read_samples(tmp_path / "fr" / "p001.wav")
        assert read_samples(out / "p002.wav")[: len(own)] == own
        assert read_samples(out / "p001.wav") != own
