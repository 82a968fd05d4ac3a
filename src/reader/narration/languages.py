"""Which voice reads which paragraph: the document's language chooses the voice unless
``--voice`` names one, and a paragraph marked as another language (an HTML or EPUB
element's ``lang``) is read by a voice of that language where one is installed.

The document's language comes from its metadata: Markdown front matter ``language:`` or
``lang:``, an EPUB's ``dc:language``, an HTML page's ``<html lang>``. Piper has English
voices only; for another language the paragraph falls back to eSpeak NG's voice for it,
and where no engine has one, to the document's voice, each said once in a note.

Pure apart from listing the installed voices (only when a language other than the
document voice's own is asked for). Units: none; languages are BCP 47 tags.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reader.document import Document, Paragraph
from reader.narration.engines import DEFAULT_ENGINE, all_voices, qualified, split_voice
from reader.narration.engines.port import VoiceInfo


def normalise(tag: str) -> str:
    """``de_DE`` and ``DE-de`` as ``de-de``."""
    return tag.strip().replace("_", "-").lower()


def primary(tag: str) -> str:
    """The primary language subtag: ``de`` of ``de-AT``."""
    return normalise(tag).split("-", 1)[0]


def document_language(document: Document) -> str:
    """The language the document declares: ``language`` (front matter, ``dc:language``,
    ``<html lang>``), else the front matter's ``lang``; "en" when it says nothing."""
    declared = document.metadata.language
    lang = dict(document.metadata.extra).get("lang", "")
    if lang and primary(declared) == "en":
        # Metadata.language is "en" when nothing is declared: a ``lang:`` field wins.
        return lang
    return declared or "en"


def best_voice(language: str, voices: Sequence[VoiceInfo]) -> VoiceInfo | None:
    """The voice that fits ``language`` best: the same tag, else the plain language
    (``de`` for ``de-AT``), else any regional voice of it; None when none speaks it."""
    wanted, base = normalise(language), primary(language)
    if not base:
        return None
    ranked = [
        (0 if normalise(v.language) == wanted else 1 if normalise(v.language) == base else 2, v.id)
        for v in voices
        if primary(v.language) == base
    ]
    if not ranked:
        return None
    _, best = min(ranked)
    return next(v for v in voices if v.id == best)


@dataclass(frozen=True, slots=True)
class VoicePlan:
    """The voice of each paragraph (by position in the list given; ``None`` is the
    default engine's default voice) and the notes to show once."""

    voices: tuple[str | None, ...]
    notes: tuple[str, ...] = field(default=())
    document_voice: str | None = None  # the voice of the document's own language


VoiceLister = Callable[[str], list[VoiceInfo]]


def _installed(engine: str) -> list[VoiceInfo]:
    voices, _ = all_voices([engine])
    return voices


def plan_voices(
    document: Document,
    paragraphs: Sequence[Paragraph],
    voice: str | None,
    lister: VoiceLister = _installed,
) -> VoicePlan:
    """The voice for each of ``paragraphs``: ``voice`` if given, else one for the
    document's language; a paragraph in another language gets a voice of its own."""
    listed: dict[str, list[VoiceInfo]] = {}

    def voices_of(engine: str) -> list[VoiceInfo]:
        if engine not in listed:
            listed[engine] = lister(engine)
        return listed[engine]

    def speaks(qualified_voice: str, language: str) -> bool:
        engine, local = split_voice(qualified_voice)
        found = next((v for v in voices_of(engine) if v.id == local), None)
        own = found.language if found is not None else (local or "").rsplit("/", 1)[-1]
        return primary(own) == primary(language)

    notes: list[str] = []
    language = document_language(document)
    base_voice = voice
    document_voice = qualified(voice)
    if voice is None and primary(language) != "en":
        found = best_voice(language, voices_of(DEFAULT_ENGINE))
        if found is None:
            notes.append(
                f"no installed voice speaks the document's language ({language}); "
                "reading it with the default voice (choose one with --voice)"
            )
        else:
            base_voice = document_voice = found.qualified_id
            notes.append(
                f"the document is in {language}: read by {found.qualified_id} "
                "(choose another with --voice)"
            )
    chosen: dict[str, str | None] = {}
    result: list[str | None] = []
    for paragraph in paragraphs:
        own = paragraph.language
        if not own or primary(own) == primary(language) or speaks(document_voice, own):
            result.append(base_voice)
            continue
        key = primary(own)
        if key not in chosen:
            chosen[key] = _voice_for(own, document_voice, voices_of, notes)
        result.append(chosen[key] if chosen[key] is not None else base_voice)
    return VoicePlan(tuple(result), tuple(notes), base_voice)


def _voice_for(
    language: str, document_voice: str, voices_of: VoiceLister, notes: list[str]
) -> str | None:
    """A voice for paragraphs in ``language``: the document voice's engine first, then
    eSpeak NG; None (the document's voice) with a note when no engine has one."""
    engine = split_voice(document_voice)[0]
    for candidate in dict.fromkeys([engine, DEFAULT_ENGINE]):
        found = best_voice(language, voices_of(candidate))
        if found is not None:
            if candidate != engine:
                notes.append(
                    f"paragraphs in {language} are read by {found.qualified_id} "
                    f"({engine} has no voice for {language})"
                )
            return found.qualified_id
    notes.append(
        f"no installed voice speaks {language}; its paragraphs are read by {document_voice}"
    )
    return None
