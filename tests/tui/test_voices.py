"""The voice chooser: listed from the real eSpeak NG, filtered and chosen from the keyboard,
kept in the document's settings, and used by the next render."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.widgets import OptionList

from reader.document import Document
from reader.narration.renderer import ParagraphRenderer
from reader.playback import Player
from reader.settings import SettingsStore, document_key
from reader.tui.app import ReaderApp
from reader.tui.narrator import RendererFactory
from reader.tui.renderers import default_factory
from reader.tui.screens.reading import ReaderScreen
from reader.tui.screens.voices import DEFAULT_ID, VoiceDialog


async def _open(app: ReaderApp, pilot: object) -> VoiceDialog:
    await pilot.press("v")  # type: ignore[attr-defined]
    dialog = app.screen
    assert isinstance(dialog, VoiceDialog)
    for _ in range(500):
        if dialog.voices is not None:
            break
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    assert dialog.voices, "no voices were listed"
    await pilot.pause()  # type: ignore[attr-defined]
    return dialog


def _highlighted(dialog: VoiceDialog) -> str | None:
    listing = dialog.query_one(OptionList)
    assert listing.highlighted is not None
    return listing.get_option_at_index(listing.highlighted).id


async def test_filter_choose_and_keep(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
    data_dir: Path,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open(app, pilot)
        assert _highlighted(dialog) == DEFAULT_ID  # the current voice is the default
        await pilot.press(*"german")
        await pilot.pause()
        listing = dialog.query_one(OptionList)
        shown = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        assert "espeak:gmw/de" in shown and len(shown) < len(dialog.voices or [])
        while _highlighted(dialog) != "espeak:gmw/de":
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert "Voice espeak:gmw/de" in screen.status
        assert screen.narrator is not None and screen.narrator._wanted[0] == "espeak:gmw/de"
    saved = SettingsStore(data_dir).load().document(document_key(speech.path))
    assert saved is not None and saved.voice == "espeak:gmw/de"

    again = make_app(speech, player=null_player, factory=fixture_factory)
    async with again.run_test(size=(80, 24)) as pilot:
        dialog = await _open(again, pilot)
        assert _highlighted(dialog) == "espeak:gmw/de"  # the dialog shows the current voice
        await pilot.press("escape")  # cancels: nothing changes
        await pilot.pause()
        assert isinstance(again.screen, ReaderScreen)
        assert again.session.state.voice == "espeak:gmw/de"
        dialog = await _open(again, pilot)
        while _highlighted(dialog) != DEFAULT_ID:  # nothing typed: the default is listed
            await pilot.press("up")
        await pilot.press("enter")
        await pilot.pause()
        assert again.session.state.voice is None
        assert "Voice" not in again.screen.status


async def test_no_match_says_so(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open(app, pilot)
        await pilot.press(*"zzzqqq", "enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "no voice matches" in str(dialog.query_one(".dialog-error").render())


async def test_chosen_voice_renders_the_next_paragraph(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    tmp_path: Path,
) -> None:
    factory = default_factory(tmp_path / "narration-cache")
    assert factory is not None
    app = make_app(speech, player=null_player, factory=factory, start=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press(*"gmw/de", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("space")
        narrator = screen.narrator
        assert narrator is not None
        for _ in range(1000):
            if narrator.given(1) is not None:
                break
            await asyncio.sleep(0.02)
        renderer = narrator._renderer
        assert isinstance(renderer, ParagraphRenderer)
        assert renderer.settings.voice == "espeak:gmw/de"
        assert (1, 0, "espeak:gmw/de", narrator.rate) in narrator._cache
        german = narrator.given(1)
        assert german is not None
        english = ParagraphRenderer(
            renderer.settings.__class__(voice=None, rate_wpm=narrator.rate, pitch=50, volume=1.0),
            cache_dir=tmp_path / "narration-cache",
            jobs=1,
        )
        with english:
            other = english.render(speech.paragraphs[1])
        # Another voice, another recording: not the English one from the cache.
        assert other.wav_path != german.wav_path
        assert other.wav_path.read_bytes() != german.wav_path.read_bytes()
        await pilot.press("s")


async def test_no_narration_no_chooser(
    speech: Document, make_app: Callable[..., ReaderApp]
) -> None:
    app = make_app(speech)  # no audio device: nothing would speak with the voice
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)


async def test_the_natural_voice_is_one_arrow_below_the_default(
    speech: Document,
    make_app: Callable[..., ReaderApp],
    null_player: Player,
    fixture_factory: RendererFactory,
) -> None:
    app = make_app(speech, player=null_player, factory=fixture_factory)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open(app, pilot)
        assert _highlighted(dialog) == DEFAULT_ID
        await pilot.press("down")
        assert _highlighted(dialog) == "piper:en_US-joe-medium"
        voices = dialog.voices or []
        assert len(voices) > 50 and voices[-1].engine == "espeak"  # eSpeak's follow
